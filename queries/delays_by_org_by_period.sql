-- Delayed transfer of care days by responsible organisation, one row per trend bucket.
-- Returns: bucket, nhs_days, social_care_days, both_days
-- A day d is delayed when delay_start <= d < delay_end; a delay still open counts up to the period end.
WITH months AS (
    SELECT m::DATE AS month_start, (m + INTERVAL 1 MONTH)::DATE AS month_stop
    FROM generate_series($period_start::TIMESTAMP, $period_end::TIMESTAMP - INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS t(m)
),
delays AS (
    SELECT delay_start, coalesce(delay_end, $period_end::DATE) AS delay_stop, responsible_org
    FROM delayed_transfers
    WHERE delay_start < $period_end
      AND (delay_end IS NULL OR delay_end > $period_start)
      AND age BETWEEN $age_min AND $age_max
),
days AS (
    SELECT month_start, responsible_org,
           sum(date_diff('day', greatest(delay_start, month_start), least(delay_stop, month_stop))) AS delayed_days
    FROM months JOIN delays ON delay_start < month_stop AND delay_stop > month_start
    GROUP BY ALL
)
SELECT
    bucket_start(month_start, $grain, $period_start) AS bucket,
    coalesce(sum(delayed_days) FILTER (WHERE responsible_org = 'nhs'), 0) AS nhs_days,
    coalesce(sum(delayed_days) FILTER (WHERE responsible_org = 'social_care'), 0) AS social_care_days,
    coalesce(sum(delayed_days) FILTER (WHERE responsible_org = 'both'), 0) AS both_days
FROM months
LEFT JOIN days USING (month_start)
GROUP BY ALL
ORDER BY bucket
