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
-- + N (after). Each person's counts in each window are worked out once in the catalog
-- (person_events' <measure>_before_N, <measure>_after_N).
WITH cohort AS (
    SELECT *,
           index_at - INTERVAL 30 DAY >= journey_start() AND index_at + INTERVAL 30 DAY <= journey_end() AS whole_30,
           index_at - INTERVAL 90 DAY >= journey_start() AND index_at + INTERVAL 90 DAY <= journey_end() AS whole_90,
           index_at - INTERVAL 180 DAY >= journey_start() AND index_at + INTERVAL 180 DAY <= journey_end() AS whole_180
    FROM journey_cohort($index_kind, $narrow, $period_start, $period_end, $age_min, $age_max)
),
groups AS MATERIALIZED (
    -- The cohort summed by which windows it is whole for (at most four groups: a window inside the
    -- data is inside it for the shorter spans too), so each window's sums are of a few rows.
    SELECT whole_30, whole_90, whole_180, count(*) AS people, sum(COLUMNS('_(before|after)_[0-9]+$'))
    FROM cohort GROUP BY ALL
),
totals AS MATERIALIZED (
    SELECT coalesce(sum(people), 0) AS cohort,
           coalesce(sum(people) FILTER (WHERE whole_30), 0) AS people_30,
           sum(ae_before_30) FILTER (WHERE whole_30) AS ae_before_30, sum(ae_after_30) FILTER (WHERE whole_30) AS ae_after_30,
           sum(s136_before_30) FILTER (WHERE whole_30) AS s136_before_30, sum(s136_after_30) FILTER (WHERE whole_30) AS s136_after_30,
           sum(admissions_before_30) FILTER (WHERE whole_30) AS admissions_before_30, sum(admissions_after_30) FILTER (WHERE whole_30) AS admissions_after_30,
           sum(bed_days_before_30) FILTER (WHERE whole_30) AS bed_days_before_30, sum(bed_days_after_30) FILTER (WHERE whole_30) AS bed_days_after_30,
           coalesce(sum(people) FILTER (WHERE whole_90), 0) AS people_90,
           sum(ae_before_90) FILTER (WHERE whole_90) AS ae_before_90, sum(ae_after_90) FILTER (WHERE whole_90) AS ae_after_90,
           sum(s136_before_90) FILTER (WHERE whole_90) AS s136_before_90, sum(s136_after_90) FILTER (WHERE whole_90) AS s136_after_90,
           sum(admissions_before_90) FILTER (WHERE whole_90) AS admissions_before_90, sum(admissions_after_90) FILTER (WHERE whole_90) AS admissions_after_90,
           sum(bed_days_before_90) FILTER (WHERE whole_90) AS bed_days_before_90, sum(bed_days_after_90) FILTER (WHERE whole_90) AS bed_days_after_90,
           coalesce(sum(people) FILTER (WHERE whole_180), 0) AS people_180,
           sum(ae_before_180) FILTER (WHERE whole_180) AS ae_before_180, sum(ae_after_180) FILTER (WHERE whole_180) AS ae_after_180,
           sum(s136_before_180) FILTER (WHERE whole_180) AS s136_before_180, sum(s136_after_180) FILTER (WHERE whole_180) AS s136_after_180,
           sum(admissions_before_180) FILTER (WHERE whole_180) AS admissions_before_180, sum(admissions_after_180) FILTER (WHERE whole_180) AS admissions_after_180,
           sum(bed_days_before_180) FILTER (WHERE whole_180) AS bed_days_before_180, sum(bed_days_after_180) FILTER (WHERE whole_180) AS bed_days_after_180
    FROM groups
),
windows(window_days, cohort, people, left_out, ae_before, ae_after, s136_before, s136_after, admissions_before,
        admissions_after, bed_days_before, bed_days_after) AS (
    SELECT 30, cohort, people_30, cohort - people_30, ae_before_30, ae_after_30, s136_before_30, s136_after_30,
           admissions_before_30, admissions_after_30, bed_days_before_30, bed_days_after_30 FROM totals
    UNION ALL
    SELECT 90, cohort, people_90, cohort - people_90, ae_before_90, ae_after_90, s136_before_90, s136_after_90,
           admissions_before_90, admissions_after_90, bed_days_before_90, bed_days_after_90 FROM totals
    UNION ALL
    SELECT 180, cohort, people_180, cohort - people_180, ae_before_180, ae_after_180, s136_before_180, s136_after_180,
           admissions_before_180, admissions_after_180, bed_days_before_180, bed_days_after_180 FROM totals
)
SELECT window_days, cohort::BIGINT AS cohort, people::BIGINT AS people, left_out::BIGINT AS left_out,
       coalesce(COLUMNS('_(before|after)$'), 0)::BIGINT
FROM windows
ORDER BY window_days
