-- Security review findings 6 and 17: support's re-bind queue, the per-IIN lookup limit,
-- and the index the cap on unpaid holds counts with.

-- An applicant who finds his IIN bound to another account asks support to re-bind it.
-- Staff resolve a request by re-binding (services::identity::rebind) or by refusing it.
CREATE TYPE rebind_request_status AS ENUM ('open', 'rebound', 'refused');

CREATE TABLE rebind_requests (
    id                BIGSERIAL PRIMARY KEY,
    telegram_user_id  BIGINT NOT NULL REFERENCES telegram_users (id),
    iin               TEXT NOT NULL CHECK (iin ~ '^[0-9]{12}$'),
    -- How support reaches him: his verified email, and his phone if he shared it.
    email             TEXT,
    phone             TEXT CHECK (phone IS NULL OR phone ~ '^\+77[0-9]{9}$'),
    status            rebind_request_status NOT NULL DEFAULT 'open',
    created_at        TIMESTAMPTZ NOT NULL,
    resolved_at       TIMESTAMPTZ,
    resolved_by       BIGINT,
    note              TEXT,
    CHECK ((status = 'open') = (resolved_at IS NULL))
);
-- Pressing the button twice records one request.
CREATE UNIQUE INDEX rebind_requests_one_open ON rebind_requests (telegram_user_id, iin) WHERE status = 'open';
CREATE INDEX rebind_requests_open ON rebind_requests (created_at, id) WHERE status = 'open';

-- Which accounts looked an IIN up in the last hour: an IIN shows its owner's name to at most
-- a few accounts an hour. The IIN is kept as a SHA-256 digest and every row is deleted once
-- it is an hour old.
CREATE TABLE iin_lookup_accounts (
    iin_digest        BYTEA NOT NULL,
    telegram_user_id  BIGINT NOT NULL,
    looked_up_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (iin_digest, telegram_user_id)
);
CREATE INDEX iin_lookup_accounts_at ON iin_lookup_accounts (looked_up_at);

-- Unpaid holds of an applicant in the last day (HOLDS_PER_DAY), counted at each booking.
CREATE INDEX applications_unpaid_holds ON applications (applicant_id, created_at) WHERE paid_at IS NULL;
