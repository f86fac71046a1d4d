//! What `ent-bot rehearse` reads and writes on a staging database: its simulated
//! applicants' registry entries, and the state after the run.

use std::collections::HashSet;

use sqlx::PgPool;

use crate::domain::ApplicationStatus;

/// IINs already in the registry (the simulated persons must not collide with them).
pub async fn taken_iins(pool: &PgPool) -> sqlx::Result<HashSet<String>> {
    let rows = sqlx::query_scalar!(r#"SELECT iin::text AS "iin!" FROM persons"#).fetch_all(pool).await?;
    Ok(rows.into_iter().collect())
}

/// Registry entries for the simulated applicants, all with one name.
pub async fn insert_persons(
    pool: &PgPool,
    iins: &[String],
    last_name: &str,
    first_name: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO persons (iin, last_name, first_name)
         SELECT iin, $2, $3 FROM unnest($1::text[]) AS t(iin) ON CONFLICT DO NOTHING",
        iins,
        last_name,
        first_name,
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// Seats of a campaign: capacity and booked.
pub async fn seats(pool: &PgPool, campaign_id: i64) -> sqlx::Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT coalesce(sum(capacity), 0)::bigint AS "capacity!", coalesce(sum(booked), 0)::bigint AS "booked!"
           FROM slots WHERE campaign_id = $1"#,
        campaign_id,
    )
    .fetch_one(pool)
    .await?;
    Ok((r.capacity, r.booked))
}

/// Applications in `status` of the Telegram users `first..=last` (one run's applicants).
pub async fn applications_of(
    pool: &PgPool,
    first: i64,
    last: i64,
    status: ApplicationStatus,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM applications a JOIN applicants p ON p.id = a.applicant_id
           WHERE p.telegram_user_id BETWEEN $1 AND $2 AND a.status = $3"#,
        first,
        last,
        status as ApplicationStatus,
    )
    .fetch_one(pool)
    .await
}

/// The highest `update_id` the inbox holds: a new emulator must number its updates above
/// it, or the bot takes them for repeats of what it handled.
pub async fn last_update_id(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT coalesce(max(update_id), 0)::bigint AS "id!" FROM inbox"#)
        .fetch_one(pool)
        .await
}
