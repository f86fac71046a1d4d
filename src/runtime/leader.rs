//! Work that only one process may do at a time (long polling, the outbox sender) is led by
//! whoever holds a PostgreSQL advisory lock on a connection of its own: when the process
//! dies the connection closes and the lock goes with it. The evening sweep, one short
//! transaction a minute, takes `SWEEPER` as a transaction lock instead.

use std::time::Duration;

use sqlx::{ConnectOptions, Connection, PgConnection};

use super::shutdown::Shutdown;

pub const POLLER: i64 = 0x454E_5401;
pub const OUTBOX_SENDER: i64 = 0x454E_5402;
pub const SWEEPER: i64 = 0x454E_5403;

pub struct Leader {
    conn: PgConnection,
}

impl Leader {
    /// False once the lock's connection is gone (and so the lock).
    pub async fn still_held(&mut self) -> bool {
        self.conn.ping().await.is_ok()
    }
}

/// A process waiting to lead. It asks every second or two, on one connection kept between
/// tries: a fresh connection per try would cost every waiting process a backend start (and
/// a slot of `max_connections` churning) all day long.
pub struct Contender {
    key: i64,
    conn: Option<PgConnection>,
}

impl Contender {
    pub fn new(key: i64) -> Contender {
        Contender { key, conn: None }
    }

    /// Waits until this process leads, asking every `every`; `None` at shutdown.
    /// `waiting` runs each time the lock turned out to be another process's.
    pub async fn lead(
        &mut self,
        db: &sqlx::PgPool,
        every: Duration,
        shutdown: &mut Shutdown,
        mut waiting: impl FnMut(),
    ) -> Option<Leader> {
        while !shutdown.is_triggered() {
            if let Some(leader) = self.try_acquire(db).await {
                return Some(leader);
            }
            waiting();
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.triggered() => {}
            }
        }
        None
    }

    /// The lock, if nobody else holds it.
    pub async fn try_acquire(&mut self, db: &sqlx::PgPool) -> Option<Leader> {
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => {
                let options = db.connect_options().as_ref().clone().disable_statement_logging();
                match options.connect().await {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::warn!(error = %e, key = self.key, "cannot connect for a leader lock");
                        return None;
                    }
                }
            }
        };
        match crate::db::try_session_lock(&mut conn, self.key).await {
            Ok(true) => Some(Leader { conn }),
            Ok(false) => {
                self.conn = Some(conn);
                None
            }
            // The connection broke: the next try opens a new one.
            Err(_) => None,
        }
    }
}
