-- Time to the first return to A&E or first s136 detention after the index event, as a life table
-- over 90 days: for the cohort (macro journey_cohort, as journeys_next), by interval of days.
-- Returns one row per interval: step, day_from, day_to (the interval is day_from < t <= day_to),
--   at_risk (people followed to day_from with no return by then), returned (first return in the
--   interval), censored (no return by day_to, and the data end before day_to: still at risk, no
--   longer seen)
-- at_risk of the next interval = at_risk - returned - censored. A return is an A&E attendance or
-- a s136 detention 0 < t <= 90 days after the index event; t and the follow-up to the data's end
-- (journey_end()) are in microseconds, so an event on day 30 exactly falls in the interval ending
-- on day 30.
WITH people AS (
    -- The first return: the earlier of the person's next A&E attendance and next s136 detention
    -- after the index event (within 90 days), worked out once in the catalog (person_events.next_*),
    -- as the day it falls on (day k: k - 1 days < t <= k days), and the whole days followed until
    -- the data's end (90 at most: longer is the same for every interval). Exact in microseconds:
    -- every interval starts and ends on a whole day.
    SELECT (epoch_us(least(next_ae_at, next_s136_at)) - epoch_us(index_at) + 86399999999) // 86400000000
               AS returned_day,
           least((epoch_us(d.data_end) - epoch_us(index_at)) // 86400000000, 90) AS followed_day
    FROM journey_cohort($index_kind, $narrow, $period_start, $period_end, $age_min, $age_max)
    CROSS JOIN journey_bounds d
),
grouped AS (
    -- People alike in both, counted: each interval's counts are then sums over a few rows.
    SELECT returned_day, followed_day, count(*) AS people FROM people GROUP BY ALL
),
intervals AS (
    SELECT step, day_from, day_to
    FROM (VALUES (1, 0, 7), (2, 7, 14), (3, 14, 21), (4, 21, 30), (5, 30, 45), (6, 45, 60), (7, 60, 75),
                 (8, 75, 90)) t(step, day_from, day_to)
)
SELECT i.step, i.day_from, i.day_to,
       coalesce(sum(g.people) FILTER (WHERE (g.returned_day IS NULL OR g.returned_day > i.day_from)
                                        AND g.followed_day >= i.day_from), 0)::BIGINT AS at_risk,
       coalesce(sum(g.people) FILTER (WHERE g.returned_day > i.day_from AND g.returned_day <= i.day_to), 0)::BIGINT
           AS returned,
       coalesce(sum(g.people) FILTER (WHERE (g.returned_day IS NULL OR g.returned_day > i.day_to)
                                        AND g.followed_day >= i.day_from AND g.followed_day < i.day_to), 0)::BIGINT
           AS censored
FROM intervals i CROSS JOIN grouped g
GROUP BY i.step, i.day_from, i.day_to
ORDER BY i.step
