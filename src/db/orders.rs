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
    find(pool, Some(telegram_user_id), None, limit).await
}

pub async fn by_number(pool: &PgPool, order_number: &str) -> sqlx::Result<Option<OrderRow>> {
    Ok(find(pool, None, Some(order_number), 1).await?.pop())
}

/// The user's latest orders and the order numbered so. Each key is compared with `=` in
/// its own branch, so a missing one (NULL) matches nothing and both keep their index.
async fn find(
    pool: &PgPool,
    telegram_user_id: Option<i64>,
    order_number: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        r#"SELECT p.order_number, p.method AS "method: Method", p.amount_tenge AS "amount_tenge: Money",
                  p.status AS "status: PaymentStatus", a.id AS application_id,
                  a.status AS "application_status: ApplicationStatus", a.payment_deadline, ap.telegram_user_id
           FROM payments p
           JOIN applications a ON a.id = p.application_id
           JOIN applicants ap ON ap.id = a.applicant_id
           WHERE p.id IN (
               (SELECT up.id FROM payments up
                JOIN applications ua ON ua.id = up.application_id
                JOIN applicants uap ON uap.id = ua.applicant_id
                WHERE uap.telegram_user_id = $1 ORDER BY up.id DESC LIMIT $3)
               UNION ALL
               SELECT np.id FROM payments np WHERE np.order_number = $2)
           ORDER BY p.id DESC"#,
        telegram_user_id,
        order_number,
        limit,
    )
    .fetch_all(pool)
    .await
}
