-- More read models written once, so that the statements using them stay static
-- (compile-checked) instead of being assembled with format!.

-- A slot as the staff console lists it: where, when, how full, how many hold a paid seat.
CREATE VIEW slot_rows AS
SELECT s.id, s.campaign_id, v.id AS venue_id, v.code AS venue_code, ARRAY[v.name_kk, v.name_ru] AS venue,
       ci.id AS city_id, ci.sort_order AS city_sort_order, ARRAY[ci.name_kk, ci.name_ru] AS city,
       s.starts_at, s.capacity, s.booked,
       (SELECT count(*) FROM applications a WHERE a.slot_id = s.id AND a.status = 'paid') AS paid
FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities ci ON ci.id = v.city_id;

-- A participant category as applicants choose it: the short button label (its wording when
-- stored without one) and the full official wording, {kk, ru}.
CREATE VIEW category_options AS
SELECT c.id, c.sort_order,
       ARRAY[COALESCE(c.short_kk, c.name_kk), COALESCE(c.short_ru, c.name_ru)] AS short,
       ARRAY[c.name_kk, c.name_ru] AS name
FROM categories c;
