-- Discharges in the period (excluding died and other_hospital) by the type of ward discharged from,
-- with 72-hour follow-up and 30-day readmission.
-- Returns: ward_type, discharges, followed_up_72h, readmitted_30d
-- Definitions as discharges_by_period: a readmission is any later stay of the same person (any
-- age band) not of source transfer with 0 < admitted_at - discharged_at <= 30 days (stay_outcomes).
-- Rows come from discharges (queries/catalog/): discharged stays sorted by discharged_at.
SELECT
    ward_type,
    count(*) AS discharges,
    count(*) FILTER (WHERE followed_up_72h) AS followed_up_72h,
    count(*) FILTER (WHERE readmitted_30d) AS readmitted_30d
FROM discharges
WHERE discharged_at >= $period_start AND discharged_at < $period_end
  AND age BETWEEN $age_min AND $age_max
  AND counted
GROUP BY ALL
ORDER BY ward_type
