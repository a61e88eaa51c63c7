-- A&E mental health attendances by emergency department for the period: the counts of
-- ae_by_site without its median, for the site chart (its table view reads ae_by_site).
-- Returns: site, attendances, departure_recorded, within_4h, over_12h, departure_not_recorded,
--          dta_departure_recorded (decision to admit and departure recorded), dta_over_12h (> 720 min
--          from the decision to departure: ae_12h_from_dta)
-- Rows come from ae_site_monthly (queries/catalog/): the same counts by arrival month,
-- age and site, summed over the period's months and the age band.
SELECT
    site,
    sum(attendances)::BIGINT AS attendances,
    sum(departure_recorded)::BIGINT AS departure_recorded,
    sum(within_4h)::BIGINT AS within_4h,
    sum(over_12h)::BIGINT AS over_12h,
    (sum(attendances) - sum(departure_recorded))::BIGINT AS departure_not_recorded,
    sum(dta_departure_recorded)::BIGINT AS dta_departure_recorded,
    sum(dta_over_12h)::BIGINT AS dta_over_12h
FROM ae_site_monthly
WHERE month >= $period_start AND month < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY site
ORDER BY site
