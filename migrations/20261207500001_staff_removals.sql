-- `ADMIN_IDS` bootstraps admins at every start; without a record of removals it put back
-- an admin whom `/staff remove` took out. A removal leaves a row here; the bootstrap skips
-- these ids, and `/staff add` (by an admin) deletes the row.
CREATE TABLE staff_removals (
    telegram_user_id  BIGINT PRIMARY KEY,
    removed_by        BIGINT NOT NULL,
    removed_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Removals made before this table existed, read from the audit log: those whose last staff
-- entry is a removal and who are not staff now. One a restart already put back is left as
-- he is: taking him out here could leave the NCT without an admin.
INSERT INTO staff_removals (telegram_user_id, removed_by, removed_at)
SELECT who, actor_id, created_at
FROM (
    SELECT DISTINCT ON (who) who, action, actor_id, created_at
    FROM (
        SELECT substr(target, 10)::bigint AS who, action, actor_id, created_at, id
        FROM audit_log
        WHERE action IN ('staff.add', 'staff.remove') AND target ~ '^telegram:-?[0-9]{1,18}$'
    ) entries
    ORDER BY who, id DESC
) last
WHERE action = 'staff.remove'
  AND NOT EXISTS (SELECT 1 FROM staff s WHERE s.telegram_user_id = last.who);
