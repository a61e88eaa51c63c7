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
    -- Each person's first A&E attendance, s136 detention, admission and follow-up after the
    -- index event (within 90 days), worked out once in the catalog (person_events.next_*).
    SELECT index_at, journey_end() AS data_end, next_ae_at AS ae_at, next_s136_at AS s136_at,
           next_admission_at AS admitted_at, next_follow_up_at AS followed_up_at
    FROM journey_cohort($index_kind, $narrow, $period_start, $period_end, $age_min, $age_max)
),
windows AS (
    SELECT window_days, to_days(window_days) AS span FROM (VALUES (7), (30), (90)) w(window_days)
),
judged AS (
    SELECT w.window_days,
           p.data_end >= p.index_at + w.span AS complete,
           coalesce(p.ae_at <= p.index_at + w.span, false) AS ae,
           coalesce(p.s136_at <= p.index_at + w.span, false) AS s136,
           coalesce(p.admitted_at <= p.index_at + w.span, false) AS admitted,
           coalesce(p.followed_up_at <= p.index_at + w.span, false) AS followed_up
    FROM people p CROSS JOIN windows w
)
SELECT window_days,
       count(*) AS cohort,
       count(*) FILTER (WHERE complete) AS followed,
       count(*) FILTER (WHERE complete AND ae) AS ae,
       count(*) FILTER (WHERE complete AND s136) AS s136,
       count(*) FILTER (WHERE complete AND admitted) AS admitted,
       count(*) FILTER (WHERE complete AND followed_up) AS followed_up,
       count(*) FILTER (WHERE complete AND NOT (ae OR s136 OR admitted OR followed_up)) AS nothing
FROM judged
GROUP BY window_days
ORDER BY window_days
