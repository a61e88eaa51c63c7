-- Delays still open at the end of the period, by reason, with a total row (reason 'all').
-- Returns: reason, open_delays, median_days_so_far
-- Open at period end: delay_start < $period_end and (delay_end is null or delay_end >= $period_end).
-- Days so far: delayed days from delay_start up to the period end (days d, delay_start <= d < $period_end).
SELECT
    coalesce(reason, 'all') AS reason,
    count(*) AS open_delays,
    median(date_diff('day', delay_start, $period_end::DATE)) AS median_days_so_far
FROM delayed_transfers
WHERE delay_start < $period_end
  AND (delay_end IS NULL OR delay_end >= $period_end)
  AND age BETWEEN $age_min AND $age_max
GROUP BY GROUPING SETS ((reason), ())
ORDER BY reason NULLS FIRST
