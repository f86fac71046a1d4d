//! The database: reachable, migrated to this binary, big enough for every process's pool,
//! and on the same clock as this machine.

use std::collections::HashMap;
use std::time::Instant;

use chrono::Utc;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{Check, TIMEOUT};
use crate::config::Config;
use crate::db::{MIGRATOR, preflight};

/// Connections PostgreSQL must keep beyond the bot's pools: `ent-bot migrate`, an import,
/// an export, `psql` during an incident, the backup's connection.
const HEADROOM: i64 = 5;
/// A clock further off than this moves payment deadlines and reminders visibly.
const MAX_SKEW_MS: i64 = 2_000;

pub(super) async fn connect(url: &str) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse()?;
    let pool = PgPoolOptions::new().max_connections(2).acquire_timeout(TIMEOUT).connect_with(options);
    match tokio::time::timeout(TIMEOUT, pool).await {
        Ok(pool) => Ok(pool?),
        Err(_) => anyhow::bail!("no answer within {} s", TIMEOUT.as_secs()),
    }
}

pub(super) async fn reachable(pool: &PgPool) -> Check {
    let started = Instant::now();
    match preflight::server(pool).await {
        Ok(server) => Check::pass(
            "database",
            format!("PostgreSQL {}, answered in {} ms", server.version, started.elapsed().as_millis()),
        ),
        Err(e) => {
            Check::fail("database", format!("connected, but a query failed: {e}"), "check the role's rights")
        }
    }
}

/// The check, and whether the schema is there at all (the later checks read it).
pub(super) async fn migrations(pool: &PgPool) -> (Check, bool) {
    let check = migration_check(pool).await;
    let schema = !check.found.starts_with(NONE_APPLIED);
    (check, schema)
}

const NONE_APPLIED: &str = "none applied";

async fn migration_check(pool: &PgPool) -> Check {
    let known: Vec<_> = MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).collect();
    let latest = known.iter().map(|m| m.version).max().unwrap_or_default();
    let applied = match preflight::applied_migrations(pool).await {
        Ok(Some(applied)) => applied,
        Ok(None) => {
            return Check::fail(
                "migrations",
                format!("{NONE_APPLIED}; this binary has {} (up to {latest})", known.len()),
                "run `ent-bot migrate` (serve also migrates at start)",
            );
        }
        Err(e) => {
            return Check::fail(
                "migrations",
                format!("_sqlx_migrations unreadable: {e}"),
                "check the role's rights",
            );
        }
    };
    let by_version: HashMap<i64, &preflight::Applied> = applied.iter().map(|a| (a.version, a)).collect();
    if let Some(failed) = applied.iter().find(|a| !a.success) {
        return Check::fail(
            "migrations",
            format!("migration {} failed half-way", failed.version),
            "restore from the backup taken before the migration, or repair it by hand, then `ent-bot migrate`",
        );
    }
    let changed: Vec<i64> = known
        .iter()
        .filter(|m| by_version.get(&m.version).is_some_and(|a| a.checksum != m.checksum.as_ref()))
        .map(|m| m.version)
        .collect();
    if !changed.is_empty() {
        return Check::fail(
            "migrations",
            format!("applied migrations differ from this binary's: {changed:?}"),
            "this binary was built from other migration files; deploy the build that matches the database",
        );
    }
    let unknown: Vec<i64> =
        applied.iter().map(|a| a.version).filter(|v| !known.iter().any(|m| m.version == *v)).collect();
    if !unknown.is_empty() {
        return Check::fail(
            "migrations",
            format!("the database has migrations this binary does not know: {unknown:?}"),
            "a newer build migrated it: deploy that build (never an older one) to every process",
        );
    }
    let missing: Vec<i64> = known.iter().map(|m| m.version).filter(|v| !by_version.contains_key(v)).collect();
    if !missing.is_empty() {
        return Check::fail(
            "migrations",
            format!(
                "{} of {} applied, {} missing (first {})",
                applied.len(),
                known.len(),
                missing.len(),
                missing[0]
            ),
            "run `ent-bot migrate` (serve also migrates at start)",
        );
    }
    Check::pass("migrations", format!("all {} applied (latest {latest})", known.len()))
}

/// max_connections against the pools, and the clock against the database's.
pub(super) async fn server_checks(pool: &PgPool, config: &Config, processes: u32) -> Vec<Check> {
    let sent = Utc::now();
    let server = match preflight::server(pool).await {
        Ok(server) => server,
        Err(e) => {
            return vec![
                Check::fail("connections", format!("settings unreadable: {e}"), "check the role's rights"),
                Check::skip("clock", "the database's clock was not read"),
            ];
        }
    };
    let received = Utc::now();
    let per_process = i64::from(config.database.max_connections);
    let needed = per_process * i64::from(processes) + HEADROOM;
    let usable = i64::from(server.max_connections - server.reserved_connections);
    let found = format!(
        "max_connections {} ({} for the bot's role), needed {} = DATABASE_MAX_CONNECTIONS {} × {} process{} + {} spare; {} in use now",
        server.max_connections,
        usable,
        needed,
        per_process,
        processes,
        if processes == 1 { "" } else { "es" },
        HEADROOM,
        server.connections_now,
    );
    let connections = if usable >= needed {
        Check::pass("connections", found)
    } else {
        Check::fail(
            "connections",
            found,
            format!(
                "raise max_connections to at least {} (postgresql.conf, then restart PostgreSQL) or lower DATABASE_MAX_CONNECTIONS",
                needed + i64::from(server.reserved_connections)
            ),
        )
    };
    // The database's `now()` was read somewhere between sending and receiving.
    let here = sent + (received - sent) / 2;
    let skew = (server.now - here).num_milliseconds();
    let found = format!(
        "this machine and the database differ by {} ms (round trip {} ms); database time zone {}",
        skew,
        (received - sent).num_milliseconds(),
        server.time_zone
    );
    let clock = if skew.abs() <= MAX_SKEW_MS {
        Check::pass("clock", found)
    } else {
        Check::fail(
            "clock",
            found,
            "synchronise both machines' clocks (chrony or systemd-timesyncd): deadlines are written with one clock and checked with the other",
        )
    };
    vec![connections, clock]
}
