-- The exact median of A&E minutes in two passes (ae_median_by_period): ae_bins counts the
-- recorded times by arrival month, age and 16-minute bin, which finds the bin holding the
-- middle rank(s) of a bucket; ae_bin_rows, the recorded times sorted by bin, then gives the
-- few rows of those bins (its zone maps skip the rest). bin = floor(minutes / 16).
CREATE TABLE ae_bins AS
SELECT month, age, floor(minutes / 16)::INTEGER AS bin, count(*) AS n
FROM ae_times
WHERE minutes IS NOT NULL
GROUP BY ALL
ORDER BY month, age, bin;
