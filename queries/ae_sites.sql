-- The emergency departments in the data: the sites a site view may choose (URL ?site=...).
-- Returns: site, in name order
-- Rows come from ae_site_monthly (queries/catalog/): one row per month, age and site.
SELECT DISTINCT site
FROM ae_site_monthly
ORDER BY site
