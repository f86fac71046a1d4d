-- ent-bot schema. The database refuses invalid states on its own: enums, checks,
-- foreign keys and partial unique indexes back every rule the code relies on.

CREATE TYPE locale AS ENUM ('kk', 'ru');

-- Everyone who ever wrote to the bot.
CREATE TABLE telegram_users (
    id               BIGINT PRIMARY KEY,
    chat_id          BIGINT NOT NULL,
    first_name       TEXT NOT NULL DEFAULT '',
    username         TEXT,
    locale           locale,
    unreachable      BOOLEAN NOT NULL DEFAULT FALSE,
    unreachable_at   TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The person registry the IIN is looked up in (imported from the state registry extract).
CREATE TABLE persons (
    iin         CHAR(12) PRIMARY KEY CHECK (iin ~ '^[0-9]{12}$'),
    last_name   TEXT NOT NULL CHECK (btrim(last_name) <> ''),
    first_name  TEXT NOT NULL CHECK (btrim(first_name) <> ''),
    patronymic  TEXT CHECK (patronymic IS NULL OR btrim(patronymic) <> ''),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- An applicant is a Telegram account going through onboarding; one IIN, one account.
CREATE TABLE applicants (
    id                 BIGSERIAL PRIMARY KEY,
    telegram_user_id   BIGINT NOT NULL UNIQUE REFERENCES telegram_users (id),
    email              TEXT CHECK (email IS NULL OR (email = lower(email) AND email LIKE '%_@_%')),
    email_verified_at  TIMESTAMPTZ,
    iin                CHAR(12) UNIQUE REFERENCES persons (iin),
    full_name          TEXT,
    birth_date         DATE,
    phone              TEXT CHECK (phone IS NULL OR phone ~ '^\+77[0-9]{9}$'),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((email IS NULL) = (email_verified_at IS NULL)),
    CHECK ((iin IS NULL) = (full_name IS NULL) AND (iin IS NULL) = (birth_date IS NULL))
);

-- One pending email confirmation per Telegram account; only a hash of the code is kept.
CREATE TABLE email_verifications (
    telegram_user_id  BIGINT PRIMARY KEY REFERENCES telegram_users (id),
    email             TEXT NOT NULL CHECK (email = lower(email)),
    code_hash         TEXT NOT NULL,
    attempts          INT NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 5),
    sent_at           TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    CHECK (expires_at > sent_at)
);

CREATE TABLE campaigns (
    id                       BIGSERIAL PRIMARY KEY,
    code                     TEXT NOT NULL UNIQUE,
    name_kk                  TEXT NOT NULL,
    name_ru                  TEXT NOT NULL,
    registration_opens_at    TIMESTAMPTZ NOT NULL,
    registration_closes_at   TIMESTAMPTZ NOT NULL,
    -- Set by /closedb (or planned ahead); after it no edits and no refunds.
    database_closed_at       TIMESTAMPTZ,
    fee_tenge                INT NOT NULL CHECK (fee_tenge > 0),
    payment_window_minutes   INT NOT NULL DEFAULT 60 CHECK (payment_window_minutes BETWEEN 1 AND 1440),
    created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (registration_closes_at > registration_opens_at)
);

CREATE TABLE categories (
    id          SMALLSERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_kk     TEXT NOT NULL,
    name_ru     TEXT NOT NULL,
    sort_order  SMALLINT NOT NULL DEFAULT 0
);

CREATE TABLE subjects (
    id       SMALLSERIAL PRIMARY KEY,
    code     TEXT NOT NULL UNIQUE,
    name_kk  TEXT NOT NULL,
    name_ru  TEXT NOT NULL
);

-- Two profile subjects, or one (the creative exam).
CREATE TABLE subject_combinations (
    id                 SMALLSERIAL PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    first_subject_id   SMALLINT NOT NULL REFERENCES subjects (id),
    second_subject_id  SMALLINT REFERENCES subjects (id),
    sort_order         SMALLINT NOT NULL DEFAULT 0,
    CHECK (second_subject_id IS NULL OR second_subject_id <> first_subject_id)
);
CREATE UNIQUE INDEX subject_combinations_pair
    ON subject_combinations (first_subject_id, COALESCE(second_subject_id, 0));

CREATE TABLE test_languages (
    code        TEXT PRIMARY KEY CHECK (code ~ '^[a-z]{2}$'),
    name_kk     TEXT NOT NULL,
    name_ru     TEXT NOT NULL,
    sort_order  SMALLINT NOT NULL DEFAULT 0
);

CREATE TABLE cities (
    id          SERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_kk     TEXT NOT NULL,
    name_ru     TEXT NOT NULL,
    sort_order  SMALLINT NOT NULL DEFAULT 0
);

CREATE TABLE venues (
    id          SERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    city_id     INT NOT NULL REFERENCES cities (id),
    name_kk     TEXT NOT NULL,
    name_ru     TEXT NOT NULL,
    address_kk  TEXT NOT NULL,
    address_ru  TEXT NOT NULL
);

CREATE TABLE slots (
    id           BIGSERIAL PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id),
    venue_id     INT NOT NULL REFERENCES venues (id),
    starts_at    TIMESTAMPTZ NOT NULL,
    capacity     INT NOT NULL CHECK (capacity > 0),
    booked       INT NOT NULL DEFAULT 0,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (booked BETWEEN 0 AND capacity),
    UNIQUE (campaign_id, venue_id, starts_at)
);
CREATE INDEX slots_free ON slots (campaign_id, venue_id, starts_at) WHERE booked < capacity;

