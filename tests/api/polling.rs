//! Long polling: an idle poll (no updates for its whole 25 seconds) is an ordinary empty
//! answer, not an HTTP timeout logged as an error.

use std::time::Duration;

use crate::helpers::logs::captured_logs;
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_idle_long_poll_ends_without_an_error() {
    let logs = captured_logs();
    let app = spawn_app().await;
    // Longer than teloxide's default 17-second client timeout, shorter than the poll.
    tokio::time::sleep(Duration::from_secs(20)).await;
    let text = logs.text();
    let errors: Vec<&str> =
        text.lines().filter(|l| l.contains("update listener error") && l.contains("TimedOut")).collect();
    assert!(errors.is_empty(), "an idle poll was logged as an error: {errors:#?}");

    // The bot still answers after the long idle poll.
    let user = app.user(9901, Some("ru"));
    user.send("/start").await;
    assert!(!user.messages().is_empty());
}
