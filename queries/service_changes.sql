-- The partnership's service changes (the optional service_changes table), oldest first.
-- Returns: change_id, starts_on (DATE), month (DATE), title, metrics (comma-separated metric
--          keys, or 'all'), recalculate, description
-- month is starts_on's month: the contract counts it as the first month after the change, so a
-- recalculation starts there. Without the table the catalog holds it empty: no rows.
SELECT
    change_id,
    starts_on,
    date_trunc('month', starts_on)::DATE AS month,
    title,
    metrics,
    recalculate,
    description
FROM service_changes
ORDER BY starts_on, change_id
