-- Found by profiling the pipeline benchmark (pg_stat_statements, auto_explain).

-- An IIN was CHAR(12), and the driver sends a string parameter as text: `iin = $1` then
-- compares as text and cannot use the key, so every IIN lookup read the whole registry
-- (0.3 ms with 2,000 persons; the state extract holds hundreds of thousands). As text
-- (the check keeps it 12 digits) the primary key and the unique index serve it.
ALTER TABLE applicants DROP CONSTRAINT applicants_iin_fkey;
ALTER TABLE persons ALTER COLUMN iin TYPE TEXT;
ALTER TABLE applicants ALTER COLUMN iin TYPE TEXT;
ALTER TABLE applicants ADD CONSTRAINT applicants_iin_fkey FOREIGN KEY (iin) REFERENCES persons (iin);

-- The same index twice (20261124000002 and 20261201000002): every outbox write paid for both.
DROP INDEX outbox_chat_pending;

-- The inbox and the outbox are queues: each row is inserted, updated once or twice and
-- left behind, so the pending indexes fill with dead entries every claim walks past.
-- The default (vacuum after a fifth of the table changed) lets a busy day's inbox pile up
-- hundreds of thousands; vacuum these after a few thousand instead.
ALTER TABLE inbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
                       autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,
                       autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000);
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
                        autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000);
