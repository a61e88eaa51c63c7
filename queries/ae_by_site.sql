-- A&E mental health attendances by emergency department for the period.
-- Returns: site, attendances, departure_recorded, within_4h, over_12h, median_minutes, departure_not_recorded,
--          dta_departure_recorded, dta_over_12h (as ae_site_counts)
-- Rows come from ae_times (queries/catalog/): the attendances, narrow and sorted by
-- arrival, with minutes = minutes_between(arrival_at, departure_at) (null: not recorded).
SELECT
    site,
    count(*) AS attendances,
    count(minutes) AS departure_recorded,
    count(*) FILTER (WHERE minutes <= 240) AS within_4h,
    count(*) FILTER (WHERE minutes > 720) AS over_12h,
    median(minutes) AS median_minutes,
    count(*) - count(minutes) AS departure_not_recorded,
    count(dta_minutes) AS dta_departure_recorded,
    count(*) FILTER (WHERE dta_minutes > 720) AS dta_over_12h
FROM ae_times
WHERE arrival_at >= $period_start AND arrival_at < $period_end AND age BETWEEN $age_min AND $age_max
GROUP BY site
ORDER BY site
