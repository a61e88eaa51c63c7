-- Median time in A&E of mental health attendances, one row per trend bucket.
-- Returns: bucket, median_minutes (over attendances with a departure recorded; null when none)
-- Rows come from ae_times (queries/_catalog.sql): the attendances, narrow and sorted by arrival,
-- with minutes = minutes_between(arrival_at, departure_at), null when not recorded.
-- A median does not add up over months, so it reads the attendances themselves; its counts
-- (departure_recorded, the n behind it) are ae_by_period's.
SELECT
    bucket_start(month, $grain, $period_start) AS bucket,
    median(minutes) AS median_minutes
FROM ae_times
WHERE arrival_at >= $period_start AND arrival_at < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY bucket
