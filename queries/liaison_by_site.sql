-- Liaison referrals by where they came from: the emergency department of the linked A&E
-- attendance, or acute wards. Returns: site, referrals, emergency_assessed, emergency_within_1h,
-- urgent_assessed, urgent_within_24h
-- Rows come from liaison_site_monthly (queries/catalog/): the counts by referral month, age
-- and site, summed over the period's months and the age band.
SELECT site,
       sum(referrals)::BIGINT AS referrals,
       sum(emergency_assessed)::BIGINT AS emergency_assessed,
       sum(emergency_within_1h)::BIGINT AS emergency_within_1h,
       sum(urgent_assessed)::BIGINT AS urgent_assessed,
       sum(urgent_within_24h)::BIGINT AS urgent_within_24h
FROM liaison_site_monthly
WHERE month >= $period_start AND month < $period_end AND age BETWEEN $age_min AND $age_max
GROUP BY site
ORDER BY site
