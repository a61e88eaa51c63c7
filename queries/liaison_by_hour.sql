-- Liaison referrals by hour of referral for the period.
-- Returns: hour (0-23), referrals, emergency_assessed, emergency_within_1h
SELECT hour(referred_at) AS hour, count(*) AS referrals,
       count(assessed_at) FILTER (WHERE urgency = 'emergency') AS emergency_assessed,
       count(*) FILTER (WHERE urgency = 'emergency'
                        AND minutes_between(referred_at, assessed_at) <= 60) AS emergency_within_1h
FROM liaison_referrals
WHERE referred_at >= $period_start AND referred_at < $period_end AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY hour
