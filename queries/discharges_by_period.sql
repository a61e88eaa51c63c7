-- Discharges and what followed them, one row per trend bucket (anchor: discharged_at).
-- Returns: bucket, stays_discharged, median_los_days, discharges, followed_up_72h,
--          readmitted_30d, returned_ae_30d
-- stays_discharged and median_los_days cover every stay discharged; "discharges" and the
-- rates exclude destinations died and other_hospital. A readmission is any later stay of the
-- same person (any age band) not of source transfer with 0 < admitted_at - discharged_at <= 30 days
-- (precomputed per stay in stay_outcomes: queries/_catalog.sql).
WITH d AS (
    SELECT stay_id, admitted_at, discharged_at, followed_up_at,
           coalesce(discharge_destination, '') NOT IN ('died', 'other_hospital') AS counted
    FROM inpatient_stays
    WHERE discharged_at >= $period_start AND discharged_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    bucket_start(discharged_at::DATE, $grain, $period_start) AS bucket,
    count(*) AS stays_discharged,
    median(date_diff('day', admitted_at::DATE, discharged_at::DATE)) AS median_los_days,
    count(*) FILTER (WHERE counted) AS discharges,
    count(*) FILTER (WHERE counted AND followed_up_at >= discharged_at
                     AND followed_up_at <= discharged_at + INTERVAL 72 HOUR) AS followed_up_72h,
    count(*) FILTER (WHERE counted AND o.readmitted_30d) AS readmitted_30d,
    count(*) FILTER (WHERE counted AND o.returned_ae_30d) AS returned_ae_30d
FROM d
JOIN stay_outcomes o USING (stay_id)
GROUP BY ALL
ORDER BY bucket
