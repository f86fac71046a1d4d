//! A broadcast confirmation sent twice starts one broadcast: the console's form (POSTed
//! again) and the bot's send button (pressed again) (security review finding 9).

use reqwest::StatusCode;

use crate::helpers::console::{hidden, sign_in};
use crate::helpers::{TestApp, TestUser, spawn_app_with};

const ADMIN: u64 = 9001;

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap()
}

/// An admin and three applicants, all reachable: a broadcast to everyone has four recipients.
async fn app_with_audience() -> (TestApp, TestUser, Vec<TestUser>) {
    let app = spawn_app_with(&[("ADMIN_IDS", "9001")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(ADMIN, "ru").await;
    let mut users = vec![];
    for id in 7301..=7303 {
        users.push(app.applicant_fixture(id, "kk").await);
    }
    (app, admin, users)
}

/// Every recipient got `text` exactly once, once the broadcast is done.
async fn each_got_it_once(app: &TestApp, users: &[&TestUser], text: &str) {
    for user in users {
        user.wait_for("the broadcast", |m| m.text == text).await;
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while scalar(app, "SELECT count(*) FROM outbox WHERE broadcast_id IS NOT NULL AND status = 'pending'")
        .await
        > 0
    {
        assert!(tokio::time::Instant::now() < deadline, "the broadcast did not finish");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for user in users {
        let copies = user.messages().iter().filter(|m| m.text == text).count();
        assert_eq!(copies, 1, "one copy for {}", user.id());
    }
}

#[tokio::test]
async fn the_same_console_confirmation_posted_twice_starts_one_broadcast() {
    let (app, admin, users) = app_with_audience().await;
    let browser = sign_in(&app, &admin).await;
    let csrf = browser.csrf().await;
    let text = "Пункт №1 открывается в 8:00.";
    let (status, _, preview) = browser
        .post_full("/console/broadcast/preview", &[("csrf", &csrf), ("audience", "all"), ("text", text)])
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let key = hidden(&preview, "key");
    let form = [
        ("csrf", csrf.as_str()),
        ("audience", "all"),
        ("status", ""),
        ("city", ""),
        ("venue", ""),
        ("text", text),
        ("key", key.as_str()),
    ];

    let (first, first_to, _) = browser.post_full("/console/broadcast/send", &form).await;
    let (second, second_to, _) = browser.post_full("/console/broadcast/send", &form).await;
    assert_eq!((first, second), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    let id = scalar(&app, "SELECT max(id) FROM broadcasts").await;
    assert_eq!(first_to, format!("/console/broadcast/{id}"));
    assert_eq!(second_to, first_to, "both go to the broadcast already started");
    assert_eq!(scalar(&app, "SELECT count(*) FROM broadcasts").await, 1);
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE broadcast_id IS NOT NULL").await, 4);
    assert_eq!(scalar(&app, "SELECT count(*) FROM audit_log WHERE action = 'broadcast'").await, 1);
    let everyone: Vec<&TestUser> = users.iter().chain([&admin]).collect();
    each_got_it_once(&app, &everyone, text).await;

    // A double click: the same form twice at once.
    let (_, _, again) = browser
        .post_full("/console/broadcast/preview", &[("csrf", &csrf), ("audience", "all"), ("text", "Второе")])
        .await;
    let other_key = hidden(&again, "key");
    let mut both = form;
    both[5] = ("text", "Второе");
    both[6] = ("key", other_key.as_str());
    let (a, b) = tokio::join!(
        browser.post_full("/console/broadcast/send", &both),
        browser.post_full("/console/broadcast/send", &both)
    );
    assert_eq!((a.0, b.0), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    assert_eq!(a.1, b.1);
    assert_ne!(a.1, first_to, "a new preview is a new broadcast");
    assert_eq!(scalar(&app, "SELECT count(*) FROM broadcasts").await, 2);
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE broadcast_id IS NOT NULL").await, 8);

    // A form without a key (from a page served before keys existed) is confirmed again.
    let keyless: Vec<(&str, &str)> = form.iter().copied().filter(|(k, _)| *k != "key").collect();
    let (status, _, page) = browser.post_full("/console/broadcast/send", &keyless).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(hidden(&page, "key"), key, "a fresh key");
    assert_eq!(scalar(&app, "SELECT count(*) FROM broadcasts").await, 2);
}

#[tokio::test]
async fn the_bots_send_button_pressed_again_starts_no_second_broadcast() {
    let (app, admin, users) = app_with_audience().await;
    admin.send("/broadcast").await;
    admin.press("Всем").await;
    let text = "Завтра пункт №2 открывается в 9:00.";
    admin.send(text).await;
    let preview = admin.last();
    assert!(preview.text.starts_with("Предпросмотр. 4 получателя."), "{}", preview.text);
    let confirming: serde_json::Value =
        sqlx::query_scalar("SELECT state FROM dialogue_states WHERE chat_id = $1")
            .bind(ADMIN as i64)
            .fetch_one(app.pool())
            .await
            .unwrap();

    admin.press_data(preview.message_id, "bc:send").await;
    assert!(admin.last_text().starts_with("📤 Рассылка №"), "{}", admin.transcript());
    // A double tap: the second press comes after the first was handled.
    admin.press_data(preview.message_id, "bc:send").await;
    assert_eq!(scalar(&app, "SELECT count(*) FROM broadcasts").await, 1);
    // The same press handled again with the dialogue still at the confirmation, as a
    // process killed before it saved the state leaves it.
    sqlx::query("UPDATE dialogue_states SET state = $2 WHERE chat_id = $1")
        .bind(ADMIN as i64)
        .bind(&confirming)
        .execute(app.pool())
        .await
        .unwrap();
    admin.press_data(preview.message_id, "bc:send").await;

    assert_eq!(scalar(&app, "SELECT count(*) FROM broadcasts").await, 1);
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE broadcast_id IS NOT NULL").await, 4);
    let everyone: Vec<&TestUser> = users.iter().chain([&admin]).collect();
    each_got_it_once(&app, &everyone, text).await;
}