CREATE TYPE application_status AS ENUM (
    'awaiting_payment', 'paid', 'annulled', 'cancelled', 'withdrawn', 'no_show'
);

CREATE TABLE applications (
    id                BIGSERIAL PRIMARY KEY,
    applicant_id      BIGINT NOT NULL REFERENCES applicants (id),
    campaign_id       BIGINT NOT NULL REFERENCES campaigns (id),
    category_id       SMALLINT NOT NULL REFERENCES categories (id),
    test_language     TEXT NOT NULL REFERENCES test_languages (code),
    combination_id    SMALLINT NOT NULL REFERENCES subject_combinations (id),
    slot_id           BIGINT NOT NULL REFERENCES slots (id),
    status            application_status NOT NULL DEFAULT 'awaiting_payment',
    payment_deadline  TIMESTAMPTZ NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    paid_at           TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'paid') <= (paid_at IS NOT NULL))
);
-- At most one live application per applicant and campaign; a no-show keeps blocking
-- a new one in the same campaign (instruction §5).
CREATE UNIQUE INDEX applications_one_active
    ON applications (applicant_id, campaign_id)
    WHERE status IN ('awaiting_payment', 'paid', 'no_show');
CREATE INDEX applications_slot ON applications (slot_id) WHERE status IN ('awaiting_payment', 'paid', 'no_show');

CREATE TYPE payment_method AS ENUM ('card', 'kaspi');
CREATE TYPE payment_status AS ENUM ('pending', 'paid', 'failed', 'late', 'cancelled');

CREATE TABLE payments (
    id               BIGSERIAL PRIMARY KEY,
    application_id   BIGINT NOT NULL REFERENCES applications (id),
    order_number     TEXT NOT NULL UNIQUE CHECK (order_number ~ '^[0-9]{10,12}$'),
    method           payment_method NOT NULL,
    amount_tenge     INT NOT NULL CHECK (amount_tenge > 0),
    status           payment_status NOT NULL DEFAULT 'pending',
    provider_txn_id  TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    paid_at          TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (method, provider_txn_id)
);
CREATE UNIQUE INDEX payments_one_paid ON payments (application_id) WHERE status = 'paid';

-- Every callback a provider made, keyed for idempotency: a repeat gets the first answer.
CREATE TABLE payment_callbacks (
    id           BIGSERIAL PRIMARY KEY,
    provider     payment_method NOT NULL,
    command      TEXT NOT NULL,
    txn_id       TEXT NOT NULL,
    request      JSONB NOT NULL,
    response     JSONB NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (provider, command, txn_id)
);

CREATE TYPE job_status AS ENUM ('pending', 'done', 'cancelled', 'failed');

-- Work that must happen later, written in the same transaction as its cause.
CREATE TABLE scheduled_jobs (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    application_id  BIGINT REFERENCES applications (id),
    payload         JSONB NOT NULL DEFAULT '{}',
    due_at          TIMESTAMPTZ NOT NULL,
    status          job_status NOT NULL DEFAULT 'pending',
    attempts        INT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ
);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (due_at) WHERE status = 'pending';
CREATE INDEX scheduled_jobs_application ON scheduled_jobs (application_id) WHERE status = 'pending';

CREATE TYPE outbox_status AS ENUM ('pending', 'sent', 'failed', 'skipped');

-- Every message the system sends on its own; drained by the sender worker under the rate limits.
CREATE TABLE outbox (
    id                   BIGSERIAL PRIMARY KEY,
    telegram_user_id     BIGINT NOT NULL REFERENCES telegram_users (id),
    chat_id              BIGINT NOT NULL,
    text                 TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4096),
    reply_markup         JSONB,
    dedup_key            TEXT UNIQUE,
    broadcast_id         BIGINT,
    status               outbox_status NOT NULL DEFAULT 'pending',
    attempts             INT NOT NULL DEFAULT 0,
    not_before           TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error           TEXT,
    telegram_message_id  BIGINT,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at              TIMESTAMPTZ
);
CREATE INDEX outbox_pending ON outbox (not_before, id) WHERE status = 'pending';

CREATE TYPE staff_role AS ENUM ('admin', 'operator');

CREATE TABLE staff (
    telegram_user_id  BIGINT PRIMARY KEY,
    role              staff_role NOT NULL,
    added_by          BIGINT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    actor_id    BIGINT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT,
    details     JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- teloxide dialogue state, one row per chat (see db::dialogue).
CREATE TABLE dialogue_states (
    chat_id     BIGINT PRIMARY KEY,
    state       JSONB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
