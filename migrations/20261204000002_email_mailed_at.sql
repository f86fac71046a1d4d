-- A code counts as sent (and starts the resend cooldown) only once the mail server took
-- it: a process that dies between storing a code and mailing it must not leave the
-- applicant waiting for a mail that never comes — the update's re-run mails a new one.
ALTER TABLE email_verifications ADD COLUMN mailed_at TIMESTAMPTZ;
UPDATE email_verifications SET mailed_at = sent_at;
