-- 'failed' was never set: a declined card attempt leaves the payment pending (the applicant
-- may try again) and expiry cancels it. PostgreSQL cannot drop an enum value, so the type
-- is rebuilt from the values it has now, less 'failed'.
DO $$
DECLARE
    labels TEXT;
BEGIN
    IF EXISTS (SELECT 1 FROM payments WHERE status::text = 'failed') THEN
        UPDATE payments SET status = 'cancelled' WHERE status::text = 'failed';
    END IF;
    SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder) INTO labels
    FROM pg_enum WHERE enumtypid = 'payment_status'::regtype AND enumlabel <> 'failed';

    DROP INDEX payments_one_paid;
    DROP INDEX payments_one_pending;
    DROP INDEX payments_late;
    ALTER TYPE payment_status RENAME TO payment_status_old;
    EXECUTE format('CREATE TYPE payment_status AS ENUM (%s)', labels);
    ALTER TABLE payments ALTER COLUMN status DROP DEFAULT;
    ALTER TABLE payments ALTER COLUMN status TYPE payment_status USING status::text::payment_status;
    ALTER TABLE payments ALTER COLUMN status SET DEFAULT 'pending';
    DROP TYPE payment_status_old;
    CREATE UNIQUE INDEX payments_one_paid ON payments (application_id) WHERE status = 'paid';
    CREATE UNIQUE INDEX payments_one_pending ON payments (application_id, method) WHERE status = 'pending';
    CREATE INDEX payments_late ON payments (updated_at) WHERE status = 'late';
END $$;
