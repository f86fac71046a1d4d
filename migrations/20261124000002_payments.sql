-- Payments, due jobs and the outbox: what the payment flow and the two workers need on
-- top of the initial schema.

-- The card gateway's link, kept so that choosing the card again shows the same page
-- instead of creating a second gateway order.
ALTER TABLE payments ADD COLUMN payment_url TEXT;

-- Choosing a method again reuses its pending payment, even when two taps race.
CREATE UNIQUE INDEX payments_one_pending ON payments (application_id, method) WHERE status = 'pending';

-- Late payments are money to give back: staff list them.
CREATE INDEX payments_late ON payments (updated_at) WHERE status = 'late';

-- The sender leases rows while it sends them, so a crashed sender's rows come back and
-- two senders never take the same row. Wall-clock time: it measures process liveness,
-- not a rule.
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMPTZ;

-- The sender takes only the oldest pending message of each chat (order and per-chat pace).
CREATE INDEX outbox_chat_pending ON outbox (chat_id, id) WHERE status = 'pending';

-- Wake-ups for the workers. Per statement, so a broadcast inserting thousands of rows
-- wakes the sender once; delivered at commit, so a worker never sees an uncommitted row.
CREATE FUNCTION notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jobs', '');
    RETURN NULL;
END $$;

CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END $$;

CREATE TRIGGER scheduled_jobs_notify AFTER INSERT ON scheduled_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION notify_jobs();

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox();
