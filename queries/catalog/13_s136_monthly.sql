-- Section 136 counts by detention month and age (s136_by_period; its median is
-- s136_median_by_period, from the detentions). minutes = minutes_between(detained_at, ended_at);
-- to_assessment = minutes_between(detained_at, assessment_at): within 3 hours is <= 180.
-- black, white: detentions by recorded ethnic group (the rate ratio).
CREATE TABLE s136_monthly AS
WITH d AS (
    SELECT *, minutes_between(detained_at, ended_at) AS minutes,
           minutes_between(detained_at, assessment_at) AS to_assessment
    FROM s136_detentions
)
SELECT date_trunc('month', detained_at)::DATE AS month, age,
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
       count(*) FILTER (WHERE minutes > CASE WHEN extended THEN 36 * 60 ELSE 24 * 60 END) AS over_limit,
       count(outcome) AS with_outcome,
       count(*) FILTER (WHERE outcome IN ('admitted_informal', 'admitted_detained')) AS admitted,
       count(*) FILTER (WHERE outcome = 'no_mh_follow_up') AS no_mh_follow_up,
       count(*) FILTER (WHERE intoxicated) AS intoxicated,
       count(to_assessment) AS assessment_recorded,
       count(*) FILTER (WHERE to_assessment <= 180) AS assessed_3h,
       count(*) FILTER (WHERE ethnic_group = 'black') AS black,
       count(*) FILTER (WHERE ethnic_group = 'white') AS white
FROM d
GROUP BY ALL
ORDER BY month, age;
