-- Liaison referrals by where they came from: the emergency department of the linked A&E
-- attendance, or acute wards. Returns: site, referrals, emergency_assessed, emergency_within_1h,
-- urgent_assessed, urgent_within_24h
WITH r AS (
    SELECT coalesce(a.site, CASE WHEN l.source = 'acute_ward' THEN 'Acute wards' ELSE 'A&E (site not linked)' END) AS site,
           l.urgency, minutes_between(l.referred_at, l.assessed_at) AS minutes
    FROM liaison_referrals l
    LEFT JOIN liaison_sites a USING (referral_id)
    WHERE l.referred_at >= $period_start AND l.referred_at < $period_end AND l.age BETWEEN $age_min AND $age_max
)
SELECT site, count(*) AS referrals,
       count(minutes) FILTER (WHERE urgency = 'emergency') AS emergency_assessed,
       count(*) FILTER (WHERE urgency = 'emergency' AND minutes <= 60) AS emergency_within_1h,
       count(minutes) FILTER (WHERE urgency = 'urgent') AS urgent_assessed,
       count(*) FILTER (WHERE urgency = 'urgent' AND minutes <= 1440) AS urgent_within_24h
FROM r
GROUP BY site
ORDER BY site
