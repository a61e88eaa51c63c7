-- Section 136 detentions in the period by first place of safety, with the hours to the Mental Health
-- Act assessment and the hours detained, in bands (the distributions on the places of safety page).
-- Returns: place_of_safety (contract code), detentions,
--          assess_0_1, assess_1_2, assess_2_3 (together: within 3 hours), assess_3_6, assess_6_12,
--          assess_12_24, assess_over_24, assess_not_recorded, assessment_recorded,
--          median_hours_to_assessment (over those recorded; empty where none is),
--          held_0_6, held_6_12, held_12_24, held_24_36, held_over_36, held_not_recorded, ended_recorded,
--          median_hours (detained, over those with ended_at recorded; empty where none is)
-- A band "N to M hours" holds minutes > N*60 and <= M*60 ("within N hours" means <= N*60), so
-- exactly 180 minutes to assessment is in 2-3 hours, within 3 hours, as s136_assessed_3h_pct counts it.
WITH d AS (
    SELECT place_of_safety,
           minutes_between(detained_at, assessment_at) AS to_assessment,
           minutes_between(detained_at, ended_at) AS held
    FROM s136_detentions
    WHERE detained_at >= $period_start AND detained_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    place_of_safety,
    count(*) AS detentions,
    count(*) FILTER (WHERE to_assessment <= 60) AS assess_0_1,
    count(*) FILTER (WHERE to_assessment > 60 AND to_assessment <= 120) AS assess_1_2,
    count(*) FILTER (WHERE to_assessment > 120 AND to_assessment <= 180) AS assess_2_3,
    count(*) FILTER (WHERE to_assessment > 180 AND to_assessment <= 360) AS assess_3_6,
    count(*) FILTER (WHERE to_assessment > 360 AND to_assessment <= 720) AS assess_6_12,
    count(*) FILTER (WHERE to_assessment > 720 AND to_assessment <= 1440) AS assess_12_24,
    count(*) FILTER (WHERE to_assessment > 1440) AS assess_over_24,
    count(*) - count(to_assessment) AS assess_not_recorded,
    count(to_assessment) AS assessment_recorded,
    median(to_assessment) / 60.0 AS median_hours_to_assessment,
    count(*) FILTER (WHERE held <= 360) AS held_0_6,
    count(*) FILTER (WHERE held > 360 AND held <= 720) AS held_6_12,
    count(*) FILTER (WHERE held > 720 AND held <= 1440) AS held_12_24,
    count(*) FILTER (WHERE held > 1440 AND held <= 2160) AS held_24_36,
    count(*) FILTER (WHERE held > 2160) AS held_over_36,
    count(*) - count(held) AS held_not_recorded,
    count(held) AS ended_recorded,
    median(held) / 60.0 AS median_hours
FROM d
GROUP BY ALL
ORDER BY place_of_safety
