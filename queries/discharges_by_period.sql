-- Discharges and what followed them, one row per trend bucket (anchor: discharged_at).
-- Returns: bucket, stays_discharged, median_los_days, discharges, followed_up_72h,
--          readmitted_30d, returned_ae_30d
-- stays_discharged and median_los_days cover every stay discharged; "discharges" and the
-- rates exclude destinations died and other_hospital. A readmission is any later stay of the
-- same person (any age band) not of source transfer with 0 < admitted_at - discharged_at <= 30 days.
-- Rows come from discharges (queries/_catalog.sql): discharged stays sorted by discharged_at,
-- with counted, followed_up_72h, los_nights and stay_outcomes' readmitted_30d / returned_ae_30d.
SELECT
    bucket_start(month, $grain, $period_start) AS bucket,
    count(*) AS stays_discharged,
    median(los_nights) AS median_los_days,
    count(*) FILTER (WHERE counted) AS discharges,
    count(*) FILTER (WHERE counted AND followed_up_72h) AS followed_up_72h,
    count(*) FILTER (WHERE counted AND readmitted_30d) AS readmitted_30d,
    count(*) FILTER (WHERE counted AND returned_ae_30d) AS returned_ae_30d
FROM discharges
WHERE discharged_at >= $period_start AND discharged_at < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY bucket
