-- Card callbacks kept every field the gateway posted: the cardholder's name, email and IP
-- address, the card token and expiry (security review finding 13). From now on only an
-- allow-list is stored (src/payments/card.rs KEPT_FIELDS, src/payments/kaspi.rs record);
-- the rows already stored are cut down to the same lists here.
UPDATE payment_callbacks
SET request = COALESCE(
        (SELECT jsonb_object_agg(key, value) FROM jsonb_each(request)
         WHERE key IN ('InvoiceId', 'TransactionId', 'Amount', 'Currency', 'PaymentAmount',
                       'PaymentCurrency', 'DateTime', 'Status', 'OperationType', 'TestMode',
                       'Reason', 'ReasonCode', 'CardLastFour')),
        '{}'::jsonb)
WHERE provider = 'card' AND jsonb_typeof(request) = 'object';

UPDATE payment_callbacks
SET request = COALESCE(
        (SELECT jsonb_object_agg(key, value) FROM jsonb_each(request)
         WHERE key IN ('command', 'txn_id', 'txn_date', 'account', 'sum')),
        '{}'::jsonb)
WHERE provider = 'kaspi' AND jsonb_typeof(request) = 'object';

-- They are purged once PAYMENT_CALLBACKS_RETENTION_DAYS old; the purge finds them by age
-- without reading the whole table.
CREATE INDEX payment_callbacks_received_at ON payment_callbacks (received_at);
