-- The data's extent: the first and last month with events.
-- Returns one row: first_event (DATE), last_event (DATE)
-- The last event is the latest anchor of any extract (arrival_at, referred_at, detained_at,
-- admitted_at, discharged_at, delay_start): periods never run past its month. The first event
-- is the earliest crisis event (A&E, liaison, s136), since inpatient extracts carry long stays
-- admitted years before the extract window; without crisis data, the earliest anchor of any kind.
WITH crisis AS (
    SELECT min(arrival_at)::DATE AS lo, max(arrival_at)::DATE AS hi FROM ae_attendances
    UNION ALL SELECT min(referred_at)::DATE, max(referred_at)::DATE FROM liaison_referrals
    UNION ALL SELECT min(detained_at)::DATE, max(detained_at)::DATE FROM s136_detentions
),
ward AS (
    SELECT min(admitted_at)::DATE AS lo, max(admitted_at)::DATE AS hi FROM inpatient_stays
    UNION ALL SELECT min(discharged_at)::DATE, max(discharged_at)::DATE FROM inpatient_stays
    UNION ALL SELECT min(delay_start), max(delay_start) FROM delayed_transfers
)
SELECT coalesce((SELECT min(lo) FROM crisis), (SELECT min(lo) FROM ward)) AS first_event,
       greatest((SELECT max(hi) FROM crisis), (SELECT max(hi) FROM ward)) AS last_event
