-- Participant categories get a short label (a button fits one line on a phone) next to
-- their full official wording, and belong to campaigns: a session offers its own list
-- (January 2027: eight categories), while an older campaign keeps the ones it had.

ALTER TABLE categories
    ADD COLUMN short_kk TEXT CHECK (short_kk IS NULL OR char_length(btrim(short_kk)) BETWEEN 1 AND 40),
    ADD COLUMN short_ru TEXT CHECK (short_ru IS NULL OR char_length(btrim(short_ru)) BETWEEN 1 AND 40);

-- Which categories a campaign offers, in its order. A campaign without rows here offers
-- every category (the behaviour before this table existed).
CREATE TABLE campaign_categories (
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id),
    category_id  SMALLINT NOT NULL REFERENCES categories (id),
    sort_order   SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, category_id)
);

-- Existing campaigns keep exactly the categories they offered until now.
INSERT INTO campaign_categories (campaign_id, category_id, sort_order)
SELECT c.id, cat.id, cat.sort_order FROM campaigns c CROSS JOIN categories cat;
