-- The recorded A&E times sorted by 16-minute bin, then month: the second pass of the exact
-- median (ae_median_by_period; see ae_bins). bin = floor(minutes / 16).
CREATE TABLE ae_bin_rows AS
SELECT floor(minutes / 16)::INTEGER AS bin, month, age, minutes
FROM ae_times
WHERE minutes IS NOT NULL
ORDER BY bin, month;
