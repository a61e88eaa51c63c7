-- Before and after: for the cohort (macro journey_cohort, as journeys_next), the A&E attendances,
-- s136 detentions, admissions and bed days in the N days before the index event against the N
-- days after, for N = 30, 90 and 180.
-- Returns one row per window: window_days, cohort (people), people (both windows inside the data),
--   left_out (the others), ae_before, ae_after, s136_before, s136_after, admissions_before,
--   admissions_after, bed_days_before, bed_days_after (of the people included)
-- Before: index - N days <= t < index; after: index < t <= index + N days (the index event itself
-- is in neither). A person is included only if both windows lie inside the data: index - N days
-- no earlier than the data's start (journey_start(), the first crisis event) and index + N days
-- no later than its end (journey_end()); the others are left out and counted. Bed days: nights d
-- of the person's ward stays (admitted_at::DATE <= d < discharged_at::DATE; still in hospital: to
-- the data's end) with index date - N <= d < index date (before) or index date < d <= index date
-- + N (after).
WITH cohort AS (
    SELECT person_key, index_at
    FROM journey_cohort($index_kind, $narrow, $period_start, $period_end, $age_min, $age_max)
),
windows AS (
    SELECT window_days, to_days(window_days) AS span FROM (VALUES (30), (90), (180)) w(window_days)
),
judged AS (
    SELECT c.person_key, c.index_at, c.index_at::DATE AS index_date, w.window_days, w.span,
           c.index_at - w.span >= journey_start() AND c.index_at + w.span <= journey_end() AS whole
    FROM cohort c CROSS JOIN windows w
),
tallies AS (
    SELECT window_days, count(*) AS cohort, count(*) FILTER (WHERE whole) AS people,
           count(*) FILTER (WHERE NOT whole) AS left_out
    FROM judged GROUP BY window_days
),
events AS (
    SELECT j.window_days,
           count(*) FILTER (WHERE e.kind = 'ae' AND e.event_at < j.index_at) AS ae_before,
           count(*) FILTER (WHERE e.kind = 'ae' AND e.event_at > j.index_at) AS ae_after,
           count(*) FILTER (WHERE e.kind = 's136' AND e.event_at < j.index_at) AS s136_before,
           count(*) FILTER (WHERE e.kind = 's136' AND e.event_at > j.index_at) AS s136_after,
           count(*) FILTER (WHERE e.kind = 'admission' AND e.event_at < j.index_at) AS admissions_before,
           count(*) FILTER (WHERE e.kind = 'admission' AND e.event_at > j.index_at) AS admissions_after
    FROM judged j
    JOIN person_events e ON e.person_key = j.person_key
    WHERE j.whole AND e.kind IN ('ae', 's136', 'admission')
      AND e.event_at >= j.index_at - j.span AND e.event_at <= j.index_at + j.span
      -- the same windows in constants, so the time-sorted table skips row groups outside them
      AND e.event_at >= $period_start - INTERVAL 180 DAY AND e.event_at <= $period_end + INTERVAL 180 DAY
    GROUP BY j.window_days
),
nights AS (
    SELECT j.window_days,
           sum(greatest(0, date_diff('day', greatest(s.event_at::DATE, (j.index_date - j.span)::DATE),
                                     least(coalesce(s.ends_at, journey_end() + INTERVAL 1 DAY)::DATE,
                                           j.index_date)))) AS bed_days_before,
           sum(greatest(0, date_diff('day', greatest(s.event_at::DATE, (j.index_date + INTERVAL 1 DAY)::DATE),
                                     least(coalesce(s.ends_at, journey_end() + INTERVAL 1 DAY)::DATE,
                                           (j.index_date + INTERVAL 1 DAY + j.span)::DATE)))) AS bed_days_after
    FROM judged j
    -- stays may start long before the window (no bound on their admission in constants)
    JOIN person_events s ON s.person_key = j.person_key AND s.kind = 'admission'
    WHERE j.whole
    GROUP BY j.window_days
)
SELECT w.window_days,
       coalesce(t.cohort, 0)::BIGINT AS cohort, coalesce(t.people, 0)::BIGINT AS people,
       coalesce(t.left_out, 0)::BIGINT AS left_out,
       coalesce(e.ae_before, 0)::BIGINT AS ae_before, coalesce(e.ae_after, 0)::BIGINT AS ae_after,
       coalesce(e.s136_before, 0)::BIGINT AS s136_before, coalesce(e.s136_after, 0)::BIGINT AS s136_after,
       coalesce(e.admissions_before, 0)::BIGINT AS admissions_before,
       coalesce(e.admissions_after, 0)::BIGINT AS admissions_after,
       coalesce(n.bed_days_before, 0)::BIGINT AS bed_days_before,
       coalesce(n.bed_days_after, 0)::BIGINT AS bed_days_after
FROM windows w
LEFT JOIN tallies t USING (window_days)
LEFT JOIN events e USING (window_days)
LEFT JOIN nights n USING (window_days)
ORDER BY w.window_days
