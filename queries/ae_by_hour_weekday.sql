-- A&E mental health attendances by hour of arrival and day of the week for the period.
-- Returns: weekday (1 = Monday .. 7 = Sunday), hour (0-23), attendances, departure_recorded, within_4h
-- Rows come from ae_hour_weekday_monthly (queries/catalog/): the counts by arrival month,
-- age, weekday and hour, summed over the period's months and the age band.
SELECT
    weekday,
    hour,
    sum(attendances)::BIGINT AS attendances,
    sum(departure_recorded)::BIGINT AS departure_recorded,
    sum(within_4h)::BIGINT AS within_4h
FROM ae_hour_weekday_monthly
WHERE month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY weekday, hour
