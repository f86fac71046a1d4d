-- Read models shared by several statements, so that each is written once (db/applications.rs,
-- db/notifications.rs) and the statements using them stay static (compile-checked).

-- An application as its applicant sees it: every name in both languages, {kk, ru}.
CREATE VIEW application_views AS
SELECT a.id, a.status, a.campaign_id, ap.telegram_user_id, a.created_at,
       ARRAY[c.name_kk, c.name_ru] AS campaign, c.database_closed_at, c.fee_tenge,
       ARRAY[cat.name_kk, cat.name_ru] AS category,
       a.test_language AS language_code, ARRAY[tl.name_kk, tl.name_ru] AS language,
       a.combination_id,
       ARRAY[s1.name_kk || COALESCE(' – ' || s2.name_kk, ''),
             s1.name_ru || COALESCE(' – ' || s2.name_ru, '')] AS combination,
       sl.starts_at, ARRAY[ci.name_kk, ci.name_ru] AS city,
       ARRAY[v.name_kk, v.name_ru] AS venue, ARRAY[v.address_kk, v.address_ru] AS address,
       a.payment_deadline, ap.birth_date
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

-- A broadcast's audience: reachable users, each once however many applications match.
-- NULL filters match anything; without a status, the live ones (awaiting payment, paid).
-- LANGUAGE sql and STABLE, so the planner inlines it into the calling statement.
CREATE FUNCTION broadcast_audience(everyone boolean, campaign bigint, status application_status,
                                   city int, venue int, slot bigint)
RETURNS SETOF telegram_users
LANGUAGE sql STABLE AS $$
    SELECT u.* FROM telegram_users u
    WHERE NOT u.unreachable AND (everyone OR EXISTS (
        SELECT 1 FROM applicants ap JOIN applications a ON a.applicant_id = ap.id
        JOIN slots s ON s.id = a.slot_id JOIN venues v ON v.id = s.venue_id
        WHERE ap.telegram_user_id = u.id
          AND (campaign IS NULL OR a.campaign_id = campaign)
          AND ((broadcast_audience.status IS NULL AND a.status IN ('awaiting_payment', 'paid'))
               OR a.status = broadcast_audience.status)
          AND (city IS NULL OR v.city_id = city)
          AND (venue IS NULL OR s.venue_id = venue)
          AND (slot IS NULL OR s.id = slot)))
$$;
