-- Mental health ward admissions in the period by admission source and legal status at admission.
-- Returns: admission_source, admissions, informal, detained (one row per source with any admission)
SELECT
    admission_source,
    count(*) AS admissions,
    count(*) FILTER (WHERE legal_status = 'informal') AS informal,
    count(*) FILTER (WHERE legal_status = 'detained') AS detained
FROM inpatient_stays
WHERE admitted_at >= $period_start AND admitted_at < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY admission_source
ORDER BY admission_source
