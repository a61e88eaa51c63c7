-- Section 136 detentions, one row per trend bucket.
-- Returns: bucket, detentions, health_based, emergency_department, police_custody, other_place,
--          under18_custody, ambulance, police_vehicle, other_conveyance, ended_recorded,
--          ended_not_recorded, over_limit, with_outcome, admitted, no_mh_follow_up, intoxicated,
--          median_hours
-- Over the legal limit: ended_at recorded and longer than 24 hours, or 36 hours where extended.
WITH d AS (
    SELECT *, minutes_between(detained_at, ended_at) AS minutes
    FROM s136_detentions
    WHERE detained_at >= $period_start AND detained_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    bucket_start(detained_at::DATE, $grain, $period_start) AS bucket,
    count(*) AS detentions,
    count(*) FILTER (WHERE place_of_safety = 'health_based') AS health_based,
    count(*) FILTER (WHERE place_of_safety = 'emergency_department') AS emergency_department,
    count(*) FILTER (WHERE place_of_safety = 'police_custody') AS police_custody,
    count(*) FILTER (WHERE place_of_safety = 'other') AS other_place,
    count(*) FILTER (WHERE place_of_safety = 'police_custody' AND age < 18) AS under18_custody,
    count(*) FILTER (WHERE conveyance = 'ambulance') AS ambulance,
    count(*) FILTER (WHERE conveyance = 'police_vehicle') AS police_vehicle,
    count(*) FILTER (WHERE conveyance = 'other') AS other_conveyance,
    count(minutes) AS ended_recorded,
    count(*) - count(minutes) AS ended_not_recorded,
    count(*) FILTER (WHERE minutes > CASE WHEN extended THEN 36 * 60 ELSE 24 * 60 END) AS over_limit,
    count(outcome) AS with_outcome,
    count(*) FILTER (WHERE outcome IN ('admitted_informal', 'admitted_detained')) AS admitted,
    count(*) FILTER (WHERE outcome = 'no_mh_follow_up') AS no_mh_follow_up,
    count(*) FILTER (WHERE intoxicated) AS intoxicated,
    median(minutes) / 60.0 AS median_hours
FROM d
GROUP BY ALL
ORDER BY bucket
