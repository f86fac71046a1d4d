//! `scheduled_jobs`: work due at a time, written in the same transaction as its cause.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

/// `scheduled_jobs.kind`, a TEXT column (a newer process may write kinds an older one does
/// not know during a rolling deploy, so it is no PostgreSQL enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    PaymentReminder,
    PaymentExpiry,
    /// Written by the `slots_changed` trigger when the NCT moves a slot.
    SlotChanged,
    /// Written by `waitlist_fill` when a freed seat is held for the first in line.
    WaitlistOffer,
    /// The waitlist offer's time is up.
    WaitlistOfferExpiry,
}

impl JobKind {
    pub const ALL: [JobKind; 5] = [
        JobKind::PaymentReminder,
        JobKind::PaymentExpiry,
        JobKind::SlotChanged,
        JobKind::WaitlistOffer,
        JobKind::WaitlistOfferExpiry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::PaymentReminder => "payment_reminder",
            JobKind::PaymentExpiry => "payment_expiry",
            JobKind::SlotChanged => "slot_changed",
            JobKind::WaitlistOffer => "waitlist_offer",
            JobKind::WaitlistOfferExpiry => "waitlist_offer_expiry",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

crate::domain::display_as_str!(JobKind);

impl sqlx::Type<sqlx::Postgres> for JobKind {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <&str as sqlx::Type<sqlx::Postgres>>::type_info()
    }

    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for JobKind {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let s = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
        JobKind::parse(s).ok_or_else(|| format!("unknown job kind `{s}`").into())
    }
}

#[derive(Debug, Clone)]
pub struct DueJob {
    pub id: i64,
    pub kind: JobKind,
    pub application_id: Option<i64>,
    pub payload: Value,
    pub due_at: DateTime<Utc>,
    pub attempts: i32,
}

/// The oldest due job of the `kinds` this runner knows that no other runner holds, locked
/// until the caller's transaction ends. Kinds it does not know are left to a newer
/// process (a rolling deploy runs both for a while).
pub async fn claim_next(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    kinds: &[JobKind],
) -> sqlx::Result<Option<DueJob>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    sqlx::query_as!(
        DueJob,
        r#"SELECT id, kind AS "kind: JobKind", application_id, payload, due_at, attempts FROM scheduled_jobs
           WHERE status = 'pending' AND due_at <= $1 AND kind = ANY($2)
           ORDER BY due_at, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED"#,
        now,
        &kinds as &[&str],
    )
    .fetch_optional(conn)
    .await
}

/// Done; `note` says why nothing was done (paid meanwhile, superseded …).
pub async fn finish(
    conn: &mut PgConnection,
    id: i64,
    now: DateTime<Utc>,
    note: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE scheduled_jobs SET status = 'done', attempts = attempts + 1, finished_at = $2, last_error = $3
         WHERE id = $1",
        id,
        now,
        note,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts a failed attempt: the job is due again at `retry_at`, or `failed` for good
/// once it has had `max_attempts`.
pub async fn record_failure(
    pool: &PgPool,
    id: i64,
    now: DateTime<Utc>,
    error: &str,
    retry_at: DateTime<Utc>,
    max_attempts: i32,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE scheduled_jobs
         SET attempts = attempts + 1, last_error = $3,
             status = CASE WHEN attempts + 1 >= $5 THEN 'failed'::job_status ELSE status END,
             finished_at = CASE WHEN attempts + 1 >= $5 THEN $2::timestamptz END,
             due_at = CASE WHEN attempts + 1 >= $5 THEN due_at ELSE $4::timestamptz END
         WHERE id = $1 AND status = 'pending'",
        id,
        now,
        error,
        retry_at,
        max_attempts,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The application's reminders and expiry are moot once it is settled. A job a runner
/// holds right now is skipped, not waited for: the runner locks its job before the
/// application, the caller holds the application, and the runner re-checks the state
/// (a paid or closed application makes its jobs no-ops). Waiting here deadlocked a
/// payment in the deadline's last second with the expiry.
pub async fn cancel_for_application(
    conn: &mut PgConnection,
    application_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE scheduled_jobs SET status = 'cancelled', finished_at = $2
         WHERE id IN (SELECT id FROM scheduled_jobs WHERE application_id = $1 AND status = 'pending'
                      FOR UPDATE SKIP LOCKED)",
        application_id,
        now,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// True when a later reminder of the same application is due as well (the runner was
/// down): only the latest is worth sending.
pub async fn later_reminder_due(
    conn: &mut PgConnection,
    job: &DueJob,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM scheduled_jobs
                          WHERE application_id = $1 AND kind = $2 AND status = 'pending'
                            AND due_at > $3 AND due_at <= $4) AS "later!""#,
        job.application_id,
        job.kind.as_str(),
        job.due_at,
        now,
    )
    .fetch_one(conn)
    .await
}

/// When the next pending job of the `kinds` falls due.
pub async fn next_due(pool: &PgPool, kinds: &[JobKind]) -> sqlx::Result<Option<DateTime<Utc>>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    sqlx::query_scalar!(
        "SELECT min(due_at) FROM scheduled_jobs WHERE status = 'pending' AND kind = ANY($1)",
        &kinds as &[&str],
    )
    .fetch_one(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(JobKind::parse("reminder"), None);
    }
}
