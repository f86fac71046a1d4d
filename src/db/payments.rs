//! Payments: orders, provider callbacks, the application's paid/late/annulled transitions.
//! Functions taking `&mut PgConnection` run inside the caller's transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor, PgPool};

use crate::domain::{ApplicationStatus, Method, Money, PaymentStatus};
use crate::i18n::Locale;

/// The unique constraint on order numbers: a random number that is taken is drawn again.
pub const ORDER_NUMBER_TAKEN: &str = "payments_order_number_key";

/// An application as its owner sees it when paying.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnApplication {
    pub id: i64,
    pub status: ApplicationStatus,
    pub payment_deadline: DateTime<Utc>,
    pub fee: Money,
}

pub async fn own_application(
    pool: &PgPool,
    telegram_user_id: i64,
    application_id: i64,
) -> sqlx::Result<Option<OwnApplication>> {
    sqlx::query_as!(
        OwnApplication,
        r#"SELECT a.id, a.status AS "status: ApplicationStatus", a.payment_deadline,
                  c.fee_tenge AS "fee: Money"
           FROM applications a
           JOIN applicants ap ON ap.id = a.applicant_id
           JOIN campaigns c ON c.id = a.campaign_id
           WHERE a.id = $2 AND ap.telegram_user_id = $1"#,
        telegram_user_id,
        application_id,
    )
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    pub order_number: String,
    pub amount: Money,
    pub payment_url: Option<String>,
}

/// The pending payment of this method, created with `order_number` and the campaign's fee
/// if there is none yet and the application still awaits payment. `None` when the
/// application no longer awaits payment, or a concurrent tap won the insert (ask again).
/// An `order_number` already in use fails with [`ORDER_NUMBER_TAKEN`].
pub async fn pending_or_new(
    pool: &PgPool,
    application_id: i64,
    method: Method,
    order_number: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Order>> {
    sqlx::query_as!(
        Order,
        r#"WITH existing AS (
             SELECT id, order_number, amount_tenge, payment_url FROM payments
             WHERE application_id = $1 AND method = $2 AND status = 'pending'
         ), created AS (
             INSERT INTO payments (application_id, order_number, method, amount_tenge, created_at, updated_at)
             SELECT a.id, $3, $2, c.fee_tenge, $4, $4
             FROM applications a JOIN campaigns c ON c.id = a.campaign_id
             WHERE a.id = $1 AND a.status = 'awaiting_payment' AND a.payment_deadline > $4
               AND NOT EXISTS (SELECT 1 FROM existing)
             ON CONFLICT (application_id, method) WHERE status = 'pending' DO NOTHING
             RETURNING id, order_number, amount_tenge, payment_url
         )
         SELECT id AS "id!", order_number AS "order_number!", amount_tenge AS "amount!: Money", payment_url
         FROM (SELECT * FROM existing UNION ALL SELECT * FROM created) o"#,
        application_id,
        method as Method,
        order_number,
        now,
    )
    .fetch_optional(pool)
    .await
}

pub async fn application_status(
    pool: &PgPool,
    application_id: i64,
) -> sqlx::Result<Option<ApplicationStatus>> {
    sqlx::query_scalar!(
        r#"SELECT status AS "status: ApplicationStatus" FROM applications WHERE id = $1"#,
        application_id
    )
    .fetch_optional(pool)
    .await
}

pub async fn set_url(pool: &PgPool, payment_id: i64, url: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE payments SET payment_url = $2 WHERE id = $1 AND payment_url IS NULL",
        payment_id,
        url
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// An order with its application, as callbacks and staff see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderState {
    pub payment_id: i64,
    pub method: Method,
    pub payment_status: PaymentStatus,
    pub provider_txn_id: Option<String>,
    pub amount: Money,
    pub application_id: i64,
    pub application_status: ApplicationStatus,
    pub payment_deadline: DateTime<Utc>,
    pub slot_id: i64,
    pub telegram_user_id: i64,
    pub locale: Option<Locale>,
}

pub async fn order_state(db: impl PgExecutor<'_>, order_number: &str) -> sqlx::Result<Option<OrderState>> {
    sqlx::query_as!(
        OrderState,
        r#"SELECT p.id AS payment_id, p.method AS "method: Method", p.status AS "payment_status: PaymentStatus",
                  p.provider_txn_id, p.amount_tenge AS "amount: Money", a.id AS application_id,
                  a.status AS "application_status: ApplicationStatus", a.payment_deadline, a.slot_id,
                  u.id AS telegram_user_id, u.locale AS "locale: Locale"
           FROM payments p
           JOIN applications a ON a.id = p.application_id
           JOIN applicants ap ON ap.id = a.applicant_id
           JOIN telegram_users u ON u.id = ap.telegram_user_id
           WHERE p.order_number = $1"#,
        order_number,
    )
    .fetch_optional(db)
    .await
}

