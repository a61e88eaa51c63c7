-- Occupancy of each home-system ward over the whole period, all ages (capacity is not split by band).
-- Returns: ward, ward_type, beds, available_bed_days, bed_days (one row per ward with beds or stays)
-- bed_days: nights d in the period with admitted_at::date <= d < discharged_at::date of stays on
-- the ward that are not out_of_area (a stay still in hospital counts up to the period end).
-- available_bed_days: each day's beds of the ward's capacity rows valid that day (valid_from <= d
-- and valid_to null or >= d), so a ward open for part of the period counts only those days.
-- beds: commissioned beds on the last day in the period that the ward was open (0 if never).
-- Nights come from queries/catalog/: ward_nights_monthly (each month's nights of stays
-- discharged after their admission day, by ward) and stays_unbounded (every other stay, counted here).
WITH period AS (
    SELECT $period_start::DATE AS period_start, $period_end::DATE AS period_stop
),
stays AS (
    SELECT ward, ward_type,
           admitted_at::DATE AS first_night,
           coalesce(discharged_at::DATE, $period_end::DATE) AS night_stop
    FROM stays_unbounded
    WHERE NOT out_of_area
      AND admitted_at < $period_end
      AND (discharged_at IS NULL OR discharged_at::DATE > $period_start)
),
stay_nights AS (
    SELECT ward, ward_type, nights AS bed_days
    FROM ward_nights_monthly
    WHERE NOT out_of_area AND month >= $period_start AND month < $period_end
    UNION ALL
    SELECT ward, ward_type, date_diff('day', greatest(first_night, period_start), least(night_stop, period_stop))
    FROM period JOIN stays ON first_night < period_stop AND night_stop > period_start
),
nights AS (
    SELECT ward, any_value(ward_type) AS ward_type, sum(bed_days) AS bed_days
    FROM stay_nights
    GROUP BY ward
),
capacity AS (
    SELECT ward, ward_type, beds,
           greatest(valid_from, period_start) AS open_from,
           least(coalesce(valid_to + 1, period_stop), period_stop) AS open_stop
    FROM period JOIN ward_capacity
      ON valid_from < period_stop AND (valid_to IS NULL OR valid_to >= period_start)
),
beds AS (
    SELECT ward, any_value(ward_type) AS ward_type,
           sum(beds * date_diff('day', open_from, open_stop)) AS available_bed_days,
           arg_max(beds, open_stop) AS beds
    FROM capacity
    GROUP BY ward
)
SELECT
    ward,
    coalesce(b.ward_type, n.ward_type) AS ward_type,
    coalesce(b.beds, 0)::BIGINT AS beds,
    coalesce(b.available_bed_days, 0)::BIGINT AS available_bed_days,
    coalesce(n.bed_days, 0)::BIGINT AS bed_days
FROM beds b
FULL OUTER JOIN nights n USING (ward)
ORDER BY ward_type, ward
