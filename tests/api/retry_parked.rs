//! `ent-bot inbox retry-parked [--id N]`: after the cause of a parked update is fixed, an
//! operator puts it back in line from the command line; the bot handles it as if it had
//! just arrived, and the audit log says who did it.

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

fn retry_parked(app: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ent-bot"))
        .args(["inbox", "retry-parked"])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db.url)
        .env("USER", "ops-anna")
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run ent-bot")
}

async fn parked_update(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT update_id FROM inbox WHERE parked_at IS NOT NULL")
        .fetch_one(app.pool())
        .await
        .expect("one parked update")
}

#[tokio::test]
async fn a_parked_update_is_retried_once_its_cause_is_fixed_and_audited() {
    let app = spawn_app().await;
    app.seed().await;
    // A fault only this address meets, below the bot, as a broken constraint would be.
    app.fail_email_verifications_for("boom@mail.kz").await;
    let user = app.user(64_101, Some("ru"));
    user.send("/start").await.press("Русский").await;
    user.send("boom@mail.kz").await;
    let update_id = parked_update(&app).await;
    assert!(app.smtp.mails_to("boom@mail.kz").is_empty());

    // An update that is not parked: bad input, nothing changes.
    let out = retry_parked(&app, &["--id", &(update_id + 1000).to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("update {} is not parked", update_id + 1000))
    );
    let out = retry_parked(&app, &["--id", "twelve"]);
    assert_eq!(out.status.code(), Some(2), "clap refuses a non-number");
    assert_eq!(parked_update(&app).await, update_id, "still parked");

    // The cause fixed, the operator retries it.
    sqlx::raw_sql("DROP TRIGGER refuse_boom ON email_verifications").execute(app.pool()).await.unwrap();
    let out = retry_parked(&app, &["--id", &update_id.to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("1 parked update(s) back in line: [{update_id}]")
    );

    // The bot handles it as if it had just arrived: the code goes out.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let handled: bool =
            sqlx::query_scalar("SELECT handled_at IS NOT NULL FROM inbox WHERE update_id = $1")
                .bind(update_id)
                .fetch_one(app.pool())
                .await
                .unwrap();
        if handled {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the retried update was not handled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let code = app.smtp.last_code_for("boom@mail.kz");
    assert_eq!(code.len(), 6);
    user.send(&code).await;
    assert!(user.last_text().contains("ИИН"), "the chat goes on:\n{}", user.transcript());

    // Audited, with who ran it.
    let (actor, target, details): (i64, String, Value) =
        sqlx::query_as("SELECT actor_id, target, details FROM audit_log WHERE action = 'inbox.retry_parked'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(actor, ent_bot::db::audit::COMMAND_LINE);
    assert_eq!(target, format!("update:{update_id}"));
    assert_eq!(details["operator"], "ops-anna");
    assert_eq!(details["via"], "cli");
    assert_eq!(details["update_ids"], serde_json::json!([update_id]));

    // Nothing left to retry: said so, nothing audited.
    let out = retry_parked(&app, &[]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0 parked update(s) back in line: []");
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'inbox.retry_parked'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);
}
