-- Frequent attenders (the High Intensity Use definition): for each month of the period, the people
-- with $min_attendances or more A&E mental health attendances in the 12 months to that month's end.
-- Returns one row per month with attendances: month, attendances (all, in the 12 months), frequent
-- (people with $min_attendances or more), frequent_attendances (their attendances), frequent_cared
-- (frequent attenders with a liaison assessment or a care plan outcome, person_events.referred_on,
-- in the same 12 months)
-- Attendances count where their own age is in the band; a liaison assessment or care plan outcome
-- counts at any age. Only people with $min_attendances or more over the whole span read (the
-- 11 months before the period and the period) can be frequent in any month, so only theirs are
-- summed month by month.
WITH months AS (
    SELECT unnest(generate_series($period_start::DATE, ($period_end::DATE - INTERVAL 1 MONTH)::DATE,
                                  INTERVAL 1 MONTH))::DATE AS month
),
monthly AS (
    SELECT date_trunc('month', event_at)::DATE AS month, count(*) AS attendances
    FROM person_events
    WHERE kind = 'ae' AND age BETWEEN $age_min AND $age_max
      AND event_at >= $period_start - INTERVAL 11 MONTH AND event_at < $period_end
    GROUP BY ALL
),
person_months AS (
    -- Only attendances with $min_attendances or more within a year of them (ae_near) can count for
    -- a frequent attender: most are of people who attend once or twice, and are never grouped by
    -- person. Dropping the others changes no one's count in a 12 months where they are frequent.
    SELECT person_key, date_trunc('month', event_at)::DATE AS month, count(*) AS attendances
    FROM person_events
    WHERE kind = 'ae' AND age BETWEEN $age_min AND $age_max AND ae_near >= $min_attendances
      AND event_at >= $period_start - INTERVAL 11 MONTH AND event_at < $period_end
    GROUP BY ALL
),
totals AS (
    SELECT m.month, sum(p.attendances) AS attendances
    FROM months m
    JOIN monthly p ON p.month > m.month - INTERVAL 12 MONTH AND p.month <= m.month
    GROUP BY m.month
),
candidates AS (
    SELECT person_key FROM person_months GROUP BY person_key HAVING sum(attendances) >= $min_attendances
),
frequent AS (
    SELECT m.month, p.person_key, sum(p.attendances) AS attendances
    FROM months m
    JOIN person_months p ON p.month > m.month - INTERVAL 12 MONTH AND p.month <= m.month
    WHERE p.person_key IN (SELECT person_key FROM candidates)
    GROUP BY ALL
    HAVING sum(p.attendances) >= $min_attendances
),
cared AS (
    SELECT DISTINCT person_key, date_trunc('month', event_at)::DATE AS month
    FROM person_events
    WHERE (kind = 'liaison' OR referred_on)
      AND event_at >= $period_start - INTERVAL 11 MONTH AND event_at < $period_end
      AND person_key IN (SELECT person_key FROM candidates)
),
cared_frequent AS (
    SELECT f.month, count(DISTINCT f.person_key) AS frequent_cared
    FROM frequent f
    JOIN cared c ON c.person_key = f.person_key AND c.month > f.month - INTERVAL 12 MONTH AND c.month <= f.month
    GROUP BY f.month
),
by_month AS (
    SELECT month, count(*) AS frequent, sum(attendances) AS frequent_attendances FROM frequent GROUP BY month
)
SELECT t.month, t.attendances::BIGINT AS attendances, coalesce(b.frequent, 0)::BIGINT AS frequent,
       coalesce(b.frequent_attendances, 0)::BIGINT AS frequent_attendances,
       coalesce(c.frequent_cared, 0)::BIGINT AS frequent_cared
FROM totals t
LEFT JOIN by_month b USING (month)
LEFT JOIN cared_frequent c USING (month)
ORDER BY t.month
