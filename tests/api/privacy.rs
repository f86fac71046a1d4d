//! Logs never carry a full IIN, email, phone or confirmation code.

use crate::helpers::logs::{captured_logs, contains_number};
use crate::helpers::spawn_app;

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

    let text = logs.text();
    assert!(text.contains("user=8001") && text.contains("IIN bound"), "the capture works");
    assert!(text.contains(&format!("{}******{}", &iin[..4], &iin[10..])), "masked IIN logged");
    for secret in [iin.as_str(), email.as_str(), phone.as_str(), "other@mail.kz"] {
        assert!(!text.contains(secret), "`{secret}` leaked into the logs");
    }
    for secret in [code.as_str(), other_code.as_str()] {
        assert!(!contains_number(&text, secret), "a confirmation code leaked into the logs");
    }
}

#[tokio::test]
async fn a_refused_email_logs_the_smtp_code_and_a_masked_address_only() {
    let logs = captured_logs();
    let app = spawn_app().await;
    app.seed().await;
    let code: String = sqlx::query_scalar("SELECT code FROM campaigns").fetch_one(app.pool()).await.unwrap();
    let (user, id) = crate::staff_campaign::paid_in(&app, 8101, "ru", &code).await;
    app.smtp.set_reject_recipients(true);

    // Refund instructions after a withdrawal (services/history.rs)…
    user.send("📋 Мои заявления").await.press(&format!("№{id} подробнее")).await;
    user.press("🗑 Отозвать заявление").await.press("Да, отозвать").await;
    assert!(user.last_text().contains("отозвано"), "{}", user.last_text());
    // … and a confirmation code (services/email_code.rs).
    let other = app.user(8102, Some("ru"));
    other.send("/start").await.press("Русский").await.send("refused.8102@mail.kz").await;
    assert!(other.last_text().starts_with("Не получилось отправить письмо"), "{}", other.last_text());

    let text = logs.text();
    let refund =
        text.lines().find(|l| l.contains("refund instructions not emailed")).expect("refund failure logged");
    assert!(refund.contains("550") && refund.contains("f***@mail.kz"), "{refund}");
    let code_line = text
        .lines()
        .find(|l| l.contains("confirmation code not sent") && l.contains("r***@mail.kz"))
        .expect("code failure logged");
    assert!(code_line.contains("550"), "{code_line}");
    for address in ["fixture8101@mail.kz", "refused.8102@mail.kz"] {
        assert!(!text.contains(address), "`{address}` leaked into the logs");
    }
}
