-- application_views also carries what the console's application page and the attendance
-- list read, so the bilingual subject combination is built in one place. Columns are only
-- appended (CREATE OR REPLACE VIEW keeps the existing ones where they are).
CREATE OR REPLACE VIEW application_views AS
SELECT a.id, a.status, a.campaign_id, ap.telegram_user_id, a.created_at,
       ARRAY[c.name_kk, c.name_ru] AS campaign, c.database_closed_at, c.fee_tenge,
       ARRAY[cat.name_kk, cat.name_ru] AS category,
       a.test_language AS language_code, ARRAY[tl.name_kk, tl.name_ru] AS language,
       a.combination_id,
       ARRAY[s1.name_kk || COALESCE(' – ' || s2.name_kk, ''),
             s1.name_ru || COALESCE(' – ' || s2.name_ru, '')] AS combination,
       sl.starts_at, ARRAY[ci.name_kk, ci.name_ru] AS city,
       ARRAY[v.name_kk, v.name_ru] AS venue, ARRAY[v.address_kk, v.address_ru] AS address,
       a.payment_deadline, ap.birth_date,
       a.applicant_id, ap.full_name, ap.iin, ap.email, ap.phone, a.slot_id, a.paid_at,
       sl.venue_id, v.code AS venue_code, ci.id AS city_id, ci.sort_order AS city_sort_order
FROM applications a
JOIN applicants ap ON ap.id = a.applicant_id
JOIN campaigns c ON c.id = a.campaign_id
JOIN categories cat ON cat.id = a.category_id
JOIN test_languages tl ON tl.code = a.test_language
JOIN subject_combinations sc ON sc.id = a.combination_id
JOIN subjects s1 ON s1.id = sc.first_subject_id
LEFT JOIN subjects s2 ON s2.id = sc.second_subject_id
JOIN slots sl ON sl.id = a.slot_id
JOIN venues v ON v.id = sl.venue_id
JOIN cities ci ON ci.id = v.city_id;
