//! `ent-bot doctor` run as an operator runs it, against a good deployment (the Bot API
//! emulator with the webhook set, the SMTP sink, a seeded database) and broken ones: a
//! database on a closed port, a refused token, a webhook that fails, settings missing.
//! Each line and the exit code are checked.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};
use telegram_emulator::{Emulator, EmulatorConfig};

use crate::helpers::db::{TestDb, server_url};
use crate::helpers::smtp::SmtpSink;

const PUBLIC_URL: &str = "https://bot.example.kz";
const WEBHOOK_SECRET: &str = "doctor-webhook-secret";

struct Deployment {
    db: TestDb,
    emulator: Emulator,
    smtp: SmtpSink,
    env: BTreeMap<String, String>,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The line of one check; panics naming the output when there is none.
    fn line(&self, check: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.split_once(' ').is_some_and(|(_, rest)| rest.starts_with(&format!("{check}:"))))
            .unwrap_or_else(|| panic!("no `{check}` line in:\n{}", self.stdout))
    }

    fn passed(&self, check: &str) -> &str {
        let line = self.line(check);
        assert!(line.starts_with('✓'), "`{check}` should pass:\n{}", self.stdout);
        line
    }

    fn failed(&self, check: &str) -> &str {
        let line = self.line(check);
        assert!(line.starts_with('✗'), "`{check}` should fail:\n{}", self.stdout);
        line
    }

    fn skipped(&self, check: &str) -> &str {
        let line = self.line(check);
        assert!(line.starts_with('-'), "`{check}` should be skipped:\n{}", self.stdout);
        line
    }
}

