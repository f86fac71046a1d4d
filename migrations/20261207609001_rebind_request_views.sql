-- A re-bind request as the console shows it, read by more than one statement
-- (db/rebinds.rs), so that it is written once and the statements stay static.
CREATE VIEW rebind_request_views AS
SELECT r.id, r.telegram_user_id, u.first_name, r.iin, r.email, r.phone, r.status,
       r.created_at, r.resolved_at, r.resolved_by, r.note,
       -- The account holding the IIN now.
       (SELECT ap.telegram_user_id FROM applicants ap WHERE ap.iin = r.iin) AS holder
FROM rebind_requests r LEFT JOIN telegram_users u ON u.id = r.telegram_user_id;
