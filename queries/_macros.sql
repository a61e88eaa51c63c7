-- Macros shared by every query; run once when a connection opens.
-- minutes_between(a, b): b minus a in minutes, exact to the microsecond (contract: durations in minutes).
-- bucket_start(d, grain, period_start): first day of the trend bucket holding date d.
-- population_year(period_start, period_end): each month of the period with the year of the
--   population table it uses: its own calendar year's mid-year estimate, or else the nearest year
--   present, the earlier of two equally near (no rows without a population table).
CREATE OR REPLACE MACRO minutes_between(a, b) AS (epoch_us(b) - epoch_us(a)) / 60000000.0;
CREATE OR REPLACE MACRO bucket_start(d, grain, period_start) AS CASE grain
    WHEN 'period' THEN period_start::DATE
    WHEN 'quarter' THEN date_trunc('quarter', d)::DATE
    WHEN 'fy' THEN make_date(year(d) - CASE WHEN month(d) < 4 THEN 1 ELSE 0 END, 4, 1)
    ELSE date_trunc('month', d)::DATE
END;
CREATE OR REPLACE MACRO population_year(period_start, period_end) AS TABLE
    WITH months AS (
        SELECT m::DATE AS month
        FROM generate_series(period_start::TIMESTAMP, period_end::TIMESTAMP - INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS t(m)
    ),
    years AS (SELECT DISTINCT year FROM population)
    SELECT month, year
    FROM months CROSS JOIN years
    QUALIFY row_number() OVER (PARTITION BY month ORDER BY abs(year - year(month)), year) = 1;
-- age_group(age): which of the filters' age bands other than 'all' an age is in (settings.AGE_BANDS:
-- 1 = 0-17, 2 = 18-25, 3 = 26-64, 4 = 65+). The Journeys timelines find a person's first event
-- within each (queries/catalog/22_person_events.sql).
CREATE OR REPLACE MACRO age_group(age) AS CASE WHEN age <= 17 THEN 1 WHEN age <= 25 THEN 2 WHEN age <= 64 THEN 3 ELSE 4 END;
