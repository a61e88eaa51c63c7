-- Ward stays by admission month and age with what became of them (pathway_flow):
-- source (ae, s136, other_route), discharge_month (first day of the month of discharged_at,
-- null while in hospital), not_counted (destination died or other_hospital),
-- followed_up_72h (discharged_at <= followed_up_at <= discharged_at + 72 hours),
-- readmitted_30d (stay_outcomes), stays.
CREATE TABLE pathway_stays_monthly AS
SELECT date_trunc('month', s.admitted_at)::DATE AS month, s.age,
       CASE s.admission_source
           WHEN 'emergency_department' THEN 'ae'
           WHEN 's136' THEN 's136'
           ELSE 'other_route'
       END AS source,
       date_trunc('month', s.discharged_at)::DATE AS discharge_month,
       coalesce(s.discharge_destination, '') IN ('died', 'other_hospital') AS not_counted,
       coalesce(s.followed_up_at >= s.discharged_at
                AND s.followed_up_at <= s.discharged_at + INTERVAL 72 HOUR, false) AS followed_up_72h,
       o.readmitted_30d,
       count(*) AS stays
FROM inpatient_stays s
JOIN stay_outcomes o USING (stay_id)
GROUP BY ALL
ORDER BY month, age;
