-- A&E counts by arrival month, age and presentation or arrival mode (dimension, category).
CREATE TABLE ae_mix_monthly AS
WITH a AS (
    SELECT date_trunc('month', arrival_at)::DATE AS month, age, presentation, arrival_mode, departure_at,
           minutes_between(arrival_at, departure_at) AS minutes
    FROM ae_attendances
)
SELECT month, age, 'presentation' AS dimension, presentation AS category, count(*) AS attendances,
       count(departure_at) AS departure_recorded, count(*) FILTER (WHERE minutes <= 240) AS within_4h
FROM a GROUP BY ALL
UNION ALL
SELECT month, age, 'arrival_mode', arrival_mode, count(*), count(departure_at),
       count(*) FILTER (WHERE minutes <= 240)
FROM a GROUP BY ALL
ORDER BY month, age;
