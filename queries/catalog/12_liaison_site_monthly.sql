-- Liaison referrals by referral month, age and where they came from: the emergency department
-- of the linked A&E attendance (liaison_sites), or acute wards; every column of liaison_monthly,
-- so that liaison_by_period can give one department's figures (the site view).
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
ORDER BY month, age, site;
