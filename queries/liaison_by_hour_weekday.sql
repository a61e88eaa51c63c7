-- Emergency liaison referrals by hour of referral and day of the week for the period: how many,
-- and how many were seen within 1 hour (nights and weekends are where the response fails).
-- Returns: weekday (1 = Monday .. 7 = Sunday), hour (0-23), emergency_assessed (emergency
--          referrals with assessed_at recorded), emergency_within_1h (<= 60 min)
-- Rows come from liaison_hour_monthly (queries/catalog/), summed over the period's months and
-- the age band; for one emergency department ($site, the site view; '' = every source) from
-- its referrals (liaison_referrals with liaison_sites).
WITH counts AS (
    SELECT weekday, hour, emergency_assessed, emergency_within_1h
    FROM liaison_hour_monthly
    WHERE $site = '' AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    UNION ALL
    SELECT isodow(l.referred_at), hour(l.referred_at), (l.assessed_at IS NOT NULL)::BIGINT,
           coalesce(minutes_between(l.referred_at, l.assessed_at) <= 60, false)::BIGINT
    FROM liaison_referrals l
    JOIN liaison_sites s USING (referral_id)
    WHERE s.site = $site AND l.urgency = 'emergency'
      AND l.referred_at >= $period_start AND l.referred_at < $period_end AND l.age BETWEEN $age_min AND $age_max
)
SELECT weekday, hour,
       sum(emergency_assessed)::BIGINT AS emergency_assessed,
       sum(emergency_within_1h)::BIGINT AS emergency_within_1h
FROM counts
GROUP BY ALL
ORDER BY weekday, hour
