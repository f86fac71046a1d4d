//! sqlx queries, one file per table or aggregate (the dialogue storage is in
//! `bot/dialogue.rs`); static statements are compile-checked (`query!`, `.sqlx/`).

pub mod applicants;
pub mod applications;
pub mod audit;
mod bilingual;
pub mod campaign_figures;
pub mod campaigns;
pub mod catalog;
pub mod console;
pub mod dedup_key;
pub mod email_verifications;
pub mod iin_lookups;
pub mod inbox;
pub mod jobs;
pub mod late_registrations;
pub mod miniapp;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod persons;
pub mod preflight;
pub mod rebinds;
pub mod reference;
pub mod refunds;
pub mod regions;
pub mod rehearsal;
pub mod reports;
pub mod retests;
pub mod session;
pub mod session_writes;
pub mod slots;
pub mod staff;
pub mod users;
pub mod waitlist;
pub mod wizard_starts;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse()?;
    // Statements are not logged: the slow-query log is PostgreSQL's job, and ours stays free of noise.
    let options = options.disable_statement_logging();
    Ok(pool_options(max_connections).connect_with(options).await?)
}

/// How every pool of the bot is built (the benchmarks build theirs from it too).
///
/// A connection is pinged before a checkout only when it sat idle for a while: pinging
/// every checkout was a third of all round trips to the database under load, where
/// connections are idle for microseconds. One cut while it was busy fails its next
/// statement instead; the pool then drops it, and every caller retries what failed on a
/// lost connection (an update is claimed again, Kaspi repeats its callback, a job or a
/// send is retried).
pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    const PING_AFTER_IDLE: Duration = Duration::from_secs(10);
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < PING_AFTER_IDLE {
                    return Ok(true);
                }
                Ok(sqlx::Connection::ping(conn).await.is_ok())
            })
        })
}

/// Begins a transaction for claiming from a queue table (inbox, outbox, jobs): its
/// statements may not scan a whole table or sort, in one round trip with the `BEGIN`.
///
/// A claim walks a pending index in order and stops at the first rows nobody holds. Its
/// plan is kept per connection, and one made while the table was nearly empty (or before
/// the statistics caught up with a burst: the first minutes after registration opens) is
/// a scan of the whole queue and a sort, or a nested loop over it per candidate:
/// milliseconds per claim growing with the backlog (an outbox claim took 0.5 s behind a
/// thousand queued messages), exactly when the queue is long.
pub async fn begin_claim(pool: &PgPool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    pool.begin_with("BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off").await
}

/// One round trip to the database: the health check's.
pub async fn ping(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::query!("SELECT 1 AS one").fetch_one(pool).await?;
    Ok(())
}

/// Takes the session-level advisory lock `key` if it is free: held by this connection until
/// it closes (a leader's lock).
pub async fn try_session_lock(conn: &mut sqlx::PgConnection, key: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT pg_try_advisory_lock($1) AS "taken!""#, key).fetch_one(conn).await
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// True when a sqlx error is the violation of the named constraint or index.
pub fn violates(err: &sqlx::Error, constraint: &str) -> bool {
    match err {
        sqlx::Error::Database(db) => db.constraint() == Some(constraint),
        _ => false,
    }
}
