-- How many application wizards each chat has started. A wizard's buttons carry a
-- sequence number that starts at (this count << 32), so a button left on an earlier
-- wizard's message can never match a later wizard's current one.
CREATE TABLE wizard_starts (
    chat_id  BIGINT PRIMARY KEY,
    started  BIGINT NOT NULL CHECK (started > 0)
);
