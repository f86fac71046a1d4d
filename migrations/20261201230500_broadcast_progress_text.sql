-- Broadcast progress is edited only when its text changes: the text last put in the staff
-- member's message is kept here (shared by every process), claimed before each edit. The
-- final report is retried until it is in place (`reported_at`).
ALTER TABLE broadcasts
    ADD COLUMN progress_text TEXT,
    ADD COLUMN progress_edited_at TIMESTAMPTZ,
    ADD COLUMN reported_at TIMESTAMPTZ;
UPDATE broadcasts SET reported_at = coalesce(finished_at, now()) WHERE status = 'done';
