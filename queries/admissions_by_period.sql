-- Mental health ward admissions, one row per trend bucket.
-- Returns: bucket, admissions, detained, out_of_area_admissions
SELECT
    bucket_start(admitted_at::DATE, $grain, $period_start) AS bucket,
    count(*) AS admissions,
    count(*) FILTER (WHERE legal_status = 'detained') AS detained,
    count(*) FILTER (WHERE out_of_area) AS out_of_area_admissions
FROM inpatient_stays
WHERE admitted_at >= $period_start AND admitted_at < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY bucket
