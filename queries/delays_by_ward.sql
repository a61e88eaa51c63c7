-- Delayed days and occupied bed days in the period by ward; out-of-area stays as one row.
-- Returns: ward, ward_type, delayed_days, bed_days (one row per ward with bed days or delays)
-- A delay belongs to the ward of its stay (stay_id). Delayed days: days d with
-- delay_start <= d < delay_end (still delayed: up to the period end), age band by the delay's age.
-- Bed days: nights d with admitted_at::date <= d < discharged_at::date (still in hospital: up to
-- the period end), age band by the stay's age, as in the contract's delayed_pct.
-- Out-of-area stays are grouped as ward 'out_of_area' with ward_type 'out_of_area'.
-- Rows come from queries/catalog/: ward_nights_monthly (each month's nights of stays discharged
-- after their admission day, by age and ward), stays_unbounded (every other stay, counted here)
-- and delay_wards (delays with their stay's ward, 'not_known' where the stay is missing).
WITH stays AS (
    SELECT age, ward, ward_type,
           admitted_at::DATE AS first_night,
           coalesce(discharged_at::DATE, $period_end::DATE) AS night_stop
    FROM stays_unbounded
),
stay_nights AS (
    SELECT ward, ward_type, nights AS bed_days
    FROM ward_nights_monthly
    WHERE month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    UNION ALL
    SELECT ward, ward_type,
           date_diff('day', greatest(first_night, $period_start::DATE), least(night_stop, $period_end::DATE))
    FROM stays
    WHERE first_night < $period_end AND night_stop > $period_start
      AND age BETWEEN $age_min AND $age_max
),
nights AS (
    SELECT ward, any_value(ward_type) AS ward_type, sum(bed_days) AS bed_days
    FROM stay_nights
    GROUP BY ward
),
delays AS (
    SELECT ward, ward_type,
           greatest(delay_start, $period_start::DATE) AS counted_from,
           least(coalesce(delay_end, $period_end::DATE), $period_end::DATE) AS counted_stop
    FROM delay_wards
    WHERE delay_start < $period_end
      AND (delay_end IS NULL OR delay_end > $period_start)
      AND age BETWEEN $age_min AND $age_max
),
delayed AS (
    SELECT ward, any_value(ward_type) AS ward_type,
           sum(date_diff('day', counted_from, counted_stop)) AS delayed_days
    FROM delays
    WHERE counted_stop > counted_from
    GROUP BY ward
)
SELECT
    ward,
    coalesce(d.ward_type, n.ward_type) AS ward_type,
    coalesce(d.delayed_days, 0)::BIGINT AS delayed_days,
    coalesce(n.bed_days, 0)::BIGINT AS bed_days
FROM nights n
FULL OUTER JOIN delayed d USING (ward)
ORDER BY ward_type, ward
