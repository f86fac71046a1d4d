//! `ent-bot doctor`: a preflight of a production configuration and the systems it points
//! at. One line per check (✓ or ✗, what was found, what to do); exit 0 when every check
//! passed, 1 otherwise; `--json` for automation. It changes nothing, except that
//! `--mail-to` sends one message.

mod campaign;
mod database;
mod settings;
mod telegram;

use std::time::Duration;

use serde::Serialize;

use crate::config::{Config, ExposeSecret};

/// Every network step gives up after this, so a dead host fails its check instead of
/// hanging the preflight.
const TIMEOUT: Duration = Duration::from_secs(5);

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// How many `ent-bot serve` processes will share the database (their pools must fit
    /// in its max_connections).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub processes: u32,
    /// Also send a real message to this address through SMTP_URL.
    #[arg(long, value_name = "ADDRESS")]
    pub mail_to: Option<String>,
    /// Updates Telegram may hold for the bot before the webhook check fails.
    #[arg(long, default_value_t = 100)]
    pub max_pending: u64,
    /// Print the checks as one JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Not run because what it needs failed first (the database did not answer).
    Skip,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub status: Status,
    /// What was found.
    pub found: String,
    /// What to do about it (empty when it passed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fix: String,
}

impl Check {
    fn pass(check: &'static str, found: impl Into<String>) -> Check {
        Check { check, status: Status::Pass, found: found.into(), fix: String::new() }
    }

    fn fail(check: &'static str, found: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { check, status: Status::Fail, found: found.into(), fix: fix.into() }
    }

    fn skip(check: &'static str, because: &str) -> Check {
        Check { check, status: Status::Skip, found: format!("not checked: {because}"), fix: String::new() }
    }

    fn line(&self) -> String {
        let mark = match self.status {
            Status::Pass => '✓',
            Status::Fail => '✗',
            Status::Skip => '-',
        };
        if self.fix.is_empty() {
            format!("{mark} {}: {}", self.check, self.found)
        } else {
            format!("{mark} {}: {} → {}", self.check, self.found, self.fix)
        }
    }
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    ok: bool,
    processes: u32,
    checks: &'a [Check],
}

/// Failed checks, as the error `main` turns into exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("doctor: {failed} of {total} checks did not pass")]
pub struct Failed {
    pub failed: usize,
    pub total: usize,
}

/// Reads the environment, runs every check, prints the report.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let checks = match Config::from_env() {
        Ok(config) => {
            crate::telemetry::redact(config.telegram.bot_token.expose());
            checks(&config, args).await
        }
        Err(e) => vec![Check::fail(
            "configuration",
            format!("{e:#}"),
            "fix the variable named (see .env.example); nothing else was checked",
        )],
    };
    let failed = checks.iter().filter(|c| c.status != Status::Pass).count();
    if args.json {
        let report = Report { ok: failed == 0, processes: args.processes, checks: &checks };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for check in &checks {
            println!("{}", crate::telemetry::scrub(&check.line()));
        }
        println!(
            "{} of {} checks passed{}",
            checks.len() - failed,
            checks.len(),
            if args.processes > 1 { format!(" (for {} processes)", args.processes) } else { String::new() }
        );
    }
    if failed > 0 {
        return Err(Failed { failed, total: checks.len() }.into());
    }
    Ok(())
}

async fn checks(config: &Config, args: &Args) -> Vec<Check> {
    let mut out = Vec::new();
    let pool = database::connect(config.database.url.expose_secret()).await;
    let mut schema = false;
    match &pool {
        Ok(pool) => {
            out.push(database::reachable(pool).await);
            let (check, migrated) = database::migrations(pool).await;
            schema = migrated;
            out.push(check);
            out.extend(database::server_checks(pool, config, args.processes).await);
        }
        Err(e) => {
            out.push(Check::fail(
                "database",
                format!("no answer from DATABASE_URL: {e}"),
                "start PostgreSQL or correct DATABASE_URL (host, port, database, password)",
            ));
            for name in ["migrations", "connections", "clock"] {
                out.push(Check::skip(name, "the database did not answer"));
            }
        }
    }
    out.push(settings::timezone(config));
    out.extend(telegram::checks(config, args.max_pending).await);
    out.push(settings::smtp(config).await);
    if let Some(to) = &args.mail_to {
        out.push(settings::mail_test(config, to).await);
    }
    out.push(settings::card(config));
    out.push(settings::kaspi(config));
    out.push(settings::console_secret(config));
    match &pool {
        Ok(pool) if schema => out.extend(campaign::checks(pool, config).await),
        Ok(_) => {
            for name in ["campaign", "campaign dates", "seats", "registry"] {
                out.push(Check::skip(name, "the database has no tables yet"));
            }
        }
        Err(_) => {
            for name in ["campaign", "campaign dates", "seats", "registry"] {
                out.push(Check::skip(name, "the database did not answer"));
            }
        }
    }
    out
}

/// Thousands separated by commas, for operators reading figures at a glance.
fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separated() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(190_000), "190,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn a_line_says_what_to_do_only_when_something_is_wrong() {
        assert_eq!(Check::pass("database", "PostgreSQL 15").line(), "✓ database: PostgreSQL 15");
        assert_eq!(Check::fail("kaspi", "no list", "set it").line(), "✗ kaspi: no list → set it");
        assert_eq!(Check::skip("seats", "no database").line(), "- seats: not checked: no database");
    }
}
