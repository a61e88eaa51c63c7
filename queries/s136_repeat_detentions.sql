-- People detained under section 136 in the period, by how many times they were detained in it.
-- Returns: times ('1', '2', '3' or '4+'), people, detentions
-- Only detentions in the period and age band count (age at each detention); times with no
-- people have no row.
WITH per_person AS (
    SELECT person_id, count(*) AS n
    FROM s136_detentions
    WHERE detained_at >= $period_start AND detained_at < $period_end
      AND age BETWEEN $age_min AND $age_max
    GROUP BY person_id
)
SELECT
    CASE WHEN n >= 4 THEN '4+' ELSE n::VARCHAR END AS times,
    count(*) AS people,
    sum(n)::BIGINT AS detentions
FROM per_person
GROUP BY ALL
ORDER BY times
