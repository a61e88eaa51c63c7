-- A&E attendances, narrow, sorted by arrival (zone maps prune by period): month = first day of
-- the arrival month, minutes = minutes_between(arrival_at, departure_at), null when not recorded;
-- admit_decided: a decision to admit is recorded; dta_minutes = minutes_between(decision_to_admit_at,
-- departure_at), null unless both are recorded (the wait from decision to admit, ae_12h_from_dta).
CREATE TABLE ae_times AS
SELECT arrival_at, date_trunc('month', arrival_at)::DATE AS month, age, site, presentation, arrival_mode,
       minutes_between(arrival_at, departure_at) AS minutes,
       decision_to_admit_at IS NOT NULL AS admit_decided,
       minutes_between(decision_to_admit_at, departure_at) AS dta_minutes
FROM ae_attendances
ORDER BY arrival_at;
