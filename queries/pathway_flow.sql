-- The pathway from crisis to recovery, as links between stages, for the Overview Sankey.
-- Returns: source, target, people (one row per link with any activity)
-- Crisis entries (A&E attendances, s136 detentions, ward liaison referrals) in the period
-- flow to their disposal or outcome. Stays admitted in the period enter the ward from their
-- admission source (A&E, s136, other routes), so the "admitted" node balances exactly, and
-- flow on to discharge, 72-hour follow-up and 30-day readmission.
WITH ae AS (
    SELECT 'ae' AS source,
           CASE disposal
               WHEN 'admitted_mh' THEN NULL  -- counted below from the stays themselves
               WHEN 'crisis_team' THEN 'community_support'
               WHEN 'community_mh' THEN 'community_support'
               WHEN 'home' THEN 'home'
               WHEN 'left_before_treatment' THEN 'left'
               ELSE 'other_outcome'
           END AS target
    FROM ae_attendances
    WHERE arrival_at >= $period_start AND arrival_at < $period_end AND age BETWEEN $age_min AND $age_max
),
s136 AS (
    SELECT 's136' AS source,
           CASE
               WHEN outcome IN ('admitted_informal', 'admitted_detained') THEN NULL
               WHEN outcome IN ('crisis_team', 'community_mh') THEN 'community_support'
               WHEN outcome = 'no_mh_follow_up' THEN 'home'
               ELSE 'other_outcome'
           END AS target
    FROM s136_detentions
    WHERE detained_at >= $period_start AND detained_at < $period_end AND age BETWEEN $age_min AND $age_max
),
ward_liaison AS (
    SELECT 'ward_liaison' AS source,
           CASE
               WHEN outcome = 'admitted_mh' THEN NULL
               WHEN outcome IN ('crisis_team', 'community_mh') THEN 'community_support'
               WHEN outcome IN ('gp_discharge', 'no_mh_follow_up') THEN 'home'
               ELSE 'other_outcome'
           END AS target
    FROM liaison_referrals
    WHERE source = 'acute_ward' AND referred_at >= $period_start AND referred_at < $period_end
      AND age BETWEEN $age_min AND $age_max
),
stays AS (
    SELECT s.*, o.readmitted_30d AS readmitted,
           coalesce(discharge_destination, '') IN ('died', 'other_hospital') AS not_counted
    FROM inpatient_stays s
    JOIN stay_outcomes o USING (stay_id)
    WHERE admitted_at >= $period_start AND admitted_at < $period_end AND age BETWEEN $age_min AND $age_max
),
stay_links AS (
    SELECT CASE admission_source
               WHEN 'emergency_department' THEN 'ae'
               WHEN 's136' THEN 's136'
               ELSE 'other_route'
           END AS source,
           'admitted' AS target
    FROM stays
    UNION ALL
    SELECT 'admitted', CASE
        WHEN discharged_at IS NULL OR discharged_at >= $period_end THEN 'still_in_hospital'
        WHEN not_counted THEN 'died_or_transferred'
        ELSE 'discharged' END
    FROM stays
    UNION ALL
    SELECT 'discharged', CASE
        WHEN followed_up_at >= discharged_at AND followed_up_at <= discharged_at + INTERVAL 72 HOUR
            THEN 'followed_up_72h' ELSE 'not_followed_up_72h' END
    FROM stays
    WHERE discharged_at < $period_end AND NOT not_counted
    UNION ALL
    SELECT CASE
        WHEN followed_up_at >= discharged_at AND followed_up_at <= discharged_at + INTERVAL 72 HOUR
            THEN 'followed_up_72h' ELSE 'not_followed_up_72h' END,
        'readmitted_30d'
    FROM stays
    WHERE discharged_at < $period_end AND NOT not_counted AND readmitted
)
SELECT source, target, count(*) AS people
FROM (SELECT * FROM ae UNION ALL SELECT * FROM s136 UNION ALL SELECT * FROM ward_liaison
      UNION ALL SELECT * FROM stay_links)
WHERE target IS NOT NULL
GROUP BY ALL
ORDER BY source, target
