-- Macros shared by every query; run once when a connection opens.
-- minutes_between(a, b): b minus a in minutes, exact to the microsecond (contract: durations in minutes).
-- bucket_start(d, grain, period_start): first day of the trend bucket holding date d.
CREATE OR REPLACE MACRO minutes_between(a, b) AS (epoch_us(b) - epoch_us(a)) / 60000000.0;
CREATE OR REPLACE MACRO bucket_start(d, grain, period_start) AS CASE grain
    WHEN 'period' THEN period_start::DATE
    WHEN 'quarter' THEN date_trunc('quarter', d)::DATE
    WHEN 'fy' THEN make_date(year(d) - CASE WHEN month(d) < 4 THEN 1 ELSE 0 END, 4, 1)
    ELSE date_trunc('month', d)::DATE
END;
