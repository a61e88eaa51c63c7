-- The data's extent: first and last month with any event, and the extract date range.
-- Returns one row: first_event (DATE), last_event (DATE)
-- Event anchors: arrival_at, referred_at, detained_at, admitted_at, discharged_at, delay_start.
WITH anchors AS (
    SELECT min(arrival_at)::DATE AS lo, max(arrival_at)::DATE AS hi FROM ae_attendances
    UNION ALL SELECT min(referred_at)::DATE, max(referred_at)::DATE FROM liaison_referrals
    UNION ALL SELECT min(detained_at)::DATE, max(detained_at)::DATE FROM s136_detentions
    UNION ALL SELECT min(admitted_at)::DATE, max(admitted_at)::DATE FROM inpatient_stays
    UNION ALL SELECT min(discharged_at)::DATE, max(discharged_at)::DATE FROM inpatient_stays
    UNION ALL SELECT min(delay_start), max(delay_start) FROM delayed_transfers
)
SELECT min(lo) AS first_event, max(hi) AS last_event FROM anchors
