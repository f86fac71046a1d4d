-- A broadcast started from a form carries the one-time key the form was given, so the same
-- form sent again (a double click, a resubmitted page, a retry) finds the broadcast it
-- already started instead of starting another. NULL for broadcasts without one.
ALTER TABLE broadcasts ADD COLUMN send_key TEXT UNIQUE;
