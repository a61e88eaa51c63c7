-- Median time detained under section 136, one row per trend bucket.
-- Returns: bucket, median_hours (over detentions with ended_at recorded; empty where none is)
-- minutes = minutes_between(detained_at, ended_at); its counts (ended_recorded, the n behind
-- it) are s136_by_period's.
WITH d AS (
    SELECT detained_at, minutes_between(detained_at, ended_at) AS minutes
    FROM s136_detentions
    WHERE detained_at >= $period_start AND detained_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    bucket_start(detained_at::DATE, $grain, $period_start) AS bucket,
    median(minutes) / 60.0 AS median_hours
FROM d
GROUP BY ALL
ORDER BY bucket
