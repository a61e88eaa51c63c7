-- Derived tables, built once per data set into the catalog (dashboard/db.py), so that no page
-- request repeats a join across people. Definitions are the data contract's.
--
-- stay_outcomes: one row per stay (stay_id) with
--   readmitted_30d   another stay of the same person (any age band), not of source transfer,
--                    admitted with 0 < admitted_at - discharged_at <= 30 days
--   returned_ae_30d  an A&E attendance of the same person with 0 < arrival_at - discharged_at <= 30 days
-- liaison_sites: one row per liaison referral linked to an A&E attendance, with its site.
CREATE TABLE stay_outcomes AS
WITH discharged AS (
    SELECT stay_id, person_id, discharged_at FROM inpatient_stays WHERE discharged_at IS NOT NULL
),
readmitted AS (
    SELECT DISTINCT d.stay_id
    FROM discharged d JOIN inpatient_stays later USING (person_id)
    WHERE later.admission_source <> 'transfer'
      AND later.admitted_at > d.discharged_at
      AND later.admitted_at <= d.discharged_at + INTERVAL 30 DAY
),
returned AS (
    SELECT DISTINCT d.stay_id
    FROM discharged d JOIN ae_attendances a USING (person_id)
    WHERE a.arrival_at > d.discharged_at
      AND a.arrival_at <= d.discharged_at + INTERVAL 30 DAY
)
SELECT s.stay_id,
       r.stay_id IS NOT NULL AS readmitted_30d,
       x.stay_id IS NOT NULL AS returned_ae_30d
FROM inpatient_stays s
LEFT JOIN readmitted r USING (stay_id)
LEFT JOIN returned x USING (stay_id)
ORDER BY s.stay_id;

CREATE TABLE liaison_sites AS
SELECT l.referral_id, a.site
FROM liaison_referrals l JOIN ae_attendances a ON a.attendance_id = l.attendance_id
ORDER BY l.referral_id;

