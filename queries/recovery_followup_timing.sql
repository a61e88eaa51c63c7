-- Discharges in the period (excluding died and other_hospital) by time to first community contact.
-- Returns: timing ('within_24h', 'after_24h_to_72h', 'after_72h_to_7d', 'after_7d', 'none'), discharges
-- Bands are inclusive at their upper end, as the contract's "within N hours" (<= N*60 minutes):
-- within_24h 0-24 hours, after_24h_to_72h over 24 up to 72 hours, after_72h_to_7d over 72 hours up
-- to 7 days, after_7d later than that. 'none': no contact recorded after discharge
-- (followed_up_at null, or before discharged_at). within_24h + after_24h_to_72h equals
-- followed_up_72h of discharges_by_period.
-- Rows come from discharges (queries/catalog/): discharged stays sorted by discharged_at, with
-- followup_minutes = minutes_between(discharged_at, followed_up_at) and counted (not died or other_hospital).
WITH d AS (
    SELECT followup_minutes AS minutes
    FROM discharges
    WHERE discharged_at >= $period_start AND discharged_at < $period_end
      AND age BETWEEN $age_min AND $age_max
      AND counted
)
SELECT
    CASE
        WHEN minutes IS NULL OR minutes < 0 THEN 'none'
        WHEN minutes <= 24 * 60 THEN 'within_24h'
        WHEN minutes <= 72 * 60 THEN 'after_24h_to_72h'
        WHEN minutes <= 7 * 24 * 60 THEN 'after_72h_to_7d'
        ELSE 'after_7d'
    END AS timing,
    count(*) AS discharges
FROM d
GROUP BY ALL
ORDER BY timing
