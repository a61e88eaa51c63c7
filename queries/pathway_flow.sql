-- The pathway from crisis to recovery, as links between stages, for the Overview Sankey.
-- Returns: source, target, people (one row per link with any activity)
-- Crisis entries (A&E attendances, s136 detentions, ward liaison referrals) in the period
-- flow to their disposal or outcome. Stays admitted in the period enter the ward from their
-- admission source (A&E, s136, other routes), so the "admitted" node balances exactly, and
-- flow on to discharge or are still in hospital at the period end. Stays admitted before the
-- period and discharged in it flow from "admitted_before" to discharge, so "discharged" holds
-- every discharge of the period (the discharges metric), and every one of them flows on to
-- 72-hour follow-up and 30-day readmission (the follow-up and readmission metrics' discharges).
-- Rows come from queries/catalog/: crisis_outcomes_monthly (crisis entries by anchor month,
-- age and target; entries that led to an admission have none) and pathway_stays_monthly (stays
-- by admission month, age, source, discharge month and outcome flags), summed over the period
-- and band. A stay is still in hospital at the period end when it has no discharge month or
-- one at or after $period_end (a month start), so the sums are exact.
WITH crisis AS (
    SELECT source, target, people
    FROM crisis_outcomes_monthly
    WHERE month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
),
stays AS (
    SELECT *
    FROM pathway_stays_monthly
    WHERE month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
),
discharged AS (  -- every stay discharged in the period, whenever it was admitted
    SELECT *
    FROM pathway_stays_monthly
    WHERE discharge_month >= $period_start AND discharge_month < $period_end
      AND age BETWEEN $age_min AND $age_max
),
stay_links AS (
    SELECT source, 'admitted' AS target, stays AS people
    FROM stays
    UNION ALL
    SELECT 'admitted', CASE
        WHEN discharge_month IS NULL OR discharge_month >= $period_end THEN 'still_in_hospital'
        WHEN not_counted THEN 'died_or_transferred'
        ELSE 'discharged' END,
        stays
    FROM stays
    UNION ALL
    SELECT 'admitted_before', CASE WHEN not_counted THEN 'died_or_transferred' ELSE 'discharged' END, stays
    FROM discharged
    WHERE month < $period_start
    UNION ALL
    SELECT 'discharged', CASE WHEN followed_up_72h THEN 'followed_up_72h' ELSE 'not_followed_up_72h' END, stays
    FROM discharged
    WHERE NOT not_counted
    UNION ALL
    SELECT CASE WHEN followed_up_72h THEN 'followed_up_72h' ELSE 'not_followed_up_72h' END,
        'readmitted_30d', stays
    FROM discharged
    WHERE NOT not_counted AND readmitted_30d
)
SELECT source, target, sum(people)::BIGINT AS people
FROM (SELECT * FROM crisis UNION ALL SELECT * FROM stay_links)
GROUP BY ALL
ORDER BY source, target
