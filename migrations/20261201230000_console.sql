-- Staff web console (/console): one-time sign-in links, sessions, refunds marked done.

-- A sign-in link the bot gave a staff member: single use, short-lived, bound to him. The
-- token itself is never stored: only its random id, which the link's HMAC signs together
-- with the staff member and the expiry.
CREATE TABLE console_links (
    id                TEXT PRIMARY KEY,
    telegram_user_id  BIGINT NOT NULL REFERENCES staff (telegram_user_id) ON DELETE CASCADE,
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    used_at           TIMESTAMPTZ,
    CHECK (expires_at > created_at)
);
CREATE INDEX console_links_user ON console_links (telegram_user_id);

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is kept. Removing
-- a staff member (/staff remove) deletes his sessions with him.
CREATE TABLE console_sessions (
    token_hash        TEXT PRIMARY KEY,
    telegram_user_id  BIGINT NOT NULL REFERENCES staff (telegram_user_id) ON DELETE CASCADE,
    csrf_token        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX console_sessions_user ON console_sessions (telegram_user_id);

-- Money to give back (a late payment, a payment for an application withdrawn before the
-- database closed), marked done by staff once the bank returned it.
CREATE TABLE refund_marks (
    payment_id  BIGINT PRIMARY KEY REFERENCES payments (id),
    done_by     BIGINT NOT NULL,
    done_at     TIMESTAMPTZ NOT NULL
);
