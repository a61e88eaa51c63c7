-- Residents of the age band summed over the bucket's months (person-months), one row per bucket.
-- Returns: bucket, population_months, population_white_months, population_black_months
-- Person-years = person-months / 12 (data contract: the sum over the period's months of the
-- band's population / 12). Each month of the period uses the mid-year estimate of its own
-- calendar year, or else the nearest year present, the earlier of two equally near. Rows of the
-- same year, age, sex and group are added (a sender may split by area). Every month of the
-- period counts, whether or not it had events. Without a population table every column is 0, so
-- every rate is null.
WITH chosen AS (
    SELECT month, year FROM population_year($period_start, $period_end)  -- queries/_macros.sql
),
band AS (
    SELECT year,
           sum(people) AS people,
           coalesce(sum(people) FILTER (WHERE ethnic_group = 'white'), 0) AS white,
           coalesce(sum(people) FILTER (WHERE ethnic_group = 'black'), 0) AS black
    FROM population
    WHERE age BETWEEN $age_min AND $age_max
    GROUP BY year
)
SELECT
    bucket_start(month, $grain, $period_start) AS bucket,
    coalesce(sum(people), 0)::BIGINT AS population_months,
    coalesce(sum(white), 0)::BIGINT AS population_white_months,
    coalesce(sum(black), 0)::BIGINT AS population_black_months
FROM chosen
LEFT JOIN band USING (year)
GROUP BY ALL
ORDER BY bucket
