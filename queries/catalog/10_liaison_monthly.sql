-- Liaison referrals by referral month and age, with every column of liaison_by_period.
CREATE TABLE liaison_monthly AS
WITH r AS (
    SELECT referred_at, age, urgency, minutes_between(referred_at, assessed_at) AS minutes
    FROM liaison_referrals
)
SELECT
    date_trunc('month', referred_at)::DATE AS month, age,
    count(*) AS referrals,
    count(*) FILTER (WHERE urgency = 'emergency') AS emergency,
    count(minutes) FILTER (WHERE urgency = 'emergency') AS emergency_assessed,
    count(*) FILTER (WHERE urgency = 'emergency' AND minutes <= 60) AS emergency_within_1h,
    count(*) FILTER (WHERE urgency = 'emergency' AND minutes IS NULL) AS emergency_not_recorded,
    count(*) FILTER (WHERE urgency = 'urgent') AS urgent,
    count(minutes) FILTER (WHERE urgency = 'urgent') AS urgent_assessed,
    count(*) FILTER (WHERE urgency = 'urgent' AND minutes <= 1440) AS urgent_within_24h,
    count(*) FILTER (WHERE urgency = 'urgent' AND minutes IS NULL) AS urgent_not_recorded
FROM r
GROUP BY ALL
ORDER BY month, age;
