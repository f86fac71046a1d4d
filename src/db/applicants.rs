//! Applicants: the verified email, the bound IIN with the registry name, the phone.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Applicant {
    pub id: i64,
    pub telegram_user_id: i64,
    pub email: Option<String>,
    pub iin: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
}

pub async fn by_user(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Option<Applicant>> {
    sqlx::query_as!(
        Applicant,
        "SELECT id, telegram_user_id, email, iin, full_name, birth_date, phone
         FROM applicants WHERE telegram_user_id = $1",
        telegram_user_id,
    )
    .fetch_optional(pool)
    .await
}

/// Creates the applicant on his first verified email, or replaces the email with a newly
/// verified one.
pub async fn set_verified_email(
    db: impl PgExecutor<'_>,
    telegram_user_id: i64,
    email: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO applicants (telegram_user_id, email, email_verified_at) VALUES ($1, $2, $3)
         ON CONFLICT (telegram_user_id) DO UPDATE
            SET email = EXCLUDED.email, email_verified_at = EXCLUDED.email_verified_at, updated_at = now()",
        telegram_user_id,
        email,
        now,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The constraint that makes one IIN belong to one Telegram account.
pub const IIN_UNIQUE: &str = "applicants_iin_key";

/// Binds the IIN; fails with a violation of [`IIN_UNIQUE`] when another account holds it.
/// Returns false when the applicant row does not exist (email not verified yet).
pub async fn bind_iin(
    db: impl PgExecutor<'_>,
    telegram_user_id: i64,
    iin: &str,
    full_name: &str,
    birth_date: NaiveDate,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE applicants SET iin = $2, full_name = $3, birth_date = $4, updated_at = now()
         WHERE telegram_user_id = $1",
        telegram_user_id,
        iin,
        full_name,
        birth_date,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The Telegram account holding an IIN, if any.
pub async fn holder_of_iin(pool: &PgPool, iin: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT telegram_user_id FROM applicants WHERE iin = $1", iin)
        .fetch_optional(pool)
        .await
}

pub async fn set_phone(pool: &PgPool, telegram_user_id: i64, phone: &str) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE applicants SET phone = $2, updated_at = now() WHERE telegram_user_id = $1",
        telegram_user_id,
        phone,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks the applicant's row (one with an IIN) for a booking, so his bookings run one after
/// another and his count of unpaid holds cannot be passed by bookings racing each other.
pub async fn lock_for_booking(conn: &mut PgConnection, telegram_user_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "SELECT id FROM applicants WHERE telegram_user_id = $1 AND iin IS NOT NULL FOR NO KEY UPDATE",
        telegram_user_id,
    )
    .fetch_optional(conn)
    .await
}
