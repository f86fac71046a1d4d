-- Every update Telegram gave us, stored before it is acknowledged (the webhook answers 200
-- after the commit; long polling confirms an offset only past stored updates). A repeat
-- delivery of the same update_id is a no-op. Handling claims the oldest unhandled update
-- of a chat (`FOR UPDATE SKIP LOCKED`, and none older pending in that chat), so one chat
-- is handled by one process at a time and in order; `handled_at` is set in the same
-- transaction as the chat's dialogue state.
CREATE TABLE inbox (
    update_id    BIGINT PRIMARY KEY,
    chat_id      BIGINT,
    kind         TEXT NOT NULL,
    payload      JSONB NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts     INT NOT NULL DEFAULT 0,
    not_before   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error   TEXT,
    handled_at   TIMESTAMPTZ,
    parked_at    TIMESTAMPTZ
);
CREATE INDEX inbox_pending ON inbox (update_id) WHERE handled_at IS NULL AND parked_at IS NULL;
CREATE INDEX inbox_pending_chat ON inbox (chat_id, update_id) WHERE handled_at IS NULL AND parked_at IS NULL;
CREATE INDEX inbox_parked ON inbox (parked_at) WHERE parked_at IS NOT NULL;
CREATE INDEX inbox_handled ON inbox (handled_at) WHERE handled_at IS NOT NULL;

-- Reference data is cached in every process; a change tells them to reload.
CREATE FUNCTION notify_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('catalog_changed', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER categories_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();
CREATE TRIGGER test_languages_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON test_languages
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();
CREATE TRIGGER subjects_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON subjects
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();
CREATE TRIGGER subject_combinations_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON subject_combinations
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();
CREATE TRIGGER cities_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cities
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();
CREATE TRIGGER venues_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON venues
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();

-- A compare-and-set guard on top of the per-chat claim: a handler that lost its claim can
-- never overwrite a newer state.
ALTER TABLE dialogue_states ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
