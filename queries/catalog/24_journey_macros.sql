-- Macros of the Journeys queries over person_events (here, not in _macros.sql: DuckDB binds a
-- macro's tables when it is made, so these follow the tables they read).
-- journey_cohort(index_kind, narrow, period_start, period_end, age_min, age_max): the cohort, one
--   row per person: each person's first person_events row of `index_kind` in the period whose own
--   age is in the band and whose detail is `narrow` ('' for any), as index_at, with all of that
--   row's columns (its next_* times and before/after counts). The first is found without grouping
--   people: a row is its person's first exactly when the time of their previous event of the kind
--   (in the band, of the detail: the prev_* column for the choice) is null or before the period.
--   The band must be every age (0 to 120 or wider) or one of the filters' bands (age_group): any
--   other is an error, never a wrong cohort.
-- journey_end(): the data's end, the latest time of any event: every follow-up is censored there.
-- journey_start(): the data's start for following people, the earliest crisis event (A&E, s136,
--   liaison) (the inpatient extract carries stays admitted years before). Both: journey_bounds.
CREATE OR REPLACE MACRO journey_cohort(index_kind, narrow, period_start, period_end, age_min, age_max) AS TABLE
    SELECT event_at AS index_at, *
    FROM person_events
    WHERE kind = index_kind AND event_at >= period_start AND event_at < period_end
      AND age BETWEEN age_min AND age_max AND (narrow = '' OR detail = narrow)
      AND coalesce(CASE
              WHEN age_min <= 0 AND age_max >= 120 THEN CASE WHEN narrow = '' THEN prev_at ELSE prev_detail_at END
              WHEN age_group(age_min) = age_group(age_max)
                   AND (age_min <= 0 OR age_group(age_min - 1) <> age_group(age_min))
                   AND (age_max >= 120 OR age_group(age_max + 1) <> age_group(age_max))
                  THEN CASE WHEN narrow = '' THEN prev_group_at ELSE prev_detail_group_at END
              -- (the message names a column: a constant one would be raised while planning)
              ELSE error('journey_cohort: the age band is neither every age nor one of the filters'' bands: '
                         || age_min || '-' || age_max || ' (' || kind || ')')
          END < period_start, true);
CREATE OR REPLACE MACRO journey_end() AS (SELECT data_end FROM journey_bounds);
CREATE OR REPLACE MACRO journey_start() AS (SELECT data_start FROM journey_bounds);
