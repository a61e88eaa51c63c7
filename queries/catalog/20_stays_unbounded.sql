-- Stays not in ward_nights_monthly: still in hospital, or discharged on (or before) the admission day.
CREATE TABLE stays_unbounded AS
SELECT age, out_of_area, admitted_at, discharged_at,
       CASE WHEN out_of_area THEN 'out_of_area' ELSE ward END AS ward,
       CASE WHEN out_of_area THEN 'out_of_area' ELSE ward_type END AS ward_type
FROM inpatient_stays
WHERE discharged_at IS NULL OR discharged_at::DATE <= admitted_at::DATE
ORDER BY admitted_at;
