-- A&E mental health attendances, one row per trend bucket.
-- Returns: bucket, attendances, departure_recorded, departure_not_recorded,
--          within_4h (<= 240 min), over_12h (> 720 min), median_minutes
-- Duration metrics use only attendances with a departure recorded.
WITH a AS (
    SELECT arrival_at, minutes_between(arrival_at, departure_at) AS minutes
    FROM ae_attendances
    WHERE arrival_at >= $period_start AND arrival_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    bucket_start(arrival_at::DATE, $grain, $period_start) AS bucket,
    count(*) AS attendances,
    count(minutes) AS departure_recorded,
    count(*) - count(minutes) AS departure_not_recorded,
    count(*) FILTER (WHERE minutes <= 240) AS within_4h,
    count(*) FILTER (WHERE minutes > 720) AS over_12h,
    median(minutes) AS median_minutes
FROM a
GROUP BY ALL
ORDER BY bucket