/// A deployment as it should be on the eve of opening, with the webhook registered.
async fn deployment() -> Deployment {
    let db = TestDb::new().await;
    ent_bot::seed::seed_demo(&db.pool, chrono::Utc::now(), chrono_tz::Asia::Almaty).await.expect("seed");
    let (emulator, _) = Emulator::serve(EmulatorConfig::default()).await.expect("emulator starts");
    let smtp = SmtpSink::start().await;
    let env: BTreeMap<String, String> = [
        ("DATABASE_URL", db.url.as_str()),
        ("DATABASE_MAX_CONNECTIONS", "10"),
        ("UPDATE_WORKERS", "4"),
        ("BOT_TOKEN", emulator.token()),
        ("TELEGRAM_API_URL", emulator.api_url().as_str()),
        ("PUBLIC_URL", PUBLIC_URL),
        ("WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("SMTP_URL", &smtp.url()),
        ("MAIL_FROM", "ENT <no-reply@ent.test>"),
        ("TIMEZONE", "Asia/Almaty"),
        ("KASPI_ALLOWED_IPS", "194.187.247.152"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
        ("CARD_API_URL", "https://api.tiptoppay.kz"),
        ("CARD_PUBLIC_ID", "pk_test_doctor"),
        ("CARD_API_SECRET", "card-secret-doctor"),
        ("CONSOLE_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let deployment = Deployment { db, emulator, smtp, env };
    deployment.set_webhook(&format!("{PUBLIC_URL}/telegram/webhook")).await;
    deployment
}

impl Deployment {
    /// As `serve` does at start (no update is queued, so the emulator delivers nothing).
    async fn set_webhook(&self, url: &str) {
        let endpoint = format!("{}bot{}/setWebhook", self.emulator.api_url(), self.emulator.token());
        let body = json!({ "url": url, "secret_token": WEBHOOK_SECRET });
        let answer: Value =
            reqwest::Client::new().post(endpoint).json(&body).send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["ok"], true, "{answer}");
    }

    fn set(&mut self, key: &str, value: &str) {
        self.env.insert(key.into(), value.into());
    }

    /// Runs the binary with this environment only (no `.env`, nothing inherited).
    async fn doctor(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ent-bot"));
        command
            .arg("doctor")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "warn")
            .envs(&self.env)
            .current_dir(std::env::temp_dir());
        let out =
            tokio::task::spawn_blocking(move || command.output().expect("run ent-bot doctor")).await.unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

const CHECKS: [&str; 17] = [
    "database",
    "migrations",
    "connections",
    "clock",
    "timezone",
    "public url",
    "bot token",
    "webhook",
    "smtp",
    "test mail",
    "card gateway",
    "kaspi",
    "console secret",
    "campaign",
    "campaign dates",
    "seats",
    "registry",
];

#[tokio::test]
async fn a_good_deployment_passes_every_check_and_gets_the_test_mail() {
    let d = deployment().await;
    let run = d.doctor(&["--processes", "2", "--mail-to", "ops@ent.test"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for check in CHECKS {
        run.passed(check);
    }
    assert!(run.passed("database").contains("PostgreSQL"));
    let migrations = ent_bot::db::MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).count();
    assert!(run.passed("migrations").contains(&format!("all {migrations} applied")), "{}", run.stdout);
    assert!(
        run.passed("connections").contains("needed 25 = DATABASE_MAX_CONNECTIONS 10 × 2 processes + 5 spare")
    );
    assert!(run.passed("timezone").contains("Asia/Almaty is UTC+05:00"));
    assert!(run.passed("bot token").contains("valid: @"));
    assert!(
        run.passed("webhook")
            .contains(&format!("Telegram delivers to {PUBLIC_URL}/telegram/webhook; 0 updates pending"))
    );
    assert!(run.passed("smtp").contains("plain SMTP to a relay on this machine"));
    assert!(run.passed("test mail").contains("accepted for"));
    assert!(run.passed("kaspi").contains("allow-list 194.187.247.152"));
    assert!(run.passed("campaign").contains("(open)"));
    let seats = run.passed("seats");
    assert!(seats.contains("20 cities") && seats.contains("persons in the registry"), "{seats}");
    assert!(run.stdout.contains("17 of 17 checks passed (for 2 processes)"), "{}", run.stdout);
    // The one message doctor sends, only because --mail-to asked.
    let mails = d.smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["ops@ent.test".to_string()]);
    assert_eq!(mails[0].subject, "ent-bot doctor: test message");
    // Nothing of the secrets is printed.
    for secret in [d.emulator.token(), "card-secret-doctor", "0123456789abcdef0123456789abcdef"] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "{secret} printed");
    }

    // The same as JSON, for automation; without --mail-to, nothing is sent.
    let run = d.doctor(&["--json"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(report["ok"], true);
    let names: Vec<&str> =
        report["checks"].as_array().unwrap().iter().map(|c| c["check"].as_str().unwrap()).collect();
    let expected: Vec<&str> = CHECKS.iter().copied().filter(|c| *c != "test mail").collect();
    assert_eq!(names, expected);
    assert!(
        report["checks"].as_array().unwrap().iter().all(|c| c["status"] == "pass" && c.get("fix").is_none())
    );
    assert_eq!(d.smtp.mails().len(), 1, "no second message");
}

#[tokio::test]
async fn a_broken_deployment_fails_each_check_with_what_to_do() {
    let mut d = deployment().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    d.set("DATABASE_URL", &format!("postgres://postgres@127.0.0.1:{closed}/ent_bot"));
    d.set("BOT_TOKEN", "123456:not-the-token");
    d.set("PUBLIC_URL", "http://127.0.0.1:8080");
    d.set("TIMEZONE", "Asia/Tokyo");
    d.set("KASPI_ALLOWED_IPS", "");
    d.set("CARD_API_URL", "");
    d.set("CONSOLE_SECRET", "short");
    d.smtp.set_down(true);
    let run = d.doctor(&[]).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.failed("database").contains("no answer from DATABASE_URL"));
    assert!(run.failed("database").contains("start PostgreSQL or correct DATABASE_URL"));
    for check in ["migrations", "connections", "clock", "campaign", "campaign dates", "seats", "registry"] {
        assert!(run.skipped(check).contains("the database did not answer"));
    }
    assert!(run.failed("timezone").contains("Asia/Tokyo is UTC+09:00"));
    assert!(run.failed("public url").contains("set PUBLIC_URL to the https:// address"));
    let token = run.failed("bot token");
    assert!(token.contains("getMe failed: 401") && token.contains("@BotFather"), "{token}");
    assert!(run.skipped("webhook").contains("getMe failed"));
    assert!(run.failed("smtp").contains("transient error, SMTP 421"), "{}", run.stdout);
    assert!(run.failed("card gateway").contains("missing: CARD_API_URL"));
    assert!(run.failed("kaspi").contains("KASPI_ALLOWED_IPS is empty"));
    assert!(run.failed("console secret").contains("CONSOLE_SECRET is 5 characters"));
    assert!(!run.stdout.contains("not-the-token"), "the token is never printed:\n{}", run.stdout);
    assert!(run.stdout.contains("0 of 16 checks passed"), "{}", run.stdout);
    assert!(run.stderr.contains("doctor: 16 of 16 checks did not pass"), "{}", run.stderr);

    // A configuration that does not parse is one failed check.
    d.set("WEBHOOK_SECRET", "not allowed!");
    let run = d.doctor(&["--json"]).await;
    assert_eq!(run.code, 1);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["checks"][0]["check"], "configuration");
    assert!(report["checks"][0]["found"].as_str().unwrap().contains("WEBHOOK_SECRET"));
}

#[tokio::test]
async fn a_webhook_that_fails_or_points_elsewhere_is_reported() {
    let mut d = deployment().await;
    // Telegram delivers to another deployment's address.
    d.set_webhook("https://other.example.kz/telegram/webhook").await;
    let run = d.doctor(&[]).await;
    assert_eq!(run.code, 1);
    let line = run.failed("webhook");
    assert!(line.contains("Telegram delivers to https://other.example.kz/telegram/webhook, PUBLIC_URL says https://bot.example.kz/telegram/webhook"), "{line}");

    // Telegram's deliveries fail: nothing answers on PUBLIC_URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let public = format!("http://127.0.0.1:{closed}");
    d.set("PUBLIC_URL", &public);
    d.set_webhook(&format!("{public}/telegram/webhook")).await;
    d.emulator.user(5001, "Айгерім", Some("kk")).send_text("/start");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while d.emulator.webhook_deliveries().1 == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the emulator never tried to deliver");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let run = d.doctor(&["--max-pending", "0"]).await;
    assert_eq!(run.code, 1);
    let line = run.failed("webhook");
    assert!(
        line.contains("1 updates pending; the last delivery failed 0 min ago: Connection refused"),
        "{line}"
    );
    assert!(line.contains("check that nginx and every process answer on PUBLIC_URL"), "{line}");
    run.failed("public url");

    // Polling while a webhook is set: getUpdates would fail.
    d.env.remove("WEBHOOK_SECRET");
    let run = d.doctor(&[]).await;
    assert!(
        run.failed("webhook").contains("this configuration polls (no WEBHOOK_SECRET) but a webhook is set")
    );
}

#[tokio::test]
async fn an_empty_database_and_too_many_processes_are_reported() {
    let mut d = deployment().await;
    let name = format!("ent_test_{}", rand::random::<u64>());
    let mut admin = PgConnection::connect(&server_url()).await.unwrap();
    admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.unwrap();
    let mut url = url::Url::parse(&server_url()).unwrap();
    url.set_path(&name);
    d.set("DATABASE_URL", url.as_str());
    let run = d.doctor(&["--processes", "64"]).await;
    assert_eq!(run.code, 1);
    assert!(run.passed("database").contains("PostgreSQL"));
    assert!(run.failed("migrations").contains("run `ent-bot migrate`"));
    let connections = run.failed("connections");
    assert!(
        connections.contains("needed 645 = DATABASE_MAX_CONNECTIONS 10 × 64 processes + 5 spare"),
        "{connections}"
    );
    assert!(connections.contains("raise max_connections to at least"), "{connections}");
    run.passed("clock");
    for check in ["campaign", "campaign dates", "seats", "registry"] {
        assert!(run.skipped(check).contains("the database has no tables yet"));
    }

    // Migrated, but no session loaded and no registry imported.
    let db = TestDb::new().await;
    d.set("DATABASE_URL", &db.url);
    let run = d.doctor(&[]).await;
    assert_eq!(run.code, 1);
    run.passed("migrations");
    let campaign = run.failed("campaign");
    assert!(campaign.contains("none open or planned (no campaign at all)"), "{campaign}");
    assert!(campaign.contains("ent-bot session apply FILE.toml"), "{campaign}");
    assert!(run.failed("registry").contains("ent-bot import persons FILE.csv"));

    // A campaign whose registration outlives its tests, with a city left without seats.
    let seeded = d.db.pool.clone();
    sqlx::query("UPDATE campaigns SET registration_closes_at = '2027-12-31'").execute(&seeded).await.unwrap();
    sqlx::query("DELETE FROM slots WHERE venue_id IN (SELECT id FROM venues WHERE city_id = (SELECT min(city_id) FROM venues))").execute(&seeded).await.unwrap();
    let url = d.db.url.clone();
    d.set("DATABASE_URL", &url);
    let run = d.doctor(&[]).await;
    assert!(
        run.failed("campaign dates").contains("registration closes after the last test"),
        "{}",
        run.stdout
    );
    assert!(run.failed("seats").contains("; no seats in "), "{}", run.stdout);
    run.passed("registry");
}
