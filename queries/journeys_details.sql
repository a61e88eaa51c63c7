-- The values an index event can be narrowed by, for the Journeys page's control.
-- Returns: kind, detail (every distinct detail of each kind in person_events, none null), in order
SELECT DISTINCT kind, detail
FROM person_events
WHERE detail IS NOT NULL
ORDER BY kind, detail
