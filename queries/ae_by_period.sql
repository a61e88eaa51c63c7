-- A&E mental health attendances, one row per trend bucket.
-- Returns: bucket, attendances, departure_recorded, departure_not_recorded,
--          within_4h (<= 240 min), over_12h (> 720 min),
--          admit_decided, dta_departure_recorded, dta_departure_not_recorded (decision to admit
--          recorded, departure not), dta_over_12h (> 720 min from decision to admit to departure)
-- Duration metrics use only attendances with a departure recorded (minutes from arrival to
-- departure, minutes_between). The median is ae_median_by_period: it cannot be summed.
-- Rows come from ae_monthly (queries/catalog/): the same counts by arrival month and age,
-- summed over the bucket's months and the age band; for one emergency department ($site, the
-- site view; '' = every site) from ae_site_monthly, the same counts by site.
WITH counts AS (
    SELECT month, age, attendances, departure_recorded, within_4h, over_12h, admit_decided,
           dta_departure_recorded, dta_over_12h
    FROM ae_monthly
    WHERE $site = '' AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    UNION ALL
    SELECT month, age, attendances, departure_recorded, within_4h, over_12h, admit_decided,
           dta_departure_recorded, dta_over_12h
    FROM ae_site_monthly
    WHERE site = $site AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
)
SELECT
    bucket_start(month, $grain, $period_start) AS bucket,
    sum(attendances)::BIGINT AS attendances,
    sum(departure_recorded)::BIGINT AS departure_recorded,
    (sum(attendances) - sum(departure_recorded))::BIGINT AS departure_not_recorded,
    sum(within_4h)::BIGINT AS within_4h,
    sum(over_12h)::BIGINT AS over_12h,
    sum(admit_decided)::BIGINT AS admit_decided,
    sum(dta_departure_recorded)::BIGINT AS dta_departure_recorded,
    (sum(admit_decided) - sum(dta_departure_recorded))::BIGINT AS dta_departure_not_recorded,
    sum(dta_over_12h)::BIGINT AS dta_over_12h
FROM counts
GROUP BY ALL
ORDER BY bucket
