//! `ent-bot rehearse` against a running `ent-bot serve`, both real binaries sharing one
//! environment as on staging: the rehearsal plays Telegram, the mail server and Kaspi, a
//! dozen applicants register (some mistype, give up or pay late), and the report and the
//! database agree.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use crate::helpers::process::{Running, ent_bot};

use crate::helpers::db::TestDb;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Staging {
    db: TestDb,
    env: BTreeMap<String, String>,
    api_port: u16,
}

async fn staging() -> Staging {
    let db = TestDb::new().await;
    ent_bot::seed::seed_demo(&db.pool, chrono::Utc::now(), chrono_tz::Asia::Almaty).await.expect("seed");
    let (api_port, smtp_port, http_port) = (free_port(), free_port(), free_port());
    let env: BTreeMap<String, String> = [
        ("DATABASE_URL", db.url.clone()),
        ("DATABASE_MAX_CONNECTIONS", "10".into()),
        ("UPDATE_WORKERS", "4".into()),
        ("BOT_TOKEN", "424242:REHEARSAL-token".into()),
        ("TELEGRAM_API_URL", format!("http://127.0.0.1:{api_port}/")),
        ("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
        ("MAIL_FROM", "ENT <no-reply@ent.test>".into()),
        ("HTTP_ADDR", format!("127.0.0.1:{http_port}")),
        ("PUBLIC_URL", format!("http://127.0.0.1:{http_port}")),
        ("CONSOLE_SECRET", "rehearsal-console-secret-0123456789abcdef".into()),
        ("CARD_PAYMENTS", "off".into()),
        // The rehearsal plays Kaspi from this machine.
        ("KASPI_ALLOW_LOOPBACK", "true".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Staging { db, env, api_port }
}

#[tokio::test]
async fn a_short_rehearsal_registers_applicants_and_reports_per_step() {
    let staging = staging().await;
    let rehearse = ent_bot(
        &staging.env,
        &[
            "rehearse",
            "--applicants",
            "12",
            "--ramp-secs",
            "1",
            "--think-ms",
            "20",
            "--typos",
            "0.3",
            "--abandon",
            "0.25",
            "--late-pay",
            "0.3",
            "--late-pay-after-secs",
            "1",
            "--connect-secs",
            "60",
            "--step-timeout-secs",
            "30",
            "--max-p99-ms",
            "30000",
            "--min-registrations-per-min",
            "1",
        ],
    )
    .spawn()
    .expect("start rehearse");
    // The deployment starts once its Telegram answers, as on staging.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", staging.api_port)).is_err() {
        assert!(tokio::time::Instant::now() < deadline, "the rehearsal's emulator never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _serve =
        Running(ent_bot(&staging.env, &["serve"]).stdout(Stdio::null()).spawn().expect("start serve"));

    let out = tokio::task::spawn_blocking(move || rehearse.wait_with_output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    println!("{stdout}");

    // Every step of the journey has its latency line; the mistakes too.
    for step in
        ent_bot::rehearse::STEP_NAMES.iter().chain(&["email (typo)", "IIN (typo)", "every step", "Kaspi pay"])
    {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{step} ")))
            .unwrap_or_else(|| panic!("no line for {step}:\n{stdout}"));
        let count: u64 = line[16..].split_whitespace().next().unwrap().parse().unwrap();
        assert!(count > 0, "{line}");
    }
    assert!(stdout.contains("updates/s: "), "{stdout}");
    assert!(stdout.contains("parked updates: 0;"), "{stdout}");
    assert!(stdout.contains("0 errors"), "{stdout}");
    assert!(stdout.contains("thresholds: registrations/min"), "{stdout}");
    assert!(stdout.trim_end().ends_with("PASS"), "{stdout}");

    // The report and the database agree on who paid.
    let line = stdout.lines().find(|l| l.starts_with("registrations: ")).unwrap();
    let reported: i64 = line["registrations: ".len()..].split(' ').next().unwrap().parse().unwrap();
    assert!(line.contains(&format!("{reported} paid in the database")), "{line}");
    let gave_up: i64 = line.split(", ").find_map(|p| p.strip_suffix(" gave up")).unwrap().parse().unwrap();
    assert!(reported >= 1 && reported + gave_up == 12, "{line}");
    let paid: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM applications a JOIN applicants p ON p.id = a.applicant_id
         WHERE a.status = 'paid' AND p.telegram_user_id >= 7000000000",
    )
    .fetch_one(&staging.db.pool)
    .await
    .unwrap();
    assert_eq!(paid, reported + 1, "the run's and the learning applicant's");
    let persons: i64 = sqlx::query_scalar("SELECT count(*) FROM persons WHERE first_name = 'Репетиция'")
        .fetch_one(&staging.db.pool)
        .await
        .unwrap();
    assert_eq!(persons, 13, "a registry entry per applicant and the learner");
}

#[tokio::test]
async fn rehearse_refuses_production_telegram_and_bad_shares() {
    let mut staging = staging().await;
    staging.env.remove("TELEGRAM_API_URL");
    let out = ent_bot(&staging.env, &["rehearse", "--applicants", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TELEGRAM_API_URL is Telegram's"));

    staging.env.insert("TELEGRAM_API_URL".into(), "http://staging.example.kz:8181/".into());
    let out = ent_bot(&staging.env, &["rehearse"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("TELEGRAM_API_URL must name this machine by address")
    );

    let out = ent_bot(&staging.env, &["rehearse", "--typos", "2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a share between 0 and 1"));
}
