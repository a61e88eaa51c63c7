-- Liaison referrals by hour of referral for the period.
-- Returns: hour (0-23), referrals, emergency_assessed, emergency_within_1h
-- Rows come from liaison_hour_monthly (queries/catalog/): the counts by referral month, age
-- and hour, summed over the period's months and the age band.
SELECT hour,
       sum(referrals)::BIGINT AS referrals,
       sum(emergency_assessed)::BIGINT AS emergency_assessed,
       sum(emergency_within_1h)::BIGINT AS emergency_within_1h
FROM liaison_hour_monthly
WHERE month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY hour
