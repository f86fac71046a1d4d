-- The sandbox's admin lives in memory, never in `staff`, yet signs in to the console, so
-- links and sessions cannot reference `staff`. Every read checks staff membership (or the
-- sandbox's list) anyway, and removing a staff member deletes his links and sessions in the
-- same transaction (db::staff::remove), which is what the cascade did.
ALTER TABLE console_links DROP CONSTRAINT console_links_telegram_user_id_fkey;
ALTER TABLE console_sessions DROP CONSTRAINT console_sessions_telegram_user_id_fkey;
