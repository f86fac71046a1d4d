-- The outbox sender skips the queued messages of users who blocked the bot on every pass;
-- with ~200,000 users a sequential scan of telegram_users per pass adds up.
CREATE INDEX telegram_users_unreachable ON telegram_users (id) WHERE unreachable;
