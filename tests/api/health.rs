//! `/healthz` says ok only once updates can reach the bot (security review, finding 11):
//! in webhook mode once Telegram accepted the webhook, in polling mode while `getUpdates`
//! answers (or another process polls and this one handles from the shared inbox).

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app_with};

async fn health(app: &TestApp) -> (StatusCode, String) {
    let response = reqwest::get(app.http_url("/healthz")).await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn wait_for(what: &str, within: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "{what} did not happen within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn unhealthy_while_telegram_refuses_the_webhook() {
    let mut app = spawn_app_with(&[("WEBHOOK_SECRET", "s3cret-token")]).await;
    app.app.take().unwrap().stop().await;
    app.emulator.refuse("setWebhook", Some("Bad Request: bad webhook: Failed to resolve host"));
    app.restart().await;

    // getMe answered long ago; setWebhook was refused twice already.
    wait_for("two refused setWebhook calls", Duration::from_secs(30), async || {
        app.emulator.refused_calls("setWebhook") >= 2
    })
    .await;
    let (status, reason) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "no update can arrive: {reason}");
    assert!(reason.contains("webhook"), "the reason names the webhook: {reason}");

    app.emulator.refuse("setWebhook", None);
    wait_for("healthy", Duration::from_secs(30), async || health(&app).await.0 == StatusCode::OK).await;
    let user = app.user(1130, Some("ru"));
    user.send("/start").await;
    assert!(!user.messages().is_empty(), "updates arrive by the webhook");
}

#[tokio::test]
async fn unhealthy_while_get_updates_keeps_failing() {
    let app = spawn_app_with(&[]).await;
    let user = app.user(1131, Some("ru"));
    user.send("/start").await; // polling works
    assert_eq!(health(&app).await.0, StatusCode::OK);

    app.emulator.refuse("getUpdates", Some("Conflict: can't use getUpdates method while webhook is active"));
    wait_for("unhealthy", Duration::from_secs(30), async || health(&app).await.0 != StatusCode::OK).await;
    let (status, reason) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reason.contains("getUpdates"), "the reason names the poll: {reason}");

    app.emulator.refuse("getUpdates", None);
    wait_for("healthy again", Duration::from_secs(30), async || health(&app).await.0 == StatusCode::OK).await;
}
