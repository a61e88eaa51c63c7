-- ward_nights_monthly's occupied bed nights by month of the night, age and out of area only
-- (bed_days_by_period).
CREATE TABLE bed_nights_monthly AS
SELECT month, age, out_of_area, sum(nights) AS nights
FROM ward_nights_monthly
GROUP BY ALL
ORDER BY month, age;
