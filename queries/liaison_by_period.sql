-- Liaison psychiatry referrals, one row per trend bucket.
-- Returns: bucket, referrals, emergency, emergency_assessed, emergency_within_1h,
--          emergency_not_recorded, urgent, urgent_assessed, urgent_within_24h, urgent_not_recorded
-- "assessed" = assessed_at recorded; response targets: emergency <= 60 min, urgent <= 1440 min.
-- Rows come from liaison_monthly (queries/catalog/): the same counts by referral month and
-- age, summed over the bucket's months and the age band; for one emergency department ($site,
-- the site view; '' = every source) from liaison_site_monthly, its referrals only.
WITH counts AS (
    SELECT month, referrals, emergency, emergency_assessed, emergency_within_1h, emergency_not_recorded,
           urgent, urgent_assessed, urgent_within_24h, urgent_not_recorded
    FROM liaison_monthly
    WHERE $site = '' AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
    UNION ALL
    SELECT month, referrals, emergency, emergency_assessed, emergency_within_1h, emergency_not_recorded,
           urgent, urgent_assessed, urgent_within_24h, urgent_not_recorded
    FROM liaison_site_monthly
    WHERE site = $site AND month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
)
SELECT
    bucket_start(month, $grain, $period_start) AS bucket,
    sum(referrals)::BIGINT AS referrals,
    sum(emergency)::BIGINT AS emergency,
    sum(emergency_assessed)::BIGINT AS emergency_assessed,
    sum(emergency_within_1h)::BIGINT AS emergency_within_1h,
    sum(emergency_not_recorded)::BIGINT AS emergency_not_recorded,
    sum(urgent)::BIGINT AS urgent,
    sum(urgent_assessed)::BIGINT AS urgent_assessed,
    sum(urgent_within_24h)::BIGINT AS urgent_within_24h,
    sum(urgent_not_recorded)::BIGINT AS urgent_not_recorded
FROM counts
GROUP BY ALL
ORDER BY bucket
