//! Work that only one process may do at a time (long polling, the outbox sender) is led by
//! whoever holds a PostgreSQL advisory lock on a connection of its own: when the process
//! dies the connection closes and the lock goes with it. The evening sweep, one short
//! transaction a minute, takes `SWEEPER` as a transaction lock instead.

use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::services::Ctx;

pub const POLLER: i64 = 0x454E_5401;
pub const OUTBOX_SENDER: i64 = 0x454E_5402;
pub const SWEEPER: i64 = 0x454E_5403;

pub struct Leader {
    conn: PgConnection,
}

impl Leader {
    /// The lock, if nobody else holds it.
    pub async fn try_acquire(ctx: &Ctx, key: i64) -> Option<Leader> {
        let options = ctx.db.connect_options().as_ref().clone().disable_statement_logging();
        let mut conn = match options.connect().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, key, "cannot connect for a leader lock");
                return None;
            }
        };
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut conn)
            .await
            .ok()?;
        locked.then_some(Leader { conn })
    }

    /// False once the lock's connection is gone (and so the lock).
    pub async fn still_held(&mut self) -> bool {
        self.conn.ping().await.is_ok()
    }
}
