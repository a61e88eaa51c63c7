-- Discharges and what followed them, one row per trend bucket (anchor: discharged_at).
-- Returns: bucket, stays_discharged, discharges, followed_up_72h, readmitted_30d, returned_ae_30d
-- stays_discharged covers every stay discharged; "discharges" and the rates exclude
-- destinations died and other_hospital. A readmission is any later stay of the same person (any
-- age band) not of source transfer with 0 < admitted_at - discharged_at <= 30 days.
-- The median length of stay is discharges_median_by_period: it cannot be summed.
-- Rows come from discharges_monthly (queries/catalog/): counts of discharges (discharged
-- stays with their counted, followed_up_72h and stay_outcomes' flags) by discharge month and
-- age, summed over the bucket's months and the age band.
SELECT
    bucket_start(month, $grain, $period_start) AS bucket,
    sum(stays_discharged)::BIGINT AS stays_discharged,
    sum(discharges)::BIGINT AS discharges,
    sum(followed_up_72h)::BIGINT AS followed_up_72h,
    sum(readmitted_30d)::BIGINT AS readmitted_30d,
    sum(returned_ae_30d)::BIGINT AS returned_ae_30d
FROM discharges_monthly
WHERE month >= $period_start AND month < $period_end
  AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY bucket
