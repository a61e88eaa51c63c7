-- Section 136 detentions in the period by outcome of the detention.
-- Returns: outcome (contract code, or 'not_recorded' where null), detentions
SELECT
    coalesce(outcome, 'not_recorded') AS outcome,
    count(*) AS detentions
FROM s136_detentions
WHERE detained_at >= $period_start AND detained_at < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY detentions DESC, outcome
