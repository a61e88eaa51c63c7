-- Occupied and available bed days, one row per trend bucket.
-- Returns: bucket, bed_days, in_area_bed_days, out_of_area_bed_days, available_bed_days
-- A night d is occupied when admitted_at::date <= d < discharged_at::date; a stay still in
-- hospital counts up to the period end. Available bed days: each day's sum of beds of the
-- wards valid that day (valid_from <= d and valid_to null or >= d), whatever the age band.
-- Nights come from queries/catalog/: bed_nights_monthly holds each month's nights of stays
-- discharged after their admission day (by age and out_of_area); every other stay (still in
-- hospital, or discharged on or before its admission day) is in stays_unbounded and counted here.
WITH months AS (
    SELECT m::DATE AS month_start, (m + INTERVAL 1 MONTH)::DATE AS month_stop
    FROM generate_series($period_start::TIMESTAMP, $period_end::TIMESTAMP - INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS t(m)
),
stays AS (
    SELECT admitted_at::DATE AS first_night,
           coalesce(discharged_at::DATE, $period_end::DATE) AS night_stop,
           out_of_area
    FROM stays_unbounded
    WHERE admitted_at < $period_end
      AND (discharged_at IS NULL OR discharged_at::DATE > $period_start)
      AND age BETWEEN $age_min AND $age_max
),
counted AS (
    SELECT month AS month_start,
           sum(nights) FILTER (WHERE NOT out_of_area) AS in_area,
           sum(nights) FILTER (WHERE out_of_area) AS out_of_area
    FROM bed_nights_monthly
    WHERE month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    GROUP BY month
    UNION ALL
    SELECT month_start,
           sum(date_diff('day', greatest(first_night, month_start), least(night_stop, month_stop)))
               FILTER (WHERE NOT out_of_area) AS in_area,
           sum(date_diff('day', greatest(first_night, month_start), least(night_stop, month_stop)))
               FILTER (WHERE out_of_area) AS out_of_area
    FROM months JOIN stays ON first_night < month_stop AND night_stop > month_start
    GROUP BY month_start
),
nights AS (
    SELECT month_start, sum(in_area) AS in_area, sum(out_of_area) AS out_of_area
    FROM counted
    GROUP BY month_start
),
beds AS (
    SELECT month_start,
           sum(beds * date_diff('day', greatest(valid_from, month_start),
                                least(coalesce(valid_to + 1, month_stop), month_stop))) AS available
    FROM months JOIN ward_capacity
      ON valid_from < month_stop AND (valid_to IS NULL OR valid_to >= month_start)
    GROUP BY month_start
)
SELECT
    bucket_start(month_start, $grain, $period_start) AS bucket,
    coalesce(sum(in_area), 0) + coalesce(sum(out_of_area), 0) AS bed_days,
    coalesce(sum(in_area), 0) AS in_area_bed_days,
    coalesce(sum(out_of_area), 0) AS out_of_area_bed_days,
    coalesce(sum(available), 0) AS available_bed_days
FROM months
LEFT JOIN nights USING (month_start)
LEFT JOIN beds USING (month_start)
GROUP BY ALL
ORDER BY bucket