-- ---------------------------------------------------------------------------------------------
-- Tables shaped for the page queries (queries/*.sql), so that a request over a long period reads
-- a few narrow, sorted rows instead of joining or re-deriving millions. Each holds exactly what
-- the raw extracts give; ids are unique (data contract), so each join below is one row to one.
--
-- Every period starts and ends on the first day of a month and the age band is a BETWEEN on the
-- single year of age, so a count over the events anchored in a period is exactly a sum over
-- (anchor month, age) groups: the *_monthly tables hold those sums (BIGINT, one row per group
-- with any event). Medians are not additive: queries that return one read the narrow sorted
-- copies (ae_times, discharges), whose minutes and nights are computed here with the same
-- expressions the queries used, so values are bit-identical.
-- ---------------------------------------------------------------------------------------------

-- A&E attendances, narrow, sorted by arrival (zone maps prune by period): month = first day of
-- the arrival month, minutes = minutes_between(arrival_at, departure_at), null when not recorded.
CREATE TABLE ae_times AS
SELECT arrival_at, date_trunc('month', arrival_at)::DATE AS month, age, site, presentation, arrival_mode,
       minutes_between(arrival_at, departure_at) AS minutes
FROM ae_attendances
ORDER BY arrival_at;

-- The exact median of A&E minutes in two passes (ae_median_by_period): ae_bins counts the
-- recorded times by arrival month, age and 16-minute bin, which finds the bin holding the
-- middle rank(s) of a bucket; ae_bin_rows, the recorded times sorted by bin, then gives the
-- few rows of those bins (its zone maps skip the rest). bin = floor(minutes / 16).
CREATE TABLE ae_bins AS
SELECT month, age, floor(minutes / 16)::INTEGER AS bin, count(*) AS n
FROM ae_times
WHERE minutes IS NOT NULL
GROUP BY ALL
ORDER BY month, age, bin;

CREATE TABLE ae_bin_rows AS
SELECT floor(minutes / 16)::INTEGER AS bin, month, age, minutes
FROM ae_times
WHERE minutes IS NOT NULL
ORDER BY bin, month;

-- A&E counts by arrival month, age and emergency department (ae_site_counts: the site chart).
CREATE TABLE ae_site_monthly AS
SELECT month, age, site,
       count(*) AS attendances,
       count(minutes) AS departure_recorded,
       count(*) FILTER (WHERE minutes <= 240) AS within_4h,
       count(*) FILTER (WHERE minutes > 720) AS over_12h
FROM ae_times
GROUP BY ALL
ORDER BY month, age, site;

-- The same counts by arrival month and age, all sites (ae_by_period; its median comes from ae_times).
CREATE TABLE ae_monthly AS
SELECT month, age,
       sum(attendances)::BIGINT AS attendances,
       sum(departure_recorded)::BIGINT AS departure_recorded,
       sum(within_4h)::BIGINT AS within_4h,
       sum(over_12h)::BIGINT AS over_12h
FROM ae_site_monthly
GROUP BY ALL
ORDER BY month, age;

-- A&E counts by arrival month, age, weekday (isodow) and hour of arrival.
CREATE TABLE ae_hour_weekday_monthly AS
SELECT date_trunc('month', arrival_at)::DATE AS month, age,
       isodow(arrival_at) AS weekday, hour(arrival_at) AS hour,
       count(*) AS attendances,
       count(departure_at) AS departure_recorded,
       count(*) FILTER (WHERE minutes_between(arrival_at, departure_at) <= 240) AS within_4h
FROM ae_attendances
GROUP BY ALL
ORDER BY month, age, weekday, hour;

-- A&E counts by arrival month, age and presentation or arrival mode (dimension, category).
CREATE TABLE ae_mix_monthly AS
WITH a AS (
    SELECT date_trunc('month', arrival_at)::DATE AS month, age, presentation, arrival_mode, departure_at,
           minutes_between(arrival_at, departure_at) AS minutes
    FROM ae_attendances
)
SELECT month, age, 'presentation' AS dimension, presentation AS category, count(*) AS attendances,
       count(departure_at) AS departure_recorded, count(*) FILTER (WHERE minutes <= 240) AS within_4h
FROM a GROUP BY ALL
UNION ALL
SELECT month, age, 'arrival_mode', arrival_mode, count(*), count(departure_at),
       count(*) FILTER (WHERE minutes <= 240)
FROM a GROUP BY ALL
ORDER BY month, age;

-- Liaison referrals by referral month and age, with every column of liaison_by_period.
CREATE TABLE liaison_monthly AS
WITH r AS (
    SELECT referred_at, age, urgency, minutes_between(referred_at, assessed_at) AS minutes
    FROM liaison_referrals
)
SELECT
    date_trunc('month', referred_at)::DATE AS month, age,
    count(*) AS referrals,
    count(*) FILTER (WHERE urgency = 'emergency') AS emergency,
    count(minutes) FILTER (WHERE urgency = 'emergency') AS emergency_assessed,
    count(*) FILTER (WHERE urgency = 'emergency' AND minutes <= 60) AS emergency_within_1h,
    count(*) FILTER (WHERE urgency = 'emergency' AND minutes IS NULL) AS emergency_not_recorded,
    count(*) FILTER (WHERE urgency = 'urgent') AS urgent,
    count(minutes) FILTER (WHERE urgency = 'urgent') AS urgent_assessed,
    count(*) FILTER (WHERE urgency = 'urgent' AND minutes <= 1440) AS urgent_within_24h,
    count(*) FILTER (WHERE urgency = 'urgent' AND minutes IS NULL) AS urgent_not_recorded
FROM r
GROUP BY ALL
ORDER BY month, age;

-- Liaison referrals by referral month, age and hour of referral.
CREATE TABLE liaison_hour_monthly AS
SELECT date_trunc('month', referred_at)::DATE AS month, age, hour(referred_at) AS hour,
       count(*) AS referrals,
       count(assessed_at) FILTER (WHERE urgency = 'emergency') AS emergency_assessed,
       count(*) FILTER (WHERE urgency = 'emergency'
                        AND minutes_between(referred_at, assessed_at) <= 60) AS emergency_within_1h
FROM liaison_referrals
GROUP BY ALL
ORDER BY month, age, hour;

-- Liaison referrals by referral month, age and where they came from: the emergency department
-- of the linked A&E attendance (liaison_sites), or acute wards.
CREATE TABLE liaison_site_monthly AS
WITH r AS (
    SELECT l.referred_at, l.age,
           coalesce(a.site, CASE WHEN l.source = 'acute_ward' THEN 'Acute wards' ELSE 'A&E (site not linked)' END) AS site,
           l.urgency, minutes_between(l.referred_at, l.assessed_at) AS minutes
    FROM liaison_referrals l
    LEFT JOIN liaison_sites a USING (referral_id)
)
SELECT date_trunc('month', referred_at)::DATE AS month, age, site,
       count(*) AS referrals,
       count(minutes) FILTER (WHERE urgency = 'emergency') AS emergency_assessed,
       count(*) FILTER (WHERE urgency = 'emergency' AND minutes <= 60) AS emergency_within_1h,
       count(minutes) FILTER (WHERE urgency = 'urgent') AS urgent_assessed,
       count(*) FILTER (WHERE urgency = 'urgent' AND minutes <= 1440) AS urgent_within_24h
FROM r
GROUP BY ALL
ORDER BY month, age, site;

-- Section 136 counts by detention month and age (s136_by_period; its median is
-- s136_median_by_period, from the detentions). minutes = minutes_between(detained_at, ended_at).
CREATE TABLE s136_monthly AS
WITH d AS (
    SELECT *, minutes_between(detained_at, ended_at) AS minutes
    FROM s136_detentions
)
SELECT date_trunc('month', detained_at)::DATE AS month, age,
       count(*) AS detentions,
       count(*) FILTER (WHERE place_of_safety = 'health_based') AS health_based,
       count(*) FILTER (WHERE place_of_safety = 'emergency_department') AS emergency_department,
       count(*) FILTER (WHERE place_of_safety = 'police_custody') AS police_custody,
       count(*) FILTER (WHERE place_of_safety = 'other') AS other_place,
       count(*) FILTER (WHERE place_of_safety = 'police_custody' AND age < 18) AS under18_custody,
       count(*) FILTER (WHERE conveyance = 'ambulance') AS ambulance,
       count(*) FILTER (WHERE conveyance = 'police_vehicle') AS police_vehicle,
       count(*) FILTER (WHERE conveyance = 'other') AS other_conveyance,
       count(minutes) AS ended_recorded,
       count(*) FILTER (WHERE minutes > CASE WHEN extended THEN 36 * 60 ELSE 24 * 60 END) AS over_limit,
       count(outcome) AS with_outcome,
       count(*) FILTER (WHERE outcome IN ('admitted_informal', 'admitted_detained')) AS admitted,
       count(*) FILTER (WHERE outcome = 'no_mh_follow_up') AS no_mh_follow_up,
       count(*) FILTER (WHERE intoxicated) AS intoxicated
FROM d
GROUP BY ALL
ORDER BY month, age;

-- Crisis entries (A&E attendances, s136 detentions, ward liaison referrals) by anchor month, age
-- and the pathway node they flow to (pathway_flow); entries that lead to an admission (target
-- null) are counted there from the stays themselves, so they have no row here.
CREATE TABLE crisis_outcomes_monthly AS
WITH entries AS (
    SELECT date_trunc('month', arrival_at)::DATE AS month, age, 'ae' AS source,
           CASE disposal
               WHEN 'admitted_mh' THEN NULL
               WHEN 'crisis_team' THEN 'community_support'
               WHEN 'community_mh' THEN 'community_support'
               WHEN 'home' THEN 'home'
               WHEN 'left_before_treatment' THEN 'left'
               ELSE 'other_outcome'
           END AS target
    FROM ae_attendances
    UNION ALL
    SELECT date_trunc('month', detained_at)::DATE, age, 's136',
           CASE
               WHEN outcome IN ('admitted_informal', 'admitted_detained') THEN NULL
               WHEN outcome IN ('crisis_team', 'community_mh') THEN 'community_support'
               WHEN outcome = 'no_mh_follow_up' THEN 'home'
               ELSE 'other_outcome'
           END
    FROM s136_detentions
    UNION ALL
    SELECT date_trunc('month', referred_at)::DATE, age, 'ward_liaison',
           CASE
               WHEN outcome = 'admitted_mh' THEN NULL
               WHEN outcome IN ('crisis_team', 'community_mh') THEN 'community_support'
               WHEN outcome IN ('gp_discharge', 'no_mh_follow_up') THEN 'home'
               ELSE 'other_outcome'
           END
    FROM liaison_referrals
    WHERE source = 'acute_ward'
)
SELECT month, age, source, target, count(*) AS people
FROM entries
WHERE target IS NOT NULL
GROUP BY ALL
ORDER BY month, age;

-- Ward stays by admission month and age with what became of them (pathway_flow):
-- source (ae, s136, other_route), discharge_month (first day of the month of discharged_at,
-- null while in hospital), not_counted (destination died or other_hospital),
-- followed_up_72h (discharged_at <= followed_up_at <= discharged_at + 72 hours),
-- readmitted_30d (stay_outcomes), stays.
CREATE TABLE pathway_stays_monthly AS
SELECT date_trunc('month', s.admitted_at)::DATE AS month, s.age,
       CASE s.admission_source
           WHEN 'emergency_department' THEN 'ae'
           WHEN 's136' THEN 's136'
           ELSE 'other_route'
       END AS source,
       date_trunc('month', s.discharged_at)::DATE AS discharge_month,
       coalesce(s.discharge_destination, '') IN ('died', 'other_hospital') AS not_counted,
       coalesce(s.followed_up_at >= s.discharged_at
                AND s.followed_up_at <= s.discharged_at + INTERVAL 72 HOUR, false) AS followed_up_72h,
       o.readmitted_30d,
       count(*) AS stays
FROM inpatient_stays s
JOIN stay_outcomes o USING (stay_id)
GROUP BY ALL
ORDER BY month, age;

-- Discharged ward stays, narrow, sorted by discharge (zone maps prune by period), with
-- stay_outcomes' readmitted_30d and returned_ae_30d, counted (destination not died or
-- other_hospital), followed_up_72h (as discharges_by_period), los_nights
-- (discharged_at::date - admitted_at::date) and followup_minutes
-- (minutes_between(discharged_at, followed_up_at)).
CREATE TABLE discharges AS
SELECT s.discharged_at, date_trunc('month', s.discharged_at)::DATE AS month, s.age, s.ward_type,
       s.discharge_destination, s.followed_up_at,
       coalesce(s.discharge_destination, '') NOT IN ('died', 'other_hospital') AS counted,
       coalesce(s.followed_up_at >= s.discharged_at
                AND s.followed_up_at <= s.discharged_at + INTERVAL 72 HOUR, false) AS followed_up_72h,
       date_diff('day', s.admitted_at::DATE, s.discharged_at::DATE) AS los_nights,
       minutes_between(s.discharged_at, s.followed_up_at) AS followup_minutes,
       o.readmitted_30d, o.returned_ae_30d
FROM inpatient_stays s
JOIN stay_outcomes o USING (stay_id)
WHERE s.discharged_at IS NOT NULL
ORDER BY s.discharged_at;

-- Discharge counts by discharge month and age (discharges_by_period; its median length of stay
-- is discharges_median_by_period, from discharges).
CREATE TABLE discharges_monthly AS
SELECT month, age,
       count(*) AS stays_discharged,
       count(*) FILTER (WHERE counted) AS discharges,
       count(*) FILTER (WHERE counted AND followed_up_72h) AS followed_up_72h,
       count(*) FILTER (WHERE counted AND readmitted_30d) AS readmitted_30d,
       count(*) FILTER (WHERE counted AND returned_ae_30d) AS returned_ae_30d
FROM discharges
GROUP BY ALL
ORDER BY month, age;

-- Occupied bed nights (nights d with admitted_at::date <= d < discharged_at::date) of stays
-- discharged at least one night after admission, by month of the night, age and ward: the sum over
-- a period's months is the nights in the period. ward and ward_type are as delays_by_ward labels
-- them ('out_of_area' for out-of-area stays). Every other stay (still in hospital, discharged
-- on its admission day or before it) is in stays_unbounded, for the queries to count themselves.
CREATE TABLE ward_nights_monthly AS
WITH stays AS (
    SELECT age, out_of_area,
           CASE WHEN out_of_area THEN 'out_of_area' ELSE ward END AS ward,
           CASE WHEN out_of_area THEN 'out_of_area' ELSE ward_type END AS ward_type,
           admitted_at::DATE AS first_night, discharged_at::DATE AS night_stop
    FROM inpatient_stays
    WHERE discharged_at::DATE > admitted_at::DATE
),
months AS (
    SELECT *, unnest(generate_series(date_trunc('month', first_night), date_trunc('month', night_stop - 1),
                                     INTERVAL 1 MONTH))::DATE AS month
    FROM stays
)
SELECT month, age, out_of_area, ward, ward_type,
       sum(date_diff('day', greatest(first_night, month), least(night_stop, (month + INTERVAL 1 MONTH)::DATE)))
           AS nights
FROM months
GROUP BY ALL
ORDER BY month, age;

-- The same by month and age only (bed_days_by_period).
CREATE TABLE bed_nights_monthly AS
SELECT month, age, out_of_area, sum(nights) AS nights
FROM ward_nights_monthly
GROUP BY ALL
ORDER BY month, age;

-- Stays not in ward_nights_monthly: still in hospital, or discharged on (or before) the admission day.
CREATE TABLE stays_unbounded AS
SELECT age, out_of_area, admitted_at, discharged_at,
       CASE WHEN out_of_area THEN 'out_of_area' ELSE ward END AS ward,
       CASE WHEN out_of_area THEN 'out_of_area' ELSE ward_type END AS ward_type
FROM inpatient_stays
WHERE discharged_at IS NULL OR discharged_at::DATE <= admitted_at::DATE
ORDER BY admitted_at;

-- Delayed transfers with the ward of their stay, labelled as delays_by_ward labels it
-- ('out_of_area' for out-of-area stays, 'not_known' where the stay is not in the extract).
CREATE TABLE delay_wards AS
SELECT d.delay_start, d.delay_end, d.age,
       coalesce(CASE WHEN s.out_of_area THEN 'out_of_area' ELSE s.ward END, 'not_known') AS ward,
       coalesce(CASE WHEN s.out_of_area THEN 'out_of_area' ELSE s.ward_type END, 'not_known') AS ward_type
FROM delayed_transfers d
LEFT JOIN inpatient_stays s USING (stay_id)
ORDER BY d.delay_start;
