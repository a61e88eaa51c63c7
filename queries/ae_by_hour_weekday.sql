-- A&E mental health attendances by hour of arrival and day of the week for the period.
-- Returns: weekday (1 = Monday .. 7 = Sunday), hour (0-23), attendances, departure_recorded, within_4h
SELECT
    isodow(arrival_at) AS weekday,
    hour(arrival_at) AS hour,
    count(*) AS attendances,
    count(departure_at) AS departure_recorded,
    count(*) FILTER (WHERE minutes_between(arrival_at, departure_at) <= 240) AS within_4h
FROM ae_attendances
WHERE arrival_at >= $period_start AND arrival_at < $period_end AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY weekday, hour
