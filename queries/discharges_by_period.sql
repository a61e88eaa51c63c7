-- Discharges and what followed them, one row per trend bucket (anchor: discharged_at).
-- Returns: bucket, stays_discharged, median_los_days, discharges, followed_up_72h,
--          readmitted_30d, returned_ae_30d
-- stays_discharged and median_los_days cover every stay discharged; "discharges" and the
-- rates exclude destinations died and other_hospital. A readmission is any later stay of the
-- same person (any age band) not of source transfer with 0 < admitted_at - discharged_at <= 30 days.
WITH d AS (
    SELECT stay_id, person_id, admitted_at, discharged_at, followed_up_at,
           coalesce(discharge_destination, '') NOT IN ('died', 'other_hospital') AS counted
    FROM inpatient_stays
    WHERE discharged_at >= $period_start AND discharged_at < $period_end
      AND age BETWEEN $age_min AND $age_max
),
readmitted AS (
    SELECT DISTINCT d.stay_id
    FROM d JOIN inpatient_stays later USING (person_id)
    WHERE d.counted
      AND later.admission_source <> 'transfer'
      AND later.admitted_at > d.discharged_at
      AND later.admitted_at <= d.discharged_at + INTERVAL 30 DAY
),
returned AS (
    SELECT DISTINCT d.stay_id
    FROM d JOIN ae_attendances a USING (person_id)
    WHERE d.counted
      AND a.arrival_at > d.discharged_at
      AND a.arrival_at <= d.discharged_at + INTERVAL 30 DAY
)
SELECT
    bucket_start(discharged_at::DATE, $grain, $period_start) AS bucket,
    count(*) AS stays_discharged,
    median(date_diff('day', admitted_at::DATE, discharged_at::DATE)) AS median_los_days,
    count(*) FILTER (WHERE counted) AS discharges,
    count(*) FILTER (WHERE counted AND followed_up_at >= discharged_at
                     AND followed_up_at <= discharged_at + INTERVAL 72 HOUR) AS followed_up_72h,
    count(r.stay_id) AS readmitted_30d,
    count(x.stay_id) AS returned_ae_30d
FROM d
LEFT JOIN readmitted r USING (stay_id)
LEFT JOIN returned x USING (stay_id)
GROUP BY ALL
ORDER BY bucket
