-- Time from the decision to admit to leaving A&E, for the period's mental health attendances
-- with a decision to admit, in bands (a row for every band, zeros included).
-- Returns: band (1-6, in order), label, attendances
-- Bands of minutes_between(decision_to_admit_at, departure_at): up to 4 hours (<= 240), 4 to 8,
-- 8 to 12 (<= 720), 12 to 24 and over 24 hours (> 720 together: ae_12h_from_dta), and 6, a
-- decision to admit with no departure recorded (the metric's "not recorded").
-- Rows come from ae_monthly (queries/catalog/): by arrival month and age, the attendances with a
-- decision to admit, those with a departure recorded, and how many of those left within 4, 8, 12
-- and 24 hours of the decision, so an attendance belongs to its month of arrival; for one
-- emergency department ($site, the site view; '' = every site) from ae_site_monthly.
WITH bands(band, label) AS (
    VALUES (1, 'Up to 4 hours'), (2, '4 to 8 hours'), (3, '8 to 12 hours'), (4, '12 to 24 hours'),
           (5, 'Over 24 hours'), (6, 'Departure not recorded')
),
counts AS (
    SELECT admit_decided, dta_departure_recorded, dta_within_4h, dta_within_8h, dta_within_12h, dta_within_24h
    FROM ae_monthly
    WHERE $site = '' AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    UNION ALL
    SELECT admit_decided, dta_departure_recorded, dta_within_4h, dta_within_8h, dta_within_12h, dta_within_24h
    FROM ae_site_monthly
    WHERE site = $site AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
),
total AS (
    SELECT coalesce(sum(admit_decided), 0) AS decided, coalesce(sum(dta_departure_recorded), 0) AS recorded,
           coalesce(sum(dta_within_4h), 0) AS h4, coalesce(sum(dta_within_8h), 0) AS h8,
           coalesce(sum(dta_within_12h), 0) AS h12, coalesce(sum(dta_within_24h), 0) AS h24
    FROM counts
)
SELECT b.band, b.label,
       (CASE b.band WHEN 1 THEN h4 WHEN 2 THEN h8 - h4 WHEN 3 THEN h12 - h8 WHEN 4 THEN h24 - h12
                    WHEN 5 THEN recorded - h24 ELSE decided - recorded END)::BIGINT AS attendances
FROM bands b, total
ORDER BY b.band
