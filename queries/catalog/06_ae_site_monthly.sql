-- A&E counts by arrival month, age and emergency department (ae_site_counts: the site chart).
-- dta_*: attendances with a decision to admit; of those with departure recorded, how many left
-- more than 12 hours (> 720 minutes) after the decision (ae_12h_from_dta, month of arrival);
-- dta_within_*: of those, how many left within 4, 8, 12 and 24 hours of it (ae_dta_waits' bands).
CREATE TABLE ae_site_monthly AS
SELECT month, age, site,
       count(*) AS attendances,
       count(minutes) AS departure_recorded,
       count(*) FILTER (WHERE minutes <= 240) AS within_4h,
       count(*) FILTER (WHERE minutes > 720) AS over_12h,
       count(*) FILTER (WHERE admit_decided) AS admit_decided,
       count(dta_minutes) AS dta_departure_recorded,
       count(*) FILTER (WHERE dta_minutes > 720) AS dta_over_12h,
       count(*) FILTER (WHERE dta_minutes <= 240) AS dta_within_4h,
       count(*) FILTER (WHERE dta_minutes <= 480) AS dta_within_8h,
       count(*) FILTER (WHERE dta_minutes <= 720) AS dta_within_12h,
       count(*) FILTER (WHERE dta_minutes <= 1440) AS dta_within_24h
FROM ae_times
GROUP BY ALL
ORDER BY month, age, site;
