-- stay_outcomes: one row per stay (stay_id) with
--   readmitted_30d   another stay of the same person (any age band), not of source transfer,
--                    admitted with 0 < admitted_at - discharged_at <= 30 days
--   returned_ae_30d  an A&E attendance of the same person with 0 < arrival_at - discharged_at <= 30 days
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
