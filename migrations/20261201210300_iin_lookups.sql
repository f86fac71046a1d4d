-- IIN lookups per account (a lookup shows the registry's full name): an account gets a
-- few an hour. Only when each happened is kept, never the IIN; rows older than the
-- window are deleted as new ones are written.
CREATE TABLE iin_lookups (
    id                BIGSERIAL PRIMARY KEY,
    telegram_user_id  BIGINT NOT NULL REFERENCES telegram_users (id),
    looked_up_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX iin_lookups_recent ON iin_lookups (telegram_user_id, looked_up_at);
