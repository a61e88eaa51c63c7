-- person_events: every person's events as one timeline, built once so that no Journeys request
-- joins the extracts (queries/journeys_*.sql follow people through it). Sorted by time, so a
-- query's window skips whole row groups. One row per event:
--   person_key, person_id, kind, event_at, age (at the event), detail, ends_at, referred_on
-- person_key: a whole number per person (queries join people on it: faster than the text id).
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
)
SELECT dense_rank() OVER (ORDER BY person_id)::INTEGER AS person_key, *
FROM events
ORDER BY event_at, person_key, kind;
