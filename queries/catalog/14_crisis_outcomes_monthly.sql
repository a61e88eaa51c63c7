-- Crisis entries (A&E attendances, s136 detentions, ward liaison referrals) by anchor month, age
-- and the pathway node they flow to (pathway_flow); entries that lead to an admission (target
-- null) are counted there from the stays themselves, so they have no row here. Admission to an
-- acute (general) ward and police custody are outcomes of their own, not "other".
CREATE TABLE crisis_outcomes_monthly AS
WITH entries AS (
    SELECT date_trunc('month', arrival_at)::DATE AS month, age, 'ae' AS source,
           CASE disposal
               WHEN 'admitted_mh' THEN NULL
               WHEN 'crisis_team' THEN 'community_support'
               WHEN 'community_mh' THEN 'community_support'
               WHEN 'home' THEN 'home'
               WHEN 'left_before_treatment' THEN 'left'
               WHEN 'admitted_acute' THEN 'admitted_acute'
               WHEN 'police_custody' THEN 'police_custody'
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
