-- Occupied bed nights (nights d with admitted_at::date <= d < discharged_at::date) of stays
-- discharged at least one night after admission, by month of the night, age and ward: the sum over
-- a period's months is the nights in the period. ward and ward_type are as delays_by_ward labels
-- them ('out_of_area' for out-of-area stays). Every other stay (still in hospital, discharged
-- on its admission day or before it) is in stays_unbounded, for the queries to count themselves.
CREATE TABLE ward_nights_monthly AS
WITH stays AS (
    SELECT age, out_of_area,
           CASE WHEN out_of_area THEN 'out_of_area' ELSE ward END AS ward,
           CASE WHEN out_of_area THEN 'out_of_area' ELSE ward_type END AS ward_type,
           admitted_at::DATE AS first_night, discharged_at::DATE AS night_stop
    FROM inpatient_stays
    WHERE discharged_at::DATE > admitted_at::DATE
),
months AS (
    SELECT *, unnest(generate_series(date_trunc('month', first_night), date_trunc('month', night_stop - 1),
                                     INTERVAL 1 MONTH))::DATE AS month
    FROM stays
)
SELECT month, age, out_of_area, ward, ward_type,
       sum(date_diff('day', greatest(first_night, month), least(night_stop, (month + INTERVAL 1 MONTH)::DATE)))
           AS nights
FROM months
GROUP BY ALL
ORDER BY month, age;
