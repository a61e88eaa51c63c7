-- Section 136 detentions, one row per trend bucket.
-- Returns: bucket, detentions, health_based, emergency_department, police_custody, other_place,
--          under18_custody, ambulance, police_vehicle, other_conveyance, ended_recorded,
--          ended_not_recorded, over_limit, with_outcome, admitted, no_mh_follow_up, intoxicated,
--          assessment_recorded, assessment_not_recorded, assessed_3h (Mental Health Act assessment
--          started <= 180 minutes after detained_at), black, white (detentions by ethnic group)
-- Over the legal limit: ended_at recorded and longer than 24 hours, or 36 hours where extended.
-- The median time detained is s136_median_by_period: it cannot be summed.
-- Rows come from s136_monthly (queries/catalog/): the same counts by detention month and
-- age, summed over the bucket's months and the age band.
SELECT
    bucket_start(month, $grain, $period_start) AS bucket,
    sum(detentions)::BIGINT AS detentions,
    sum(health_based)::BIGINT AS health_based,
    sum(emergency_department)::BIGINT AS emergency_department,
    sum(police_custody)::BIGINT AS police_custody,
    sum(other_place)::BIGINT AS other_place,
    sum(under18_custody)::BIGINT AS under18_custody,
    sum(ambulance)::BIGINT AS ambulance,
    sum(police_vehicle)::BIGINT AS police_vehicle,
    sum(other_conveyance)::BIGINT AS other_conveyance,
    sum(ended_recorded)::BIGINT AS ended_recorded,
    (sum(detentions) - sum(ended_recorded))::BIGINT AS ended_not_recorded,
    sum(over_limit)::BIGINT AS over_limit,
    sum(with_outcome)::BIGINT AS with_outcome,
    sum(admitted)::BIGINT AS admitted,
    sum(no_mh_follow_up)::BIGINT AS no_mh_follow_up,
    sum(intoxicated)::BIGINT AS intoxicated,
    sum(assessment_recorded)::BIGINT AS assessment_recorded,
    (sum(detentions) - sum(assessment_recorded))::BIGINT AS assessment_not_recorded,
    sum(assessed_3h)::BIGINT AS assessed_3h,
    sum(black)::BIGINT AS black,
    sum(white)::BIGINT AS white
FROM s136_monthly
WHERE month >= $period_start AND month < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY bucket
