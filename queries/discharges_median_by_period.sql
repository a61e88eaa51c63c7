-- Median length of stay of the stays discharged, one row per trend bucket (anchor: discharged_at).
-- Returns: bucket, median_los_days (nights: discharged_at::date - admitted_at::date, over every
--          stay discharged; its n is discharges_by_period's stays_discharged)
-- Rows come from discharges (queries/catalog/): discharged stays sorted by discharged_at.
SELECT
    bucket_start(month, $grain, $period_start) AS bucket,
    median(los_nights) AS median_los_days
FROM discharges
WHERE discharged_at >= $period_start AND discharged_at < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY bucket
