-- Section 136 detentions in the period by ethnic group, with where they were taken.
-- Returns: ethnic_group (contract code; 'not_stated' as sent, 'not_recorded' where null), detentions,
--          police_custody, health_based
SELECT
    coalesce(ethnic_group, 'not_recorded') AS ethnic_group,
    count(*) AS detentions,
    count(*) FILTER (WHERE place_of_safety = 'police_custody') AS police_custody,
    count(*) FILTER (WHERE place_of_safety = 'health_based') AS health_based
FROM s136_detentions
WHERE detained_at >= $period_start AND detained_at < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY detentions DESC, ethnic_group
