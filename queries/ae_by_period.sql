-- A&E mental health attendances, one row per trend bucket.
-- Returns: bucket, attendances, departure_recorded, departure_not_recorded,
--          within_4h (<= 240 min), over_12h (> 720 min), median_minutes
-- Duration metrics use only attendances with a departure recorded.
-- Rows come from ae_times (queries/_catalog.sql): the attendances, narrow and sorted by
-- arrival, with its month and minutes = minutes_between(arrival_at, departure_at) (null: not recorded).
SELECT
    bucket_start(month, $grain, $period_start) AS bucket,
    count(*) AS attendances,
    count(minutes) AS departure_recorded,
    count(*) - count(minutes) AS departure_not_recorded,
    count(*) FILTER (WHERE minutes <= 240) AS within_4h,
    count(*) FILTER (WHERE minutes > 720) AS over_12h,
    median(minutes) AS median_minutes
FROM ae_times
WHERE arrival_at >= $period_start AND arrival_at < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY bucket
