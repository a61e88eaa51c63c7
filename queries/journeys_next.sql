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
WITH cohort AS (
    SELECT person_key, index_at
    FROM journey_cohort($index_kind, $narrow, $period_start, $period_end, $age_min, $age_max)
),
firsts AS (
    SELECT c.person_key,
           min(e.event_at) FILTER (WHERE e.kind = 'ae') AS ae_at,
           min(e.event_at) FILTER (WHERE e.kind = 's136') AS s136_at,
           min(e.event_at) FILTER (WHERE e.kind = 'admission') AS admitted_at,
           min(e.event_at) FILTER (WHERE e.kind IN ('liaison', 'contact')) AS followed_up_at
    FROM cohort c
    JOIN person_events e ON e.person_key = c.person_key
    WHERE e.event_at > c.index_at AND e.event_at <= c.index_at + INTERVAL 90 DAY
      -- the same window in constants, so the time-sorted table skips row groups outside it
      AND e.event_at > $period_start AND e.event_at <= $period_end + INTERVAL 90 DAY
      AND e.kind IN ('ae', 's136', 'admission', 'liaison', 'contact')
    GROUP BY c.person_key
),
people AS (
    SELECT c.index_at, journey_end() AS data_end, f.ae_at, f.s136_at, f.admitted_at, f.followed_up_at
    FROM cohort c LEFT JOIN firsts f USING (person_key)
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
