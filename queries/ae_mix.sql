-- Presentation and arrival mode mix of A&E mental health attendances, optionally for one
-- hour of arrival and day of the week ($hour -1 and $weekday -1 mean every hour / day).
-- Returns: dimension ('presentation' or 'arrival_mode'), category, attendances, departure_recorded, within_4h
WITH a AS (
    SELECT presentation, arrival_mode, departure_at, minutes_between(arrival_at, departure_at) AS minutes
    FROM ae_attendances
    WHERE arrival_at >= $period_start AND arrival_at < $period_end AND age BETWEEN $age_min AND $age_max
      AND ($hour = -1 OR hour(arrival_at) = $hour)
      AND ($weekday = -1 OR isodow(arrival_at) = $weekday)
)
SELECT 'presentation' AS dimension, presentation AS category, count(*) AS attendances,
       count(departure_at) AS departure_recorded, count(*) FILTER (WHERE minutes <= 240) AS within_4h
FROM a GROUP BY ALL
UNION ALL
SELECT 'arrival_mode', arrival_mode, count(*), count(departure_at), count(*) FILTER (WHERE minutes <= 240)
FROM a GROUP BY ALL
ORDER BY dimension, attendances DESC
