-- Row counts per extract and records with an end time not recorded (the page footer).
-- Returns one row per extract: extract, row_count, not_recorded, not_recorded_what
SELECT 'ae_attendances' AS extract, count(*) AS row_count,
       count(*) - count(departure_at) AS not_recorded, 'departure time' AS not_recorded_what
FROM ae_attendances
UNION ALL
SELECT 'liaison_referrals', count(*), count(*) - count(assessed_at), 'assessment time' FROM liaison_referrals
UNION ALL
SELECT 's136_detentions', count(*), count(*) - count(ended_at), 'end time' FROM s136_detentions
UNION ALL
SELECT 'inpatient_stays', count(*), 0, '' FROM inpatient_stays
UNION ALL
SELECT 'delayed_transfers', count(*), 0, '' FROM delayed_transfers
UNION ALL
SELECT 'ward_capacity', count(*), 0, '' FROM ward_capacity
