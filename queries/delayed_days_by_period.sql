-- Delayed transfer of care days, one row per trend bucket.
-- Returns: bucket, delayed_days, delays_started
-- A day d is delayed when delay_start <= d < delay_end; a delay still open counts up to the period end.
WITH months AS (
    SELECT m::DATE AS month_start, (m + INTERVAL 1 MONTH)::DATE AS month_stop
    FROM generate_series($period_start::TIMESTAMP, $period_end::TIMESTAMP - INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS t(m)
),
delays AS (
    SELECT delay_start, coalesce(delay_end, $period_end::DATE) AS delay_stop
    FROM delayed_transfers
    WHERE delay_start < $period_end
      AND (delay_end IS NULL OR delay_end > $period_start)
      AND age BETWEEN $age_min AND $age_max
),
days AS (
    SELECT month_start,
           sum(date_diff('day', greatest(delay_start, month_start), least(delay_stop, month_stop))) AS delayed_days,
           count(*) FILTER (WHERE delay_start >= month_start) AS delays_started
    FROM months JOIN delays ON delay_start < month_stop AND delay_stop > month_start
    GROUP BY month_start
)
SELECT
    bucket_start(month_start, $grain, $period_start) AS bucket,
    coalesce(sum(delayed_days), 0) AS delayed_days,
    coalesce(sum(delays_started), 0) AS delays_started
FROM months
LEFT JOIN days USING (month_start)
GROUP BY ALL
ORDER BY bucket
