-- Liaison referrals by hour of referral for the period.
-- Returns: hour (0-23), referrals, emergency_assessed, emergency_within_1h
-- Rows come from liaison_hour_monthly (queries/catalog/): the counts by referral month, age,
-- weekday and hour, summed over the period's months, the age band and the weekdays; for one
-- emergency department ($site, the site view; '' = every source) from its referrals
-- (liaison_referrals with liaison_sites, the site of each referral's attendance).
WITH counts AS (
    SELECT hour, referrals, emergency_assessed, emergency_within_1h
    FROM liaison_hour_monthly
    WHERE $site = '' AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    UNION ALL
    SELECT hour(l.referred_at), 1, (l.urgency = 'emergency' AND l.assessed_at IS NOT NULL)::BIGINT,
           coalesce(l.urgency = 'emergency' AND minutes_between(l.referred_at, l.assessed_at) <= 60, false)::BIGINT
    FROM liaison_referrals l
    JOIN liaison_sites s USING (referral_id)
    WHERE s.site = $site AND l.referred_at >= $period_start AND l.referred_at < $period_end
      AND l.age BETWEEN $age_min AND $age_max
)
SELECT hour,
       sum(referrals)::BIGINT AS referrals,
       sum(emergency_assessed)::BIGINT AS emergency_assessed,
       sum(emergency_within_1h)::BIGINT AS emergency_within_1h
FROM counts
GROUP BY ALL
ORDER BY hour
