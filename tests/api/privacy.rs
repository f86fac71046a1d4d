//! Logs never carry a full IIN, email, phone or confirmation code.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

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

/// One process-wide subscriber: a thread-local one misses events whose callsites other
/// test threads registered first (tracing caches interest per callsite).
fn captured_logs() -> &'static Capture {
    static LOGS: OnceLock<Capture> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Capture::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,ent_bot=debug"))
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the tests");
        logs
    })
}

/// `needle` as a whole number: not part of a longer run of digits.
fn contains_number(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[tokio::test]
async fn onboarding_and_a_lookup_log_only_masked_personal_data() {
    let logs = captured_logs();
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
    let other_code = app.smtp.last_code_for("other@mail.kz");
    other.send(&other_code).await.send(&iin).await;
    assert!(other.last_text().contains("уже привязан"));

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("user=8001") && text.contains("IIN bound"), "the capture works");
    assert!(text.contains(&format!("{}******{}", &iin[..4], &iin[10..])), "masked IIN logged");
    for secret in [iin.as_str(), email.as_str(), phone.as_str(), "other@mail.kz"] {
        assert!(!text.contains(secret), "`{secret}` leaked into the logs");
    }
    for secret in [code.as_str(), other_code.as_str()] {
        assert!(!contains_number(&text, secret), "a confirmation code leaked into the logs");
    }
}
