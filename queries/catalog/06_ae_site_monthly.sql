-- A&E counts by arrival month, age and emergency department (ae_site_counts: the site chart).
CREATE TABLE ae_site_monthly AS
SELECT month, age, site,
       count(*) AS attendances,
       count(minutes) AS departure_recorded,
       count(*) FILTER (WHERE minutes <= 240) AS within_4h,
       count(*) FILTER (WHERE minutes > 720) AS over_12h
FROM ae_times
GROUP BY ALL
ORDER BY month, age, site;
