-- Staff notifications and broadcasts.

-- When the NCT moves a slot (its time or venue), by a staff command or by a plain SQL
-- UPDATE, every paid applicant of that slot must hear about it. The trigger only queues a
-- job in the same transaction; the worker renders the message in each applicant's language.
CREATE FUNCTION queue_slot_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.starts_at IS DISTINCT FROM OLD.starts_at OR NEW.venue_id IS DISTINCT FROM OLD.venue_id THEN
        INSERT INTO scheduled_jobs (kind, due_at, payload)
        VALUES ('slot_changed', now(), jsonb_build_object('slot_id', NEW.id));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER slots_changed AFTER UPDATE OF starts_at, venue_id ON slots
    FOR EACH ROW EXECUTE FUNCTION queue_slot_changed();

-- A venue's name or address changes every slot held there.
CREATE FUNCTION queue_venue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.name_kk, NEW.name_ru, NEW.address_kk, NEW.address_ru)
        IS DISTINCT FROM (OLD.name_kk, OLD.name_ru, OLD.address_kk, OLD.address_ru) THEN
        INSERT INTO scheduled_jobs (kind, due_at, payload)
        SELECT 'slot_changed', now(), jsonb_build_object('slot_id', s.id)
        FROM slots s WHERE s.venue_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER venues_changed AFTER UPDATE ON venues
    FOR EACH ROW EXECUTE FUNCTION queue_venue_changed();

CREATE TYPE broadcast_status AS ENUM ('sending', 'done');

-- A broadcast: its messages are outbox rows carrying its id; the progress message is
-- edited in place until none is pending.
CREATE TABLE broadcasts (
    id                   BIGSERIAL PRIMARY KEY,
    created_by           BIGINT NOT NULL,
    audience             JSONB NOT NULL,
    text                 TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4096),
    recipients           INT NOT NULL CHECK (recipients >= 0),
    status               broadcast_status NOT NULL DEFAULT 'sending',
    progress_chat_id     BIGINT,
    progress_message_id  INT,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at          TIMESTAMPTZ
);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;
