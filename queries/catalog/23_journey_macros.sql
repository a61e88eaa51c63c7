-- Macros of the Journeys queries over person_events (here, not in _macros.sql: DuckDB binds a
-- macro's tables when it is made, so these follow the table they read).
-- journey_cohort(index_kind, narrow, period_start, period_end, age_min, age_max): the cohort, one
--   row per person (person_key, index_at): the time of the person's first person_events row of
--   `index_kind` in the period whose own age is in the band and whose detail is `narrow` ('' for any).
-- journey_end(): the data's end, the latest time of any event: every follow-up is censored there.
-- journey_start(): the data's start for following people, the earliest crisis event (A&E, s136,
--   liaison), as the data's first month (the inpatient extract carries stays admitted years before).
CREATE OR REPLACE MACRO journey_cohort(index_kind, narrow, period_start, period_end, age_min, age_max) AS TABLE
    SELECT person_key, min(event_at) AS index_at
    FROM person_events
    WHERE kind = index_kind AND event_at >= period_start AND event_at < period_end
      AND age BETWEEN age_min AND age_max AND (narrow = '' OR detail = narrow)
    GROUP BY person_key;
CREATE OR REPLACE MACRO journey_end() AS (SELECT max(event_at) FROM person_events);
CREATE OR REPLACE MACRO journey_start() AS (
    SELECT min(event_at) FROM person_events WHERE kind IN ('ae', 's136', 'liaison'));
