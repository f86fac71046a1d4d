-- What a session file (sessions/*.toml, `ent-bot session apply`) sets beyond the first
-- schema: the test period and the payment reminders of a campaign, and the regions that
-- group localities (the wizard asks the region first when a campaign has many localities).

ALTER TABLE campaigns
    ADD COLUMN tests_from DATE,
    ADD COLUMN tests_until DATE,
    -- Minutes left before the payment deadline; NULL keeps PAYMENT_REMINDER_MINUTES.
    ADD COLUMN reminders_minutes_left INT[],
    ADD CONSTRAINT campaigns_test_period CHECK (tests_until >= tests_from),
    ADD CONSTRAINT campaigns_reminders CHECK (0 < ALL (reminders_minutes_left));

-- The 17 oblasts and the 3 cities of republican significance.
CREATE TABLE regions (
    id          SERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_kk     TEXT NOT NULL CHECK (btrim(name_kk) <> ''),
    name_ru     TEXT NOT NULL CHECK (btrim(name_ru) <> ''),
    sort_order  SMALLINT NOT NULL DEFAULT 0
);
CREATE TRIGGER regions_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON regions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();

-- Cities loaded before regions existed have none; the wizard then never asks for one.
ALTER TABLE cities ADD COLUMN region_id INT REFERENCES regions (id);
CREATE INDEX cities_region ON cities (region_id);
