-- Median time in A&E of mental health attendances, one row per trend bucket.
-- Returns: bucket, median_minutes (over attendances with a departure recorded; buckets with
--          none recorded have no row, so the median is empty there)
-- Exactly DuckDB's median(minutes) over the bucket's recorded times (minutes_between(arrival_at,
-- departure_at)): the middle value, or for an even count lo + (hi - lo) * 0.5 of the two middle
-- values, as quantile_cont interpolates. Found in two passes over tables of queries/catalog/
-- rather than by collecting every time of a long period:
--   1. ae_bins (counts by month, age, 16-minute bin): each bucket's total, its middle rank(s)
--      (total + 1) // 2 and total // 2 + 1, the bin holding each and the rank within that bin;
--   2. ae_bin_rows (times sorted by bin): only the rows of those bins, ranked within their bin.
-- Its counts (departure_recorded, the n behind it) are ae_by_period's. For one emergency
-- department ($site, the site view; '' = every site) the bins are not split by site: its median
-- is DuckDB's median(minutes) over its rows of ae_times, a few thousand a year even nationally.
WITH hist AS (
    SELECT bucket_start(month, $grain, $period_start) AS bucket, bin, sum(n) AS n
    FROM ae_bins
    WHERE $site = '' AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    GROUP BY ALL
),
cumulative AS (
    SELECT bucket, bin, n,
           sum(n) OVER (PARTITION BY bucket ORDER BY bin) AS up_to,
           sum(n) OVER (PARTITION BY bucket) AS total
    FROM hist
),
middle AS (  -- the two middle ranks of each bucket (one and the same when its count is odd)
    SELECT DISTINCT bucket, total, unnest([(total + 1) // 2, total // 2 + 1]) AS middle_rank
    FROM cumulative
),
ranks AS (
    SELECT m.bucket, m.total, m.middle_rank, c.bin, m.middle_rank - (c.up_to - c.n) AS rank_in_bin
    FROM middle m
    JOIN cumulative c ON c.bucket = m.bucket AND m.middle_rank > c.up_to - c.n AND m.middle_rank <= c.up_to
),
wanted AS (SELECT DISTINCT bucket, bin FROM ranks),
candidates AS (
    SELECT w.bucket, w.bin, r.minutes,
           row_number() OVER (PARTITION BY w.bucket, w.bin ORDER BY r.minutes) AS rank_in_bin
    FROM ae_bin_rows r
    JOIN wanted w ON w.bucket = bucket_start(r.month, $grain, $period_start) AND w.bin = r.bin
    WHERE r.month >= $period_start AND r.month < $period_end AND r.age BETWEEN $age_min AND $age_max
      AND r.bin BETWEEN (SELECT min(bin) FROM wanted) AND (SELECT max(bin) FROM wanted)
),
picked AS (
    SELECT k.bucket, k.total, k.middle_rank, c.minutes
    FROM ranks k
    JOIN candidates c ON c.bucket = k.bucket AND c.bin = k.bin AND c.rank_in_bin = k.rank_in_bin
)
SELECT bucket, lo + (hi - lo) * 0.5 AS median_minutes
FROM (
    SELECT bucket,
           min(minutes) FILTER (WHERE middle_rank = (total + 1) // 2) AS lo,
           min(minutes) FILTER (WHERE middle_rank = total // 2 + 1) AS hi
    FROM picked
    GROUP BY bucket
)
UNION ALL
SELECT bucket_start(month, $grain, $period_start) AS bucket, median(minutes) AS median_minutes
FROM ae_times
WHERE site = $site AND minutes IS NOT NULL
  AND arrival_at >= $period_start AND arrival_at < $period_end AND age BETWEEN $age_min AND $age_max
GROUP BY ALL
ORDER BY bucket
