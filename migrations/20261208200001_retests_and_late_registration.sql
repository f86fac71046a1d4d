-- The 2026 rules (order No. 204 of 15 March 2026): a participant who missed the test for a
-- valid reason may ask for a retest on a later day of the same session, with documents;
-- and registration after the deadline is allowed for a valid reason, person by person.

CREATE TYPE retest_reason AS ENUM ('illness', 'bereavement', 'olympiad', 'emergency');
-- pending → approved → booked (a new slot taken), or pending → refused.
CREATE TYPE retest_status AS ENUM ('pending', 'approved', 'refused', 'booked');

CREATE TABLE retest_requests (
    id                BIGSERIAL PRIMARY KEY,
    application_id    BIGINT NOT NULL REFERENCES applications (id),
    telegram_user_id  BIGINT NOT NULL REFERENCES telegram_users (id),
    reason            retest_reason NOT NULL,
    status            retest_status NOT NULL DEFAULT 'pending',
    -- The slot he missed; the application moves to new_slot_id when he books.
    missed_slot_id    BIGINT NOT NULL REFERENCES slots (id),
    new_slot_id       BIGINT REFERENCES slots (id),
    -- Why it was refused, in both languages (the applicant reads his own).
    note_kk           TEXT,
    note_ru           TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    decided_at        TIMESTAMPTZ,
    decided_by        BIGINT,
    booked_at         TIMESTAMPTZ,
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK ((status = 'refused') = (note_kk IS NOT NULL AND note_ru IS NOT NULL)),
    CHECK ((status = 'booked') = (new_slot_id IS NOT NULL))
);
-- One retest per registration: a second request while one is pending, approved or used is
-- refused by the index, whatever races.
CREATE UNIQUE INDEX retest_requests_one ON retest_requests (application_id)
    WHERE status IN ('pending', 'approved', 'booked');
CREATE INDEX retest_requests_queue ON retest_requests (created_at) WHERE status = 'pending';
CREATE INDEX retest_requests_user ON retest_requests (telegram_user_id);

-- The documents as Telegram keeps them: the bot stores only their ids and fetches the
-- file through getFile when staff open it.
CREATE TABLE retest_documents (
    request_id      BIGINT NOT NULL REFERENCES retest_requests (id),
    position        SMALLINT NOT NULL CHECK (position BETWEEN 1 AND 5),
    kind            TEXT NOT NULL CHECK (kind IN ('photo', 'pdf')),
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    file_size       BIGINT,
    file_name       TEXT,
    PRIMARY KEY (request_id, position)
);

-- An admin's individual window for an IIN to apply after the campaign's registration closed.
CREATE TABLE late_registrations (
    id           BIGSERIAL PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id),
    iin          CHAR(12) NOT NULL,
    until        TIMESTAMPTZ NOT NULL,
    granted_by   BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX late_registrations_iin ON late_registrations (iin, campaign_id, until);
