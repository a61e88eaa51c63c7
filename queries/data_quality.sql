-- Data quality of the loaded extracts: every column the contract lets be null, with how many
-- records leave it empty, and each extract's first and last month of its anchor (the definitions page).
-- Returns: one row per nullable column of the six required extracts:
--   extract, field, records (rows in the extract; discharged stays for the discharge fields), not_recorded (rows with the field null),
--   first_month, last_month (DATE: month of the extract's earliest and latest anchor)
-- The whole extracts, whatever the filters: it describes what was loaded, not a view.
WITH ae AS (SELECT count(*) AS n, date_trunc('month', min(arrival_at))::DATE AS lo,
                   date_trunc('month', max(arrival_at))::DATE AS hi FROM ae_attendances),
liaison AS (SELECT count(*) AS n, date_trunc('month', min(referred_at))::DATE AS lo,
                   date_trunc('month', max(referred_at))::DATE AS hi FROM liaison_referrals),
s136 AS (SELECT count(*) AS n, date_trunc('month', min(detained_at))::DATE AS lo,
                date_trunc('month', max(detained_at))::DATE AS hi FROM s136_detentions),
stays AS (SELECT count(*) AS n, date_trunc('month', min(admitted_at))::DATE AS lo,
                 date_trunc('month', max(admitted_at))::DATE AS hi FROM inpatient_stays),
delays AS (SELECT count(*) AS n, date_trunc('month', min(delay_start))::DATE AS lo,
                  date_trunc('month', max(delay_start))::DATE AS hi FROM delayed_transfers),
capacity AS (SELECT count(*) AS n, date_trunc('month', min(valid_from))::DATE AS lo,
                    date_trunc('month', max(valid_from))::DATE AS hi FROM ward_capacity)
SELECT 'ae_attendances' AS extract, 'ethnic_group' AS field, n AS records,
       (SELECT count(*) - count(ethnic_group) FROM ae_attendances) AS not_recorded, lo AS first_month, hi AS last_month
FROM ae
UNION ALL SELECT 'ae_attendances', 'departure_at', n, (SELECT count(*) - count(departure_at) FROM ae_attendances), lo, hi FROM ae
UNION ALL SELECT 'ae_attendances', 'decision_to_admit_at', n,
       (SELECT count(*) - count(decision_to_admit_at) FROM ae_attendances), lo, hi FROM ae
UNION ALL SELECT 'liaison_referrals', 'attendance_id', n,
       (SELECT count(*) - count(attendance_id) FROM liaison_referrals), lo, hi FROM liaison
UNION ALL SELECT 'liaison_referrals', 'assessed_at', n,
       (SELECT count(*) - count(assessed_at) FROM liaison_referrals), lo, hi FROM liaison
UNION ALL SELECT 'liaison_referrals', 'outcome', n,
       (SELECT count(*) - count(outcome) FROM liaison_referrals), lo, hi FROM liaison
UNION ALL SELECT 's136_detentions', 'ethnic_group', n,
       (SELECT count(*) - count(ethnic_group) FROM s136_detentions), lo, hi FROM s136
UNION ALL SELECT 's136_detentions', 'assessment_at', n,
       (SELECT count(*) - count(assessment_at) FROM s136_detentions), lo, hi FROM s136
UNION ALL SELECT 's136_detentions', 'ended_at', n, (SELECT count(*) - count(ended_at) FROM s136_detentions), lo, hi FROM s136
UNION ALL SELECT 's136_detentions', 'outcome', n, (SELECT count(*) - count(outcome) FROM s136_detentions), lo, hi FROM s136
UNION ALL SELECT 'inpatient_stays', 'ethnic_group', n,
       (SELECT count(*) - count(ethnic_group) FROM inpatient_stays), lo, hi FROM stays
UNION ALL SELECT 'inpatient_stays', 'discharged_at', n,
       (SELECT count(*) - count(discharged_at) FROM inpatient_stays), lo, hi FROM stays
UNION ALL SELECT 'inpatient_stays', 'discharge_destination',
       (SELECT count(*) FROM inpatient_stays WHERE discharged_at IS NOT NULL),
       (SELECT count(*) - count(discharge_destination) FROM inpatient_stays WHERE discharged_at IS NOT NULL), lo, hi
FROM stays
UNION ALL SELECT 'inpatient_stays', 'followed_up_at',
       (SELECT count(*) FROM inpatient_stays WHERE discharged_at IS NOT NULL),
       (SELECT count(*) - count(followed_up_at) FROM inpatient_stays WHERE discharged_at IS NOT NULL), lo, hi FROM stays
UNION ALL SELECT 'delayed_transfers', 'delay_end', n, (SELECT count(*) - count(delay_end) FROM delayed_transfers), lo, hi
FROM delays
UNION ALL SELECT 'ward_capacity', 'valid_to', n, (SELECT count(*) - count(valid_to) FROM ward_capacity), lo, hi FROM capacity
