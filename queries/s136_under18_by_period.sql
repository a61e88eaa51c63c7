-- Section 136 detentions of children and young people (age under 18), one row per trend bucket.
-- Returns: bucket, detentions (all ages in the band), under18_detentions, under18_custody,
--          under18_health_based, under18_emergency_department, under18_other_place (first place of
--          safety of the under-18s; with under18_custody they add up to under18_detentions)
-- A police station may not be used as a place of safety for anyone under 18 (Policing and
-- Crime Act 2017), so under18_custody should be 0 in every bucket.
SELECT
    bucket_start(detained_at::DATE, $grain, $period_start) AS bucket,
    count(*) AS detentions,
    count(*) FILTER (WHERE age < 18) AS under18_detentions,
    count(*) FILTER (WHERE age < 18 AND place_of_safety = 'police_custody') AS under18_custody,
    count(*) FILTER (WHERE age < 18 AND place_of_safety = 'health_based') AS under18_health_based,
    count(*) FILTER (WHERE age < 18 AND place_of_safety = 'emergency_department') AS under18_emergency_department,
    count(*) FILTER (WHERE age < 18 AND place_of_safety = 'other') AS under18_other_place
FROM s136_detentions
WHERE detained_at >= $period_start AND detained_at < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY bucket
