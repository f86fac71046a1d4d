//! Payment orders as the applicant sees them (the sandbox's chat and payment pages).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::domain::{ApplicationStatus, Method, Money, PaymentStatus};

#[derive(Debug, Clone, Serialize)]
pub struct OrderRow {
    pub order_number: String,
    pub method: Method,
    pub amount_tenge: Money,
    pub status: PaymentStatus,
    pub application_id: i64,
    pub application_status: ApplicationStatus,
    pub payment_deadline: DateTime<Utc>,
    pub telegram_user_id: i64,
}

/// The user's orders, newest first.
pub async fn of_user(pool: &PgPool, telegram_user_id: i64, limit: i64) -> sqlx::Result<Vec<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        r#"SELECT p.order_number, p.method AS "method: Method", p.amount_tenge AS "amount_tenge: Money",
                  p.status AS "status: PaymentStatus", a.id AS application_id,
                  a.status AS "application_status: ApplicationStatus", a.payment_deadline, ap.telegram_user_id
           FROM payments p
           JOIN applications a ON a.id = p.application_id
           JOIN applicants ap ON ap.id = a.applicant_id
           WHERE ap.telegram_user_id = $1 ORDER BY p.id DESC LIMIT $2"#,
        telegram_user_id,
        limit,
    )
    .fetch_all(pool)
    .await
}

pub async fn by_number(pool: &PgPool, order_number: &str) -> sqlx::Result<Option<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        r#"SELECT p.order_number, p.method AS "method: Method", p.amount_tenge AS "amount_tenge: Money",
                  p.status AS "status: PaymentStatus", a.id AS application_id,
                  a.status AS "application_status: ApplicationStatus", a.payment_deadline, ap.telegram_user_id
           FROM payments p
           JOIN applications a ON a.id = p.application_id
           JOIN applicants ap ON ap.id = a.applicant_id
           WHERE p.order_number = $1"#,
        order_number,
    )
    .fetch_optional(pool)
    .await
}
