//! Campaigns: a session's registration window, database closure, fee, payment window.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::Money;
use crate::i18n::Bilingual;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Campaign {
    pub id: i64,
    pub code: String,
    pub name: Bilingual<String>,
    pub registration_opens_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    pub database_closed_at: Option<DateTime<Utc>>,
    pub fee_tenge: Money,
    pub payment_window_minutes: i32,
    /// Fills `{ $year }` in the category texts («Выпускник школы 2027 года»).
    pub graduation_year: Option<i16>,
    /// How many days after a missed test a no-show may ask for a retest (order No. 204).
    pub retest_request_days: i16,
}

impl Campaign {
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        now >= self.registration_opens_at && now < self.registration_closes_at
    }

    pub fn database_closed(&self, now: DateTime<Utc>) -> bool {
        self.database_closed_at.is_some_and(|t| t <= now)
    }
}

/// The campaign that matters now: the open one, else the next to open, else the latest.
pub async fn current(pool: &PgPool, now: DateTime<Utc>) -> sqlx::Result<Option<Campaign>> {
    sqlx::query_as!(
        Campaign,
        r#"SELECT id, code, ARRAY[name_kk, name_ru] AS "name!: Bilingual<String>", registration_opens_at,
                  registration_closes_at, database_closed_at, fee_tenge AS "fee_tenge: Money", payment_window_minutes,
                  graduation_year, retest_request_days
           FROM campaigns
           ORDER BY CASE WHEN $1 >= registration_opens_at AND $1 < registration_closes_at THEN 0
                         WHEN registration_opens_at > $1 THEN 1 ELSE 2 END,
                    CASE WHEN registration_opens_at > $1 THEN registration_opens_at END ASC,
                    registration_closes_at DESC
           LIMIT 1"#,
        now,
    )
    .fetch_optional(pool)
    .await
}

pub async fn by_id(pool: &PgPool, id: i64) -> sqlx::Result<Option<Campaign>> {
    find(pool, Some(id), None).await
}

pub async fn by_code(pool: &PgPool, code: &str) -> sqlx::Result<Option<Campaign>> {
    find(pool, None, Some(code)).await
}

/// The campaign with this id or this code (a key left out, NULL, matches nothing).
async fn find(pool: &PgPool, id: Option<i64>, code: Option<&str>) -> sqlx::Result<Option<Campaign>> {
    sqlx::query_as!(
        Campaign,
        r#"SELECT id, code, ARRAY[name_kk, name_ru] AS "name!: Bilingual<String>", registration_opens_at,
                  registration_closes_at, database_closed_at, fee_tenge AS "fee_tenge: Money", payment_window_minutes,
                  graduation_year, retest_request_days
           FROM campaigns WHERE id = $1 OR code = $2"#,
        id,
        code,
    )
    .fetch_optional(pool)
    .await
}

/// The campaign staff act on by default: the latest whose registration has opened (open
/// now or just closed), never one merely planned for later.
pub async fn latest_opened(pool: &PgPool, now: DateTime<Utc>) -> sqlx::Result<Option<Campaign>> {
    sqlx::query_as!(
        Campaign,
        r#"SELECT id, code, ARRAY[name_kk, name_ru] AS "name!: Bilingual<String>", registration_opens_at,
                  registration_closes_at, database_closed_at, fee_tenge AS "fee_tenge: Money", payment_window_minutes,
                  graduation_year, retest_request_days
           FROM campaigns WHERE registration_opens_at <= $1
           ORDER BY registration_opens_at DESC, id DESC LIMIT 1"#,
        now,
    )
    .fetch_optional(pool)
    .await
}

/// Every campaign's code, in the order their registration opens.
pub async fn codes(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!("SELECT code FROM campaigns ORDER BY registration_opens_at, id").fetch_all(pool).await
}

/// Closes a campaign's database; false when it was closed already.
pub async fn close_database(
    db: impl sqlx::PgExecutor<'_>,
    campaign_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE campaigns SET database_closed_at = $2 WHERE id = $1 AND (database_closed_at IS NULL OR database_closed_at > $2)",
        campaign_id,
        now,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
