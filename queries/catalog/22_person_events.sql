-- person_events: every person's events as one timeline, each event with what came before and after
-- it worked out once, so that a Journeys request reads only its cohort's own rows: no join, no
-- grouping by person (queries/journeys_*.sql, through the macro journey_cohort). Sorted by kind,
-- then time: a cohort's query reads the rows of one kind in its period and skips every other row
-- group. One row per event:
--   person_key, kind, event_at, age (at the event), detail, ends_at, referred_on, ae_near, the
--   prev_* and next_* times and the before/after counts below
-- person_key: a whole number per person (faster to group and join on than the text id).
-- kind, and the time `event_at` it takes:
--   'ae'         an A&E mental health attendance, at arrival_at
--   's136'       a section 136 detention, at detained_at
--   'liaison'    a liaison assessment, at assessed_at (a referral not assessed has no row)
--   'admission'  a ward stay's admission, at admitted_at (ends_at: discharged_at, null while in hospital)
--   'discharge'  a ward stay's discharge, at discharged_at
--   'contact'    the first community contact after a discharge, at followed_up_at
-- detail: the field an index event is narrowed by: the A&E site, the first place of safety, the
-- liaison outcome, the ward type, the discharge destination ('not_recorded' where the extract's
-- field is null; null for a contact). Age is each record's own (a stay's: at admission).
-- referred_on: the event ended in mental health care (a care plan outcome): an A&E disposal, a
-- liaison outcome or a detention's outcome of admission, the crisis team or community mental
-- health services (false otherwise, and for ward events).
-- ae_near: the person's A&E attendances within 366 days either side of this event, itself
-- included, at any age. An attendance counted for a frequent attender (N or more in 12 calendar
-- months, under 366 days from first to last) has N or more near it, so journeys_frequent reads
-- only attendances with that many near them.
-- The cohort (journey_cohort: each person's first event of a kind in a period, of an age band and
-- a detail): prev_at, the time of the same person's previous event of the same kind; prev_group_at,
-- of the same kind in the same age band (age_group, _macros.sql); prev_detail_at, of the same kind
-- and detail; prev_detail_group_at, of the same kind, detail and age band. An event is the first of
-- its kind (band, detail) in a period exactly when that time is null or before the period. Of two
-- events at the same time, the later in the ordering has the other's time.
-- What happened next (journeys_next, journeys_return): next_ae_at, next_s136_at,
-- next_admission_at, next_follow_up_at: the time of the same person's first A&E attendance,
-- s136 detention, admission, liaison assessment or community contact strictly after this event's
-- time (null if none, or none within 90 days: no chart follows people longer). Events at the
-- same time as this one are not after it.
-- Before and after (journeys_before_after), for N = 30, 90, 180 (null for a contact, never an
-- index event): ae_before_N, s136_before_N, admissions_before_N: the person's events of that kind
-- with event_at - N days <= t < event_at; ae_after_N, s136_after_N, admissions_after_N: with
-- event_at < t <= event_at + N days; bed_days_before_N, bed_days_after_N: nights d of the person's
-- ward stays (admitted_at::DATE <= d < discharged_at::DATE; still in hospital: to the day after
-- the data's end, the latest event of anyone) with event date - N <= d < event date, or event
-- date < d <= event date + N.
CREATE TABLE person_events AS
WITH events AS (
SELECT person_id, 'ae' AS kind, arrival_at AS event_at, age, site AS detail, NULL::TIMESTAMP AS ends_at,
       disposal IN ('admitted_mh', 'crisis_team', 'community_mh') AS referred_on
FROM ae_attendances
UNION ALL
SELECT person_id, 's136', detained_at, age, place_of_safety, NULL,
       coalesce(outcome IN ('admitted_informal', 'admitted_detained', 'crisis_team', 'community_mh'), false)
FROM s136_detentions
UNION ALL
SELECT person_id, 'liaison', assessed_at, age, coalesce(outcome, 'not_recorded'), NULL,
       coalesce(outcome IN ('admitted_mh', 'crisis_team', 'community_mh'), false)
FROM liaison_referrals WHERE assessed_at IS NOT NULL
UNION ALL
SELECT person_id, 'admission', admitted_at, age, ward_type, discharged_at, false FROM inpatient_stays
UNION ALL
SELECT person_id, 'discharge', discharged_at, age, coalesce(discharge_destination, 'not_recorded'), NULL, false
FROM inpatient_stays WHERE discharged_at IS NOT NULL
UNION ALL
SELECT person_id, 'contact', followed_up_at, age, NULL, NULL, false
FROM inpatient_stays WHERE followed_up_at IS NOT NULL
),
keyed AS (
    SELECT row_number() OVER () AS event_id, dense_rank() OVER (ORDER BY person_id)::INTEGER AS person_key,
           kind, event_at, age, detail, ends_at, referred_on,
           -- The three kinds counted before and after, packed into one number of 20-bit parts (A&E,
           -- s136, admissions): one windowed sum counts all three, a third of the work of three
           -- sums. No one has 2^20 events of a kind in 180 days.
           CASE kind WHEN 'ae' THEN 1 WHEN 's136' THEN 1048576 WHEN 'admission' THEN 1099511627776
                     ELSE 0 END::BIGINT AS packed
    FROM events
),
timeline AS (
    SELECT event_id, person_key, kind, event_at, age, detail, ends_at, referred_on,
           count(*) FILTER (WHERE kind = 'ae') OVER near AS ae_near,
           lag(event_at) OVER (PARTITION BY person_key, kind ORDER BY event_at) AS prev_at,
           lag(event_at) OVER (PARTITION BY person_key, kind, age_group(age) ORDER BY event_at) AS prev_group_at,
           lag(event_at) OVER (PARTITION BY person_key, kind, detail ORDER BY event_at) AS prev_detail_at,
           lag(event_at) OVER (PARTITION BY person_key, kind, detail, age_group(age) ORDER BY event_at)
               AS prev_detail_group_at,
           min(event_at) FILTER (WHERE kind = 'ae') OVER later AS next_ae_at,
           min(event_at) FILTER (WHERE kind = 's136') OVER later AS next_s136_at,
           min(event_at) FILTER (WHERE kind = 'admission') OVER later AS next_admission_at,
           min(event_at) FILTER (WHERE kind IN ('liaison', 'contact')) OVER later AS next_follow_up_at,
           sum(packed) OVER before_30 AS before_30, sum(packed) OVER after_30 AS after_30,
           sum(packed) OVER before_90 AS before_90, sum(packed) OVER after_90 AS after_90,
           sum(packed) OVER before_180 AS before_180, sum(packed) OVER after_180 AS after_180
    FROM keyed
    -- EXCLUDE GROUP leaves out the events at this event's own time (its peers): "strictly after".
    WINDOW near AS (PARTITION BY person_key ORDER BY event_at
                    RANGE BETWEEN INTERVAL 366 DAY PRECEDING AND INTERVAL 366 DAY FOLLOWING),
           later AS (PARTITION BY person_key ORDER BY event_at
                     RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE GROUP),
           before_30 AS (PARTITION BY person_key ORDER BY event_at
                         RANGE BETWEEN INTERVAL 30 DAY PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           after_30 AS (PARTITION BY person_key ORDER BY event_at
                        RANGE BETWEEN CURRENT ROW AND INTERVAL 30 DAY FOLLOWING EXCLUDE GROUP),
           before_90 AS (PARTITION BY person_key ORDER BY event_at
                         RANGE BETWEEN INTERVAL 90 DAY PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           after_90 AS (PARTITION BY person_key ORDER BY event_at
                        RANGE BETWEEN CURRENT ROW AND INTERVAL 90 DAY FOLLOWING EXCLUDE GROUP),
           before_180 AS (PARTITION BY person_key ORDER BY event_at
                          RANGE BETWEEN INTERVAL 180 DAY PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           after_180 AS (PARTITION BY person_key ORDER BY event_at
                         RANGE BETWEEN CURRENT ROW AND INTERVAL 180 DAY FOLLOWING EXCLUDE GROUP)
),
stays AS (
    SELECT person_key, event_at::DATE AS admitted_on,
           coalesce(ends_at, (SELECT max(event_at) FROM keyed) + INTERVAL 1 DAY)::DATE AS ends_on
    FROM keyed WHERE kind = 'admission'
),
nights AS (
    -- Only stays that overlap the widest windows (180 days either side) can add a night.
    SELECT i.event_id,
           sum(greatest(0, date_diff('day', greatest(s.admitted_on, i.on_day - 30), least(s.ends_on, i.on_day))))
               AS bed_days_before_30,
           sum(greatest(0, date_diff('day', greatest(s.admitted_on, i.on_day + 1), least(s.ends_on, i.on_day + 31))))
               AS bed_days_after_30,
           sum(greatest(0, date_diff('day', greatest(s.admitted_on, i.on_day - 90), least(s.ends_on, i.on_day))))
               AS bed_days_before_90,
           sum(greatest(0, date_diff('day', greatest(s.admitted_on, i.on_day + 1), least(s.ends_on, i.on_day + 91))))
               AS bed_days_after_90,
           sum(greatest(0, date_diff('day', greatest(s.admitted_on, i.on_day - 180), least(s.ends_on, i.on_day))))
               AS bed_days_before_180,
           sum(greatest(0, date_diff('day', greatest(s.admitted_on, i.on_day + 1), least(s.ends_on, i.on_day + 181))))
               AS bed_days_after_180
    FROM (SELECT event_id, person_key, event_at::DATE AS on_day FROM keyed WHERE kind <> 'contact') i
    JOIN stays s ON s.person_key = i.person_key AND s.admitted_on < i.on_day + 181 AND s.ends_on > i.on_day - 180
    GROUP BY i.event_id
)
SELECT t.person_key, t.kind, t.event_at, t.age, t.detail, t.ends_at, t.referred_on, t.ae_near::INTEGER AS ae_near,
       t.prev_at, t.prev_group_at, t.prev_detail_at, t.prev_detail_group_at,
       CASE WHEN t.next_ae_at <= t.event_at + INTERVAL 90 DAY THEN t.next_ae_at END AS next_ae_at,
       CASE WHEN t.next_s136_at <= t.event_at + INTERVAL 90 DAY THEN t.next_s136_at END AS next_s136_at,
       CASE WHEN t.next_admission_at <= t.event_at + INTERVAL 90 DAY THEN t.next_admission_at END
           AS next_admission_at,
       CASE WHEN t.next_follow_up_at <= t.event_at + INTERVAL 90 DAY THEN t.next_follow_up_at END
           AS next_follow_up_at,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.before_30 & 1048575, 0)::INTEGER END AS ae_before_30,
       CASE WHEN t.kind <> 'contact' THEN coalesce((t.before_30 >> 20) & 1048575, 0)::INTEGER END AS s136_before_30,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.before_30 >> 40, 0)::INTEGER END AS admissions_before_30,
       CASE WHEN t.kind <> 'contact' THEN coalesce(n.bed_days_before_30, 0)::INTEGER END AS bed_days_before_30,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.after_30 & 1048575, 0)::INTEGER END AS ae_after_30,
       CASE WHEN t.kind <> 'contact' THEN coalesce((t.after_30 >> 20) & 1048575, 0)::INTEGER END AS s136_after_30,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.after_30 >> 40, 0)::INTEGER END AS admissions_after_30,
       CASE WHEN t.kind <> 'contact' THEN coalesce(n.bed_days_after_30, 0)::INTEGER END AS bed_days_after_30,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.before_90 & 1048575, 0)::INTEGER END AS ae_before_90,
       CASE WHEN t.kind <> 'contact' THEN coalesce((t.before_90 >> 20) & 1048575, 0)::INTEGER END AS s136_before_90,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.before_90 >> 40, 0)::INTEGER END AS admissions_before_90,
       CASE WHEN t.kind <> 'contact' THEN coalesce(n.bed_days_before_90, 0)::INTEGER END AS bed_days_before_90,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.after_90 & 1048575, 0)::INTEGER END AS ae_after_90,
       CASE WHEN t.kind <> 'contact' THEN coalesce((t.after_90 >> 20) & 1048575, 0)::INTEGER END AS s136_after_90,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.after_90 >> 40, 0)::INTEGER END AS admissions_after_90,
       CASE WHEN t.kind <> 'contact' THEN coalesce(n.bed_days_after_90, 0)::INTEGER END AS bed_days_after_90,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.before_180 & 1048575, 0)::INTEGER END AS ae_before_180,
       CASE WHEN t.kind <> 'contact' THEN coalesce((t.before_180 >> 20) & 1048575, 0)::INTEGER END AS s136_before_180,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.before_180 >> 40, 0)::INTEGER END AS admissions_before_180,
       CASE WHEN t.kind <> 'contact' THEN coalesce(n.bed_days_before_180, 0)::INTEGER END AS bed_days_before_180,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.after_180 & 1048575, 0)::INTEGER END AS ae_after_180,
       CASE WHEN t.kind <> 'contact' THEN coalesce((t.after_180 >> 20) & 1048575, 0)::INTEGER END AS s136_after_180,
       CASE WHEN t.kind <> 'contact' THEN coalesce(t.after_180 >> 40, 0)::INTEGER END AS admissions_after_180,
       CASE WHEN t.kind <> 'contact' THEN coalesce(n.bed_days_after_180, 0)::INTEGER END AS bed_days_after_180
FROM timeline t LEFT JOIN nights n USING (event_id)
ORDER BY t.kind, t.event_at, t.person_key;
