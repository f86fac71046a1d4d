-- The hot lookups by applicant («My applications», staff /find), by application (its
-- payments) and by user (the outbox sender marking a user unreachable) had no index to
-- use and read the whole table. (Plain CREATE INDEX: migrations run in a transaction;
-- at ~200,000 rows each takes about a second.)
CREATE INDEX applications_applicant ON applications (applicant_id);
CREATE INDEX payments_application ON payments (application_id);
CREATE INDEX outbox_user_pending ON outbox (telegram_user_id) WHERE status = 'pending';
