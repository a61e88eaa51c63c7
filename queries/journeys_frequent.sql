-- Frequent attenders (the High Intensity Use definition): for each month of the period, the people
-- with $min_attendances or more A&E mental health attendances in the 12 months to that month's end.
-- Returns one row per month with attendances: month, attenders (people with any attendance in the
-- 12 months), attendances (theirs, all), frequent (people with $min_attendances or more),
-- frequent_attendances (their attendances), frequent_cared (frequent attenders with a liaison
-- assessment or a care plan outcome, person_events.referred_on, in the same 12 months)
-- Attendances count where their own age is in the band; a liaison assessment or care plan
-- outcome counts at any age.
WITH months AS (
    SELECT unnest(generate_series($period_start::DATE, ($period_end::DATE - INTERVAL 1 MONTH)::DATE,
                                  INTERVAL 1 MONTH))::DATE AS month
),
person_months AS (
    SELECT person_key, date_trunc('month', event_at)::DATE AS month, count(*) AS attendances
    FROM person_events
    WHERE kind = 'ae' AND age BETWEEN $age_min AND $age_max
      AND event_at >= $period_start - INTERVAL 11 MONTH AND event_at < $period_end
    GROUP BY ALL
),
rolling AS (
    SELECT m.month, p.person_key, sum(p.attendances) AS attendances
    FROM months m
    JOIN person_months p ON p.month > m.month - INTERVAL 12 MONTH AND p.month <= m.month
    GROUP BY ALL
),
cared AS (
    SELECT DISTINCT person_key, date_trunc('month', event_at)::DATE AS month
    FROM person_events
    WHERE (kind = 'liaison' OR referred_on) AND event_at >= $period_start - INTERVAL 11 MONTH AND event_at < $period_end
),
cared_frequent AS (
    SELECT r.month, count(DISTINCT r.person_key) AS frequent_cared
    FROM rolling r
    JOIN cared c ON c.person_key = r.person_key AND c.month > r.month - INTERVAL 12 MONTH AND c.month <= r.month
    WHERE r.attendances >= $min_attendances
    GROUP BY r.month
)
SELECT r.month,
       count(*) AS attenders,
       sum(r.attendances)::BIGINT AS attendances,
       count(*) FILTER (WHERE r.attendances >= $min_attendances) AS frequent,
       coalesce(sum(r.attendances) FILTER (WHERE r.attendances >= $min_attendances), 0)::BIGINT AS frequent_attendances,
       coalesce(any_value(cf.frequent_cared), 0)::BIGINT AS frequent_cared
FROM rolling r
LEFT JOIN cared_frequent cf USING (month)
GROUP BY r.month
ORDER BY r.month
