-- Time from the decision to admit to leaving A&E, for the period's mental health attendances
-- with a decision to admit, in bands (a row for every band, zeros included).
-- Returns: band (1-6, in order), label, attendances
-- Bands of minutes_between(decision_to_admit_at, departure_at): up to 4 hours (<= 240), 4 to 8,
-- 8 to 12 (<= 720), 12 to 24 and over 24 hours (> 720 together: ae_12h_from_dta), and 6, a
-- decision to admit with no departure recorded (the metric's "not recorded").
-- Rows come from ae_times (queries/catalog/): admit_decided, and dta_minutes (null unless both
-- times are recorded), by arrival, so an attendance belongs to its month of arrival; $site is one
-- emergency department (the site view) or '' for every site.
WITH bands(band, label) AS (
    VALUES (1, 'Up to 4 hours'), (2, '4 to 8 hours'), (3, '8 to 12 hours'), (4, '12 to 24 hours'),
           (5, 'Over 24 hours'), (6, 'Departure not recorded')
),
waits AS (
    SELECT CASE WHEN dta_minutes IS NULL THEN 6
                WHEN dta_minutes <= 240 THEN 1
                WHEN dta_minutes <= 480 THEN 2
                WHEN dta_minutes <= 720 THEN 3
                WHEN dta_minutes <= 1440 THEN 4
                ELSE 5 END AS band
    FROM ae_times
    WHERE admit_decided AND arrival_at >= $period_start AND arrival_at < $period_end
      AND age BETWEEN $age_min AND $age_max AND ($site = '' OR site = $site)
)
SELECT b.band, b.label, count(w.band)::BIGINT AS attendances
FROM bands b
LEFT JOIN waits w USING (band)
GROUP BY ALL
ORDER BY b.band
