-- Delayed days and occupied bed days in the period by ward; out-of-area stays as one row.
-- Returns: ward, ward_type, delayed_days, bed_days (one row per ward with bed days or delays)
-- A delay belongs to the ward of its stay (stay_id). Delayed days: days d with
-- delay_start <= d < delay_end (still delayed: up to the period end), age band by the delay's age.
-- Bed days: nights d with admitted_at::date <= d < discharged_at::date (still in hospital: up to
-- the period end), age band by the stay's age, as in the contract's delayed_pct.
-- Out-of-area stays are grouped as ward 'out_of_area' with ward_type 'out_of_area'.
WITH stays AS (
    SELECT stay_id, age,
           CASE WHEN out_of_area THEN 'out_of_area' ELSE ward END AS ward,
           CASE WHEN out_of_area THEN 'out_of_area' ELSE ward_type END AS ward_type,
           admitted_at::DATE AS first_night,
           coalesce(discharged_at::DATE, $period_end::DATE) AS night_stop
    FROM inpatient_stays
),
nights AS (
    SELECT ward, any_value(ward_type) AS ward_type,
           sum(date_diff('day', greatest(first_night, $period_start::DATE), least(night_stop, $period_end::DATE))) AS bed_days
    FROM stays
    WHERE first_night < $period_end AND night_stop > $period_start
      AND age BETWEEN $age_min AND $age_max
    GROUP BY ward
),
delays AS (
    SELECT coalesce(s.ward, 'not_known') AS ward, coalesce(s.ward_type, 'not_known') AS ward_type,
           greatest(d.delay_start, $period_start::DATE) AS counted_from,
           least(coalesce(d.delay_end, $period_end::DATE), $period_end::DATE) AS counted_stop
    FROM delayed_transfers d
    LEFT JOIN stays s USING (stay_id)
    WHERE d.delay_start < $period_end
      AND (d.delay_end IS NULL OR d.delay_end > $period_start)
      AND d.age BETWEEN $age_min AND $age_max
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
