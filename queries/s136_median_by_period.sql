-- Median time detained under section 136 and median time to the Mental Health Act assessment,
-- one row per trend bucket (both from one read of the detentions).
-- Returns: bucket, median_hours (over detentions with ended_at recorded; empty where none is),
--          median_hours_to_assessment (over detentions with assessment_at recorded; empty where none is)
-- minutes = minutes_between(detained_at, ended_at), to_assessment = minutes_between(detained_at,
-- assessment_at); their counts (ended_recorded, assessment_recorded: the n behind each) are
-- s136_by_period's.
WITH d AS (
    SELECT detained_at, minutes_between(detained_at, ended_at) AS minutes,
           minutes_between(detained_at, assessment_at) AS to_assessment
    FROM s136_detentions
    WHERE detained_at >= $period_start AND detained_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    bucket_start(detained_at::DATE, $grain, $period_start) AS bucket,
    median(minutes) / 60.0 AS median_hours,
    median(to_assessment) / 60.0 AS median_hours_to_assessment
FROM d
GROUP BY ALL
ORDER BY bucket
