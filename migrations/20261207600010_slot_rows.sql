-- A slot as the staff console lists it (db/reports.rs: the slot table and one slot's page):
-- where, when, how full, how many hold a paid seat. Written once, so that both statements
-- stay static (compile-checked) instead of being assembled with format!.
CREATE VIEW slot_rows AS
SELECT s.id, s.campaign_id, v.id AS venue_id, v.code AS venue_code, ARRAY[v.name_kk, v.name_ru] AS venue,
       ci.id AS city_id, ci.sort_order AS city_sort_order, ARRAY[ci.name_kk, ci.name_ru] AS city,
       s.starts_at, s.capacity, s.booked,
       (SELECT count(*) FROM applications a WHERE a.slot_id = s.id AND a.status = 'paid') AS paid
FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities ci ON ci.id = v.city_id;
