-- Money a provider reports as taken that paid for nothing is owed back: a payment after
-- the deadline, a second transaction on a settled order, another currency, a wrong sum,
-- an order of the other payment method, an unknown order. One row per provider
-- transaction; staff list the open ones with /refunds.
CREATE TABLE refunds (
    id              BIGSERIAL PRIMARY KEY,
    provider        payment_method NOT NULL,
    txn_id          TEXT NOT NULL,
    reason          TEXT NOT NULL CHECK (reason IN ('late', 'duplicate', 'wrong_currency', 'wrong_amount',
                                                   'method_mismatch', 'unknown_order')),
    order_number    TEXT NOT NULL,
    payment_id      BIGINT REFERENCES payments (id),
    application_id  BIGINT REFERENCES applications (id),
    -- In the currency's minor unit (tiyn for KZT), as the provider reported it.
    amount_minor    BIGINT NOT NULL CHECK (amount_minor > 0),
    currency        TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    refunded_at     TIMESTAMPTZ,
    UNIQUE (provider, txn_id)
);
CREATE INDEX refunds_open ON refunds (created_at) WHERE refunded_at IS NULL;
CREATE INDEX refunds_application ON refunds (application_id);

-- Late payments kept before this table existed.
INSERT INTO refunds (provider, txn_id, reason, order_number, payment_id, application_id, amount_minor,
                     currency, created_at)
SELECT method, provider_txn_id, 'late', order_number, id, application_id, amount_tenge::bigint * 100, 'KZT',
       updated_at
FROM payments
WHERE status = 'late' AND provider_txn_id IS NOT NULL
ON CONFLICT (provider, txn_id) DO NOTHING;
