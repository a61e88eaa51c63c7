-- liaison_sites: one row per liaison referral linked to an A&E attendance, with its site.
CREATE TABLE liaison_sites AS
SELECT l.referral_id, a.site
FROM liaison_referrals l JOIN ae_attendances a ON a.attendance_id = l.attendance_id
ORDER BY l.referral_id;
