//! Logs never carry a full IIN, email, phone or confirmation code.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::helpers::spawn_app;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn onboarding_and_a_lookup_log_only_masked_personal_data() {
    let logs = Capture::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runtime is single-threaded: the app's tasks run on this thread and log here.
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = spawn_app().await;
    let user = app.onboarded_user(8001, "Русский").await;
    let (iin, email, phone): (String, String, String) =
        sqlx::query_as("SELECT iin::text, email, phone FROM applicants WHERE telegram_user_id = $1")
            .bind(user.id())
            .fetch_one(app.pool())
            .await
            .unwrap();
    let code = app.smtp.last_code_for(&email);
    // Another user tries the same IIN: the refusal is logged, masked.
    let other = app.user(8002, Some("ru"));
    other.send("/start").await.press("Русский").await.send("other@mail.kz").await;
    other.send(&app.smtp.last_code_for("other@mail.kz")).await.send(&iin).await;
    assert!(other.last_text().contains("уже привязан"));

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("IIN bound"), "the capture works: {text}");
    assert!(text.contains(&format!("{}******{}", &iin[..4], &iin[10..])), "masked IIN logged");
    for secret in [iin.as_str(), email.as_str(), phone.as_str(), code.as_str(), "other@mail.kz"] {
        assert!(!text.contains(secret), "`{secret}` leaked into the logs");
    }
}
