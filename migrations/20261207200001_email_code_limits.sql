-- Every confirmation code handed to the mail server, for the hourly caps on codes mailed per
-- account and per address (security review finding 3: a voided code's row used to be deleted,
-- so "send again" mailed at once and an address could be mail-bombed). The pending code
-- itself stays in email_verifications, now kept when it is used up or expires, so its
-- sent_at goes on holding the 60-second cooldown. Rows older than a day count for no cap
-- and are pruned.
CREATE TABLE email_code_sends (
    id                BIGSERIAL PRIMARY KEY,
    telegram_user_id  BIGINT NOT NULL,
    email             TEXT NOT NULL,
    sent_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX email_code_sends_by_user ON email_code_sends (telegram_user_id, sent_at);
CREATE INDEX email_code_sends_by_email ON email_code_sends (email, sent_at);
CREATE INDEX email_code_sends_by_time ON email_code_sends (sent_at);
