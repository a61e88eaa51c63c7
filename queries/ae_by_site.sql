-- A&E mental health attendances by emergency department for the period.
-- Returns: site, attendances, departure_recorded, within_4h, over_12h, median_minutes, departure_not_recorded
SELECT
    site,
    count(*) AS attendances,
    count(departure_at) AS departure_recorded,
    count(*) FILTER (WHERE minutes_between(arrival_at, departure_at) <= 240) AS within_4h,
    count(*) FILTER (WHERE minutes_between(arrival_at, departure_at) > 720) AS over_12h,
    median(minutes_between(arrival_at, departure_at)) AS median_minutes,
    count(*) - count(departure_at) AS departure_not_recorded
FROM ae_attendances
WHERE arrival_at >= $period_start AND arrival_at < $period_end AND age BETWEEN $age_min AND $age_max
GROUP BY site
ORDER BY site
