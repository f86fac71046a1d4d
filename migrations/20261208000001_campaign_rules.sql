-- Settings the 2026 rules need per session: categories are named by the graduation year
-- («Выпускник школы 2027 года»), and a no-show may ask for a retest within a few days of
-- the missed test (order No. 204 of 15 March 2026).
ALTER TABLE campaigns
    ADD COLUMN graduation_year SMALLINT CHECK (graduation_year BETWEEN 2000 AND 2100),
    ADD COLUMN retest_request_days SMALLINT NOT NULL DEFAULT 3 CHECK (retest_request_days BETWEEN 0 AND 60);

-- A campaign's graduation year, when not given, is the year its tests begin in: the January
-- session registers in December for the school year that ends that summer.
UPDATE campaigns c
SET graduation_year = EXTRACT(YEAR FROM COALESCE(
        (SELECT min(s.starts_at) FROM slots s WHERE s.campaign_id = c.id), c.registration_closes_at))::smallint;
