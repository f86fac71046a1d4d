//! One source for the payment window: the campaign's own `payment_window_minutes`, seeded
//! from `PAYMENT_DEADLINE_MINUTES`. The deadline, the reminders and every text that names
//! the window follow it.

use std::process::Command;

use chrono::Utc;

use crate::helpers::{TestApp, TestUser, spawn_app, spawn_app_with};

/// Menu → rules → summary → confirm, first category, Russian test language, Almaty, the
/// first date and time. Returns the rules text and the booking answer.
async fn apply(user: &TestUser, kazakh: bool) -> (String, String) {
    let (menu, language, rules, confirm) = if kazakh {
        ("📝 Өтініш беру", "Орыс тілі", "📜 Тестілеу ережелері", "✅ Ережелерді оқыдым, растаймын")
    } else {
        (
            "📝 Подать заявление",
            "Русский язык",
            "📜 Правила тестирования",
            "✅ Правила прочитаны, подтверждаю",
        )
    };
    user.send(menu).await;
    let first_category = user.buttons()[0].clone();
    user.press(&first_category)
        .await
        .press(language)
        .await
        .press("Физика – Математика")
        .await
        .press("Алматы")
        .await;
    let date = user.buttons()[0].clone();
    user.press(&date).await;
    let time = user.buttons()[0].clone();
    user.press(&time).await;
    let wizard = user.last().message_id;
    user.press(rules).await;
    let rules_text = user.last_text();
    user.press(confirm).await;
    let booked = user.messages().into_iter().find(|m| m.message_id == wizard).unwrap().text;
    (rules_text, booked)
}

async fn jobs(app: &TestApp) -> (f64, Vec<(String, f64)>) {
    let window: f64 = sqlx::query_scalar(
        "SELECT (EXTRACT(EPOCH FROM payment_deadline - created_at) / 60)::float8 FROM applications",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    let jobs = sqlx::query_as(
        "SELECT j.kind, (EXTRACT(EPOCH FROM a.payment_deadline - j.due_at) / 60)::float8
         FROM scheduled_jobs j JOIN applications a ON a.id = j.application_id ORDER BY j.due_at",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    (window, jobs)
}

#[tokio::test]
async fn seed_takes_the_window_from_payment_deadline_minutes_and_the_texts_name_it() {
    let app = spawn_app_with(&[("PAYMENT_DEADLINE_MINUTES", "45")]).await;
    let out = Command::new(env!("CARGO_BIN_EXE_ent-bot"))
        .args(["seed", "demo"])
        .env("DATABASE_URL", &app.db.url)
        .env("PAYMENT_DEADLINE_MINUTES", "45")
        .env("RUST_LOG", "warn")
        .env_remove("BOT_TOKEN")
        .output()
        .expect("run ent-bot seed demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let window: i32 = sqlx::query_scalar("SELECT payment_window_minutes FROM campaigns")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(window, 45);

    // The CLI seeded a campaign open at the real time.
    app.clock.set(Utc::now());
    let user = app.onboarded_user(3401, "Русский").await;
    let (rules, booked) = apply(&user, false).await;
    assert!(rules.contains("Если не оплатить в течение 45 минут, заявление аннулируется."), "{rules}");
    assert!(booked.contains("Место закреплено за вами на 45 минут"), "{booked}");
    let (minutes, jobs) = jobs(&app).await;
    assert_eq!(minutes, 45.0);
    assert_eq!(
        jobs,
        [
            ("payment_reminder".to_string(), 30.0),
            ("payment_reminder".to_string(), 10.0),
            ("payment_expiry".to_string(), 0.0)
        ]
    );
}

#[tokio::test]
async fn a_campaign_with_a_short_window_skips_the_reminders_that_do_not_fit() {
    let app = spawn_app().await;
    app.seed().await;
    sqlx::query("UPDATE campaigns SET payment_window_minutes = 20").execute(app.pool()).await.unwrap();
    let user = app.onboarded_user(3402, "Қазақша").await;
    let (rules, booked) = apply(&user, true).await;
    assert!(rules.contains("20 минут ішінде төленбесе, өтініш жойылады."), "{rules}");
    assert!(booked.contains("Орын сізге 20 минутқа сақталды"), "{booked}");
    // The deadline is in the payment options just below.
    assert!(user.last_text().contains("Төлем мерзімі — 10:20 (20 минут қалды)"), "{}", user.last_text());
    let (minutes, jobs) = jobs(&app).await;
    assert_eq!(minutes, 20.0);
    assert_eq!(
        jobs,
        [("payment_reminder".to_string(), 10.0), ("payment_expiry".to_string(), 0.0)],
        "30 minutes left never comes in a 20-minute window"
    );
}
