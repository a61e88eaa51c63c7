-- A&E attendances, narrow, sorted by arrival (zone maps prune by period): month = first day of
-- the arrival month, minutes = minutes_between(arrival_at, departure_at), null when not recorded.
CREATE TABLE ae_times AS
SELECT arrival_at, date_trunc('month', arrival_at)::DATE AS month, age, site, presentation, arrival_mode,
       minutes_between(arrival_at, departure_at) AS minutes
FROM ae_attendances
ORDER BY arrival_at;
