//! Payment orders as the applicant sees them (the sandbox's chat and payment pages).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OrderRow {
    pub order_number: String,
    pub method: String,
    pub amount_tenge: i32,
    pub status: String,
    pub application_id: i64,
    pub application_status: String,
    pub payment_deadline: DateTime<Utc>,
    pub telegram_user_id: i64,
}

const SELECT: &str =
    "SELECT p.order_number, p.method::text AS method, p.amount_tenge, p.status::text AS status,
        a.id AS application_id, a.status::text AS application_status, a.payment_deadline,
        ap.telegram_user_id
    FROM payments p
    JOIN applications a ON a.id = p.application_id
    JOIN applicants ap ON ap.id = a.applicant_id";

/// The user's orders, newest first.
pub async fn of_user(pool: &PgPool, telegram_user_id: i64, limit: i64) -> sqlx::Result<Vec<OrderRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE ap.telegram_user_id = $1 ORDER BY p.id DESC LIMIT $2"))
        .bind(telegram_user_id)
        .bind(limit)
        .fetch_all(pool)
        .await
}

pub async fn by_number(pool: &PgPool, order_number: &str) -> sqlx::Result<Option<OrderRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE p.order_number = $1"))
        .bind(order_number)
        .fetch_optional(pool)
        .await
}