/// Like [`order_state`], holding the application until commit, so that a concurrent
/// callback, staff action or expiry waits and then sees the outcome.
///
/// The application's lock is the payment's too: every statement that changes a payment's
/// status holds its application's row (settling goes through here; `applications::close`
/// and `withdraw_before_test` update the application in the statement that cancels its
/// payments). Read committed: once the lock is held, the read that follows sees the last
/// committed state of both, and nothing changes it until commit. Two round trips, as a
/// locking read would take: the application first, as the expiry and a cancellation do
/// (one `FOR UPDATE OF p, a` locked the payment first and deadlocked with them).
pub async fn lock_order(conn: &mut PgConnection, order_number: &str) -> sqlx::Result<Option<OrderState>> {
    sqlx::query!(
        "SELECT a.id FROM applications a
         WHERE a.id = (SELECT application_id FROM payments WHERE order_number = $1)
         FOR UPDATE",
        order_number,
    )
    .fetch_optional(&mut *conn)
    .await?;
    order_state(conn, order_number).await
}

/// How a pending payment is settled: applied to its application, or kept as late money
/// (the application no longer awaited it) to be refunded.
#[derive(Debug, Clone, Copy)]
pub enum Settlement {
    Paid,
    Late,
}

/// pending → paid or late. False when the payment was settled already.
pub async fn settle(
    conn: &mut PgConnection,
    payment_id: i64,
    as_: Settlement,
    txn_id: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let status = match as_ {
        Settlement::Paid => PaymentStatus::Paid,
        Settlement::Late => PaymentStatus::Late,
    };
    let done = sqlx::query!(
        "UPDATE payments SET status = $4, provider_txn_id = $2, paid_at = $3, updated_at = $3
         WHERE id = $1 AND status IN ('pending', 'cancelled')",
        payment_id,
        txn_id,
        now,
        status as PaymentStatus,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// awaiting_payment → paid, only before the deadline.
pub async fn mark_application_paid(
    conn: &mut PgConnection,
    application_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE applications SET status = 'paid', paid_at = $2, updated_at = $2
         WHERE id = $1 AND status = 'awaiting_payment' AND payment_deadline > $2",
        application_id,
        now,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ---- provider callbacks: one answer per transaction id ----

/// Serialises callbacks with the same key until commit; the first one's answer is then
/// found by the others. A hash collision only makes two unrelated callbacks wait in turn.
pub async fn lock_callback(
    conn: &mut PgConnection,
    provider: Method,
    command: &str,
    txn_id: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        format!("{}:{command}:{txn_id}", provider.code())
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn stored_answer(
    conn: &mut PgConnection,
    provider: Method,
    command: &str,
    txn_id: &str,
) -> sqlx::Result<Option<Value>> {
    sqlx::query_scalar!(
        "SELECT response FROM payment_callbacks WHERE provider = $1 AND command = $2 AND txn_id = $3",
        provider as Method,
        command,
        txn_id,
    )
    .fetch_optional(conn)
    .await
}

pub struct Callback<'a> {
    pub provider: Method,
    pub command: &'a str,
    pub txn_id: &'a str,
    pub request: &'a Value,
    pub response: &'a Value,
    pub now: DateTime<Utc>,
}

pub async fn store_callback(conn: &mut PgConnection, c: &Callback<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO payment_callbacks (provider, command, txn_id, request, response, received_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        c.provider as Method,
        c.command,
        c.txn_id,
        c.request,
        c.response,
        c.now,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets at most `batch` callbacks received before `before` (their retention is over);
/// batches keep each statement short. Returns how many went.
pub async fn purge_callbacks(pool: &PgPool, before: DateTime<Utc>, batch: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "DELETE FROM payment_callbacks WHERE id IN (
             SELECT id FROM payment_callbacks WHERE received_at < $1 LIMIT $2)",
        before,
        batch,
    )
    .execute(pool)
    .await?
    .rows_affected())
}

// ---- the deadline ----

/// What the reminder needs, while the application still awaits payment before its deadline.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Awaiting {
    pub telegram_user_id: i64,
    pub locale: Option<Locale>,
    pub payment_deadline: DateTime<Utc>,
    pub fee: Money,
}

pub async fn awaiting(
    conn: &mut PgConnection,
    application_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Awaiting>> {
    sqlx::query_as!(
        Awaiting,
        r#"SELECT u.id AS telegram_user_id, u.locale AS "locale: Locale", a.payment_deadline,
                  c.fee_tenge AS "fee: Money"
           FROM applications a
           JOIN campaigns c ON c.id = a.campaign_id
           JOIN applicants ap ON ap.id = a.applicant_id
           JOIN telegram_users u ON u.id = ap.telegram_user_id
           WHERE a.id = $1 AND a.status = 'awaiting_payment' AND a.payment_deadline > $2"#,
        application_id,
        now,
    )
    .fetch_optional(conn)
    .await
}
