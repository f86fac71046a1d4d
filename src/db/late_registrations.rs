//! Individual windows to apply after a campaign's registration closed (a valid reason,
//! granted by an admin to one IIN).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub async fn grant(
    db: impl sqlx::PgExecutor<'_>,
    campaign_id: i64,
    iin: &str,
    until: DateTime<Utc>,
    actor: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO late_registrations (campaign_id, iin, until, granted_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        campaign_id,
        iin,
        until,
        actor,
        now,
    )
    .fetch_one(db)
    .await
}

/// Until when the user's bound IIN may apply late to the campaign, if a window is open now.
pub async fn open_until(
    pool: &PgPool,
    telegram_user_id: i64,
    campaign_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(
        r#"SELECT max(lr.until) AS "until" FROM late_registrations lr
           JOIN applicants ap ON ap.iin = lr.iin
           WHERE ap.telegram_user_id = $1 AND lr.campaign_id = $2 AND lr.until > $3"#,
        telegram_user_id,
        campaign_id,
        now,
    )
    .fetch_one(pool)
    .await
}
