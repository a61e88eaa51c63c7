-- Liaison psychiatry referrals, one row per trend bucket.
-- Returns: bucket, referrals, emergency, emergency_assessed, emergency_within_1h,
--          emergency_not_recorded, urgent, urgent_assessed, urgent_within_24h, urgent_not_recorded
-- "assessed" = assessed_at recorded; response targets: emergency <= 60 min, urgent <= 1440 min.
WITH r AS (
    SELECT referred_at, urgency, minutes_between(referred_at, assessed_at) AS minutes
    FROM liaison_referrals
    WHERE referred_at >= $period_start AND referred_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    bucket_start(referred_at::DATE, $grain, $period_start) AS bucket,
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
ORDER BY bucket
