-- A&E mental health attendances by hour of arrival and day of the week for the period.
-- Returns: weekday (1 = Monday .. 7 = Sunday), hour (0-23), attendances, departure_recorded,
--          within_4h (<= 240 min), over_4h (departure recorded, > 240 min), over_12h (> 720 min)
-- Rows come from ae_hour_weekday_monthly (queries/catalog/): the counts by arrival month,
-- age, weekday and hour, summed over the period's months and the age band; for one emergency
-- department ($site, the site view; '' = every site) from its rows of ae_times.
WITH counts AS (
    SELECT weekday, hour, attendances, departure_recorded, within_4h, over_12h
    FROM ae_hour_weekday_monthly
    WHERE $site = '' AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    UNION ALL
    SELECT isodow(arrival_at), hour(arrival_at), 1, (minutes IS NOT NULL)::BIGINT,
           coalesce(minutes <= 240, false)::BIGINT, coalesce(minutes > 720, false)::BIGINT
    FROM ae_times
    WHERE site = $site AND arrival_at >= $period_start AND arrival_at < $period_end
      AND age BETWEEN $age_min AND $age_max
)
SELECT
    weekday,
    hour,
    sum(attendances)::BIGINT AS attendances,
    sum(departure_recorded)::BIGINT AS departure_recorded,
    sum(within_4h)::BIGINT AS within_4h,
    (sum(departure_recorded) - sum(within_4h))::BIGINT AS over_4h,
    sum(over_12h)::BIGINT AS over_12h
FROM counts
GROUP BY ALL
ORDER BY weekday, hour
