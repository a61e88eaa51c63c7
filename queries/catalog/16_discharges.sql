-- Discharged ward stays, narrow, sorted by discharge (zone maps prune by period), with
-- stay_outcomes' readmitted_30d and returned_ae_30d, counted (destination not died or
-- other_hospital), followed_up_72h (as discharges_by_period), los_nights
-- (discharged_at::date - admitted_at::date) and followup_minutes
-- (minutes_between(discharged_at, followed_up_at)).
CREATE TABLE discharges AS
SELECT s.discharged_at, date_trunc('month', s.discharged_at)::DATE AS month, s.age, s.ward_type,
       s.discharge_destination, s.followed_up_at,
       coalesce(s.discharge_destination, '') NOT IN ('died', 'other_hospital') AS counted,
       coalesce(s.followed_up_at >= s.discharged_at
                AND s.followed_up_at <= s.discharged_at + INTERVAL 72 HOUR, false) AS followed_up_72h,
       date_diff('day', s.admitted_at::DATE, s.discharged_at::DATE) AS los_nights,
       minutes_between(s.discharged_at, s.followed_up_at) AS followup_minutes,
       o.readmitted_30d, o.returned_ae_30d
FROM inpatient_stays s
JOIN stay_outcomes o USING (stay_id)
WHERE s.discharged_at IS NOT NULL
ORDER BY s.discharged_at;
