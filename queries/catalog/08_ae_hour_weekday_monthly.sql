-- A&E counts by arrival month, age, weekday (isodow) and hour of arrival.
CREATE TABLE ae_hour_weekday_monthly AS
SELECT date_trunc('month', arrival_at)::DATE AS month, age,
       isodow(arrival_at) AS weekday, hour(arrival_at) AS hour,
       count(*) AS attendances,
       count(departure_at) AS departure_recorded,
       count(*) FILTER (WHERE minutes_between(arrival_at, departure_at) <= 240) AS within_4h,
       count(*) FILTER (WHERE minutes_between(arrival_at, departure_at) > 720) AS over_12h
FROM ae_attendances
GROUP BY ALL
ORDER BY month, age, weekday, hour;
