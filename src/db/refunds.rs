//! Money owed back: what a provider took that paid for nothing. Written in the same
//! transaction as the callback that reported it, once per provider transaction.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::domain::Method;

/// Why the money paid for nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The application no longer awaited payment (past its deadline, annulled, withdrawn).
    Late,
    /// Another transaction had settled the order already.
    Duplicate,
    WrongCurrency,
    WrongAmount,
    /// The order was made for the other payment method.
    MethodMismatch,
    UnknownOrder,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::Late => "late",
            Reason::Duplicate => "duplicate",
            Reason::WrongCurrency => "wrong_currency",
            Reason::WrongAmount => "wrong_amount",
            Reason::MethodMismatch => "method_mismatch",
            Reason::UnknownOrder => "unknown_order",
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewRefund<'a> {
    pub provider: Method,
    pub txn_id: &'a str,
    pub reason: Reason,
    pub order_number: &'a str,
    pub payment_id: Option<i64>,
    pub application_id: Option<i64>,
    pub amount_minor: i64,
    /// ISO 4217, upper case; anything else is stored as `XXX` (no currency).
    pub currency: &'a str,
    pub now: DateTime<Utc>,
}

/// Records the money once per provider transaction; false when it was recorded before
/// (or the amount is nothing to give back).
pub async fn record(conn: &mut PgConnection, r: &NewRefund<'_>) -> sqlx::Result<bool> {
    if r.amount_minor <= 0 {
        return Ok(false);
    }
    let currency = if r.currency.len() == 3 && r.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        r.currency
    } else {
        "XXX"
    };
    let done = sqlx::query!(
        "INSERT INTO refunds (provider, txn_id, reason, order_number, payment_id, application_id, amount_minor,
                              currency, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (provider, txn_id) DO NOTHING",
        r.provider as Method,
        r.txn_id,
        r.reason.code(),
        r.order_number.chars().take(64).collect::<String>(),
        r.payment_id,
        r.application_id,
        r.amount_minor,
        currency,
        r.now,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A refund not yet made, as staff see it.
#[derive(Clone, Debug)]
pub struct Open {
    pub id: i64,
    pub provider: Method,
    pub txn_id: String,
    pub reason: String,
    pub order_number: String,
    pub application_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

/// The open refunds, oldest first (they have waited longest), at most `limit`, and how
/// many there are in all.
pub async fn open(pool: &PgPool, limit: i64) -> sqlx::Result<(Vec<Open>, i64)> {
    let rows = sqlx::query_as!(
        Open,
        r#"SELECT id, provider AS "provider: Method", txn_id, reason, order_number, application_id, amount_minor,
                  currency, created_at
           FROM refunds WHERE refunded_at IS NULL ORDER BY created_at, id LIMIT $1"#,
        limit,
    )
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM refunds WHERE refunded_at IS NULL"#)
        .fetch_one(pool)
        .await?;
    Ok((rows, total))
}
