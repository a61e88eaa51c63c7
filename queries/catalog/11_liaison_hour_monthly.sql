-- Liaison referrals by referral month, age, weekday (isodow) and hour of referral.
CREATE TABLE liaison_hour_monthly AS
SELECT date_trunc('month', referred_at)::DATE AS month, age, isodow(referred_at) AS weekday,
       hour(referred_at) AS hour,
       count(*) AS referrals,
       count(assessed_at) FILTER (WHERE urgency = 'emergency') AS emergency_assessed,
       count(*) FILTER (WHERE urgency = 'emergency'
                        AND minutes_between(referred_at, assessed_at) <= 60) AS emergency_within_1h
FROM liaison_referrals
GROUP BY ALL
ORDER BY month, age, weekday, hour;
