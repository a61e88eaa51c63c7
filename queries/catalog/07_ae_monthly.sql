-- ae_site_monthly's A&E counts by arrival month and age, all sites (ae_by_period; its median
-- comes from ae_times).
CREATE TABLE ae_monthly AS
SELECT month, age,
       sum(attendances)::BIGINT AS attendances,
       sum(departure_recorded)::BIGINT AS departure_recorded,
       sum(within_4h)::BIGINT AS within_4h,
       sum(over_12h)::BIGINT AS over_12h,
       sum(admit_decided)::BIGINT AS admit_decided,
       sum(dta_departure_recorded)::BIGINT AS dta_departure_recorded,
       sum(dta_over_12h)::BIGINT AS dta_over_12h,
       sum(dta_within_4h)::BIGINT AS dta_within_4h,
       sum(dta_within_8h)::BIGINT AS dta_within_8h,
       sum(dta_within_12h)::BIGINT AS dta_within_12h,
       sum(dta_within_24h)::BIGINT AS dta_within_24h
FROM ae_site_monthly
GROUP BY ALL
ORDER BY month, age;
