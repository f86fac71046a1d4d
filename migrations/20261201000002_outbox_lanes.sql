-- Two lanes: transactional messages (payment confirmations, reminders, annulments, seat
-- changes) always go before bulk ones (broadcasts, notices, the evening test-day sweep),
-- so a broadcast to every applicant never makes a payment reminder late.
ALTER TABLE outbox ADD COLUMN lane SMALLINT NOT NULL DEFAULT 0 CHECK (lane IN (0, 1));
UPDATE outbox SET lane = 1 WHERE broadcast_id IS NOT NULL OR dedup_key LIKE 'test-day:%';
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (lane, not_before, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_chat ON outbox (chat_id, id) WHERE status = 'pending';
