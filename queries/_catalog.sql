-- Derived tables, built once per data set into the catalog (dashboard/db.py), so that no page
-- request repeats a join across people. Definitions are the data contract's.
--
-- stay_outcomes: one row per stay (stay_id) with
--   readmitted_30d   another stay of the same person (any age band), not of source transfer,
--                    admitted with 0 < admitted_at - discharged_at <= 30 days
--   returned_ae_30d  an A&E attendance of the same person with 0 < arrival_at - discharged_at <= 30 days
-- liaison_sites: one row per liaison referral linked to an A&E attendance, with its site.
CREATE TABLE stay_outcomes AS
WITH discharged AS (
    SELECT stay_id, person_id, discharged_at FROM inpatient_stays WHERE discharged_at IS NOT NULL
),
readmitted AS (
    SELECT DISTINCT d.stay_id
    FROM discharged d JOIN inpatient_stays later USING (person_id)
    WHERE later.admission_source <> 'transfer'
      AND later.admitted_at > d.discharged_at
      AND later.admitted_at <= d.discharged_at + INTERVAL 30 DAY
),
returned AS (
    SELECT DISTINCT d.stay_id
    FROM discharged d JOIN ae_attendances a USING (person_id)
    WHERE a.arrival_at > d.discharged_at
      AND a.arrival_at <= d.discharged_at + INTERVAL 30 DAY
)
SELECT s.stay_id,
       r.stay_id IS NOT NULL AS readmitted_30d,
       x.stay_id IS NOT NULL AS returned_ae_30d
FROM inpatient_stays s
LEFT JOIN readmitted r USING (stay_id)
LEFT JOIN returned x USING (stay_id)
ORDER BY s.stay_id;

CREATE TABLE liaison_sites AS
SELECT l.referral_id, a.site
FROM liaison_referrals l JOIN ae_attendances a ON a.attendance_id = l.attendance_id
ORDER BY l.referral_id;
