-- Delayed transfer of care days in the period by reason (A to I).
-- Returns: reason, delayed_days, delays (delays with at least one delayed day in the period)
-- A day d is delayed when delay_start <= d < delay_end; a delay still open counts up to the period end.
WITH delays AS (
    SELECT reason,
           greatest(delay_start, $period_start::DATE) AS counted_from,
           least(coalesce(delay_end, $period_end::DATE), $period_end::DATE) AS counted_stop
    FROM delayed_transfers
    WHERE delay_start < $period_end
      AND (delay_end IS NULL OR delay_end > $period_start)
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    reason,
    sum(date_diff('day', counted_from, counted_stop)) AS delayed_days,
    count(*) AS delays
FROM delays
WHERE counted_stop > counted_from
GROUP BY reason
ORDER BY reason
