-- Presentation and arrival mode mix of A&E mental health attendances, optionally for one
-- hour of arrival and day of the week ($hour -1 and $weekday -1 mean every hour / day).
-- Returns: dimension ('presentation' or 'arrival_mode'), category, attendances, departure_recorded, within_4h
-- Every hour and day of every site: rows come from ae_mix_monthly (queries/catalog/), the counts
-- by arrival month, age and category, summed over the period and band. One hour or day, or one
-- emergency department ($site, the site view; '' = every site): from ae_times, the attendances
-- with minutes = minutes_between(arrival_at, departure_at).
WITH one_cell AS (  -- the attendances of the chosen hour, day and site (none when every one)
    SELECT presentation, arrival_mode, (minutes IS NOT NULL)::BIGINT AS n_recorded,
           coalesce(minutes <= 240, false)::BIGINT AS n_within
    FROM ae_times
    WHERE NOT ($hour = -1 AND $weekday = -1 AND $site = '')
      AND arrival_at >= $period_start AND arrival_at < $period_end AND age BETWEEN $age_min AND $age_max
      AND ($hour = -1 OR hour(arrival_at) = $hour)
      AND ($weekday = -1 OR isodow(arrival_at) = $weekday)
      AND ($site = '' OR site = $site)
),
counts AS (
    SELECT dimension, category, attendances AS n, departure_recorded AS n_recorded, within_4h AS n_within
    FROM ae_mix_monthly
    WHERE $hour = -1 AND $weekday = -1 AND $site = ''
      AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    UNION ALL
    SELECT 'presentation', presentation, 1, n_recorded, n_within FROM one_cell
    UNION ALL
    SELECT 'arrival_mode', arrival_mode, 1, n_recorded, n_within FROM one_cell
)
SELECT dimension, category, sum(n)::BIGINT AS attendances,
       sum(n_recorded)::BIGINT AS departure_recorded,
       sum(n_within)::BIGINT AS within_4h
FROM counts
GROUP BY ALL
ORDER BY dimension, attendances DESC, category
