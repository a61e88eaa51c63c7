-- Residents of the age band by ethnic group, summed over the period's months (person-months).
-- Returns: ethnic_group (contract code), population_months
-- Person-years = person-months / 12, as population_by_period: each month of the period uses the
-- mid-year estimate of its own calendar year, or else the nearest year present, the earlier of two
-- equally near; rows of the same year, age, sex and group are added. Rows without an ethnic group
-- are left out, so a population table without ethnic groups (or none at all) gives no rows.
WITH chosen AS (
    SELECT month, year FROM population_year($period_start, $period_end)  -- queries/_macros.sql
)
SELECT p.ethnic_group, sum(p.people)::BIGINT AS population_months
FROM chosen
JOIN population p USING (year)
WHERE p.age BETWEEN $age_min AND $age_max AND p.ethnic_group IS NOT NULL
GROUP BY ALL
ORDER BY ethnic_group
