-- journey_bounds: one row, the span of the data over which Journeys follow people, read by the
-- macros journey_start() and journey_end() (a scan of person_events per request cost more than
-- the rest of a cohort's query).
--   data_start: the earliest crisis event (A&E, s136, liaison): the inpatient extract carries
--     stays admitted years before the others begin
--   data_end: the latest time of any event: every follow-up is censored there
CREATE TABLE journey_bounds AS
SELECT min(event_at) FILTER (WHERE kind IN ('ae', 's136', 'liaison')) AS data_start, max(event_at) AS data_end
FROM person_events;
