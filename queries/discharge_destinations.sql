-- Ward stays discharged in the period by discharge destination, with 72-hour follow-up.
-- Returns: destination (contract code, or 'not_recorded' where null), stays_discharged, discharges,
--          followed_up_72h
-- stays_discharged counts every stay; "discharges" (the contract metric) excludes died and
-- other_hospital, so it is 0 on those rows and their follow-up rate has no denominator.
-- Rows come from discharges (queries/catalog/): discharged stays sorted by discharged_at, with
-- counted and followed_up_72h (discharged_at <= followed_up_at <= discharged_at + 72 hours).
WITH d AS (
    SELECT coalesce(discharge_destination, 'not_recorded') AS destination, counted, followed_up_72h
    FROM discharges
    WHERE discharged_at >= $period_start AND discharged_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    destination,
    count(*) AS stays_discharged,
    count(*) FILTER (WHERE counted) AS discharges,
    count(*) FILTER (WHERE counted AND followed_up_72h) AS followed_up_72h
FROM d
GROUP BY ALL
ORDER BY stays_discharged DESC, destination
