-- Length of stay (nights) of stays discharged in the period, in bands, by ward type.
-- Returns: los_band (sort order 1-9), ward_type, stays
-- Bands: 1 = 0 nights, 2 = 1-7, 3 = 8-14, 4 = 15-28, 5 = 29-60, 6 = 61-90, 7 = 91-180,
-- 8 = 181-365, 9 = over 365. Nights = discharged_at::date - admitted_at::date (as median_los_days).
-- Rows come from discharges (queries/catalog/): discharged stays sorted by discharged_at, with
-- los_nights = date_diff('day', admitted_at::DATE, discharged_at::DATE).
WITH d AS (
    SELECT ward_type, los_nights AS nights
    FROM discharges
    WHERE discharged_at >= $period_start AND discharged_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    CASE
        WHEN nights <= 0 THEN 1
        WHEN nights <= 7 THEN 2
        WHEN nights <= 14 THEN 3
        WHEN nights <= 28 THEN 4
        WHEN nights <= 60 THEN 5
        WHEN nights <= 90 THEN 6
        WHEN nights <= 180 THEN 7
        WHEN nights <= 365 THEN 8
        ELSE 9
    END AS los_band,
    ward_type,
    count(*) AS stays
FROM d
GROUP BY ALL
ORDER BY los_band, ward_type
