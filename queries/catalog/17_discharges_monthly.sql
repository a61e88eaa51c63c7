-- Discharge counts by discharge month and age (discharges_by_period; its median length of stay
-- is discharges_median_by_period, from discharges).
CREATE TABLE discharges_monthly AS
SELECT month, age,
       count(*) AS stays_discharged,
       count(*) FILTER (WHERE counted) AS discharges,
       count(*) FILTER (WHERE counted AND followed_up_72h) AS followed_up_72h,
       count(*) FILTER (WHERE counted AND readmitted_30d) AS readmitted_30d,
       count(*) FILTER (WHERE counted AND returned_ae_30d) AS returned_ae_30d
FROM discharges
GROUP BY ALL
ORDER BY month, age;
