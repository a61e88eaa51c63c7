-- What happened next: for the cohort (each person's first index event of kind $index_kind in the
-- period and age band, narrowed to detail $narrow, '' for any; macro journey_cohort), how many
-- people had each outcome within 7, 30 and 90 days of it.
-- Returns one row per window: window_days (7, 30, 90), cohort (people), followed (people whose
--   window ended by the data's end), ae, s136, admitted, followed_up, nothing (people followed
--   that long with the outcome within the window)
-- "Within N days": 0 < event time - index time <= N days, so an event on day N exactly counts and
-- an event at the index's own time is not after it. Outcomes: back to A&E (kind 'ae'), detained
-- under s136, admitted to a ward ('admission'), followed up (a liaison assessment or a community
-- contact after discharge); nothing recorded: none of these. People overlap between outcomes. A
-- person whose window runs past the data's end (journey_end()) is left out of that window: their
-- follow-up is censored, not "nothing recorded".
WITH people AS (
    -- Each person's first A&E attendance, s136 detention, admission and follow-up after the index
    -- event (within 90 days: person_events.next_*, worked out once in the catalog) as the shortest
    -- window it falls in (null: none), and the longest window that ended by the data's end (0: none).
    SELECT CASE WHEN d.data_end >= index_at + INTERVAL 90 DAY THEN 90 WHEN d.data_end >= index_at + INTERVAL 30 DAY THEN 30
                WHEN d.data_end >= index_at + INTERVAL 7 DAY THEN 7 ELSE 0 END AS followed_days,
           CASE WHEN next_ae_at <= index_at + INTERVAL 7 DAY THEN 7 WHEN next_ae_at <= index_at + INTERVAL 30 DAY THEN 30
                WHEN next_ae_at <= index_at + INTERVAL 90 DAY THEN 90 END AS ae_days,
           CASE WHEN next_s136_at <= index_at + INTERVAL 7 DAY THEN 7 WHEN next_s136_at <= index_at + INTERVAL 30 DAY THEN 30
                WHEN next_s136_at <= index_at + INTERVAL 90 DAY THEN 90 END AS s136_days,
           CASE WHEN next_admission_at <= index_at + INTERVAL 7 DAY THEN 7 WHEN next_admission_at <= index_at + INTERVAL 30 DAY THEN 30
                WHEN next_admission_at <= index_at + INTERVAL 90 DAY THEN 90 END AS admitted_days,
           CASE WHEN next_follow_up_at <= index_at + INTERVAL 7 DAY THEN 7 WHEN next_follow_up_at <= index_at + INTERVAL 30 DAY THEN 30
                WHEN next_follow_up_at <= index_at + INTERVAL 90 DAY THEN 90 END AS followed_up_days
    FROM journey_cohort($index_kind, $narrow, $period_start, $period_end, $age_min, $age_max)
    CROSS JOIN journey_bounds d
),
grouped AS (
    -- People alike in all five, counted: each window's counts are then sums over a few rows.
    SELECT *, count(*) AS people FROM people GROUP BY ALL
),
windows AS (
    SELECT window_days FROM (VALUES (7), (30), (90)) w(window_days)
),
judged AS (
    SELECT w.window_days, g.people,
           g.followed_days >= w.window_days AS complete,
           coalesce(g.ae_days <= w.window_days, false) AS ae,
           coalesce(g.s136_days <= w.window_days, false) AS s136,
           coalesce(g.admitted_days <= w.window_days, false) AS admitted,
           coalesce(g.followed_up_days <= w.window_days, false) AS followed_up
    FROM grouped g CROSS JOIN windows w
)
SELECT window_days,
       sum(people)::BIGINT AS cohort,
       coalesce(sum(people) FILTER (WHERE complete), 0)::BIGINT AS followed,
       coalesce(sum(people) FILTER (WHERE complete AND ae), 0)::BIGINT AS ae,
       coalesce(sum(people) FILTER (WHERE complete AND s136), 0)::BIGINT AS s136,
       coalesce(sum(people) FILTER (WHERE complete AND admitted), 0)::BIGINT AS admitted,
       coalesce(sum(people) FILTER (WHERE complete AND followed_up), 0)::BIGINT AS followed_up,
       coalesce(sum(people) FILTER (WHERE complete AND NOT (ae OR s136 OR admitted OR followed_up)), 0)::BIGINT
           AS nothing
FROM judged
GROUP BY window_days
ORDER BY window_days
