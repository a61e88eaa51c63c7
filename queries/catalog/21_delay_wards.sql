-- Delayed transfers with the ward of their stay, labelled as delays_by_ward labels it
-- ('out_of_area' for out-of-area stays, 'not_known' where the stay is not in the extract).
CREATE TABLE delay_wards AS
SELECT d.delay_start, d.delay_end, d.age,
       coalesce(CASE WHEN s.out_of_area THEN 'out_of_area' ELSE s.ward END, 'not_known') AS ward,
       coalesce(CASE WHEN s.out_of_area THEN 'out_of_area' ELSE s.ward_type END, 'not_known') AS ward_type
FROM delayed_transfers d
LEFT JOIN inpatient_stays s USING (stay_id)
ORDER BY d.delay_start;
