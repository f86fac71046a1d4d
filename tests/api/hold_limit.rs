//! Security review finding 17: unpaid seat holds cannot be renewed without limit. Holding a
//! seat, cancelling and applying again works `HOLDS_PER_DAY` times in 24 hours; then the
//! applicant is told when he may book again, and the booking itself refuses too.

use chrono::Duration;

use crate::helpers::{TestApp, TestUser, spawn_app, spawn_app_with};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap()
}

/// Walks the wizard to the summary (Almaty, the first date and time).
async fn to_summary(user: &TestUser) {
    user.tap("📝 Подать заявление").await;
    user.press("Выпускник школы 2027 года").await.press("Русский язык").await;
    user.press("Физика – Математика").await.press("Алматы").await;
    let date = user.buttons()[0].clone();
    user.press(&date).await;
    let time = user.buttons()[0].clone();
    user.press(&time).await;
}

async fn hold(user: &TestUser) {
    to_summary(user).await;
    user.press("✅ Правила прочитаны, подтверждаю").await;
}

/// Cancels the newest application in «My applications».
async fn cancel_latest(app: &TestApp, user: &TestUser) {
    let id = count(app, "SELECT max(id) FROM applications").await;
    user.tap("📋 Мои заявления").await;
    user.press(&format!("№{id} подробнее")).await;
    user.press("✖️ Отменить заявление").await;
    user.press("Да, отменить").await;
    assert_eq!(
        user.last_text(),
        format!("Заявление №{id} отменено, место освобождено."),
        "{}",
        user.transcript()
    );
}

const REFUSED: &str = "За последние сутки вы уже несколько раз занимали место и не оплачивали его. Занять место снова можно 23 декабря в 10:00. Если нужна помощь, напишите в поддержку: support@ent.test";

#[tokio::test]
async fn three_unpaid_holds_a_day_then_a_refusal_saying_when() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(6101, "Русский").await;
    for _ in 0..3 {
        hold(&user).await;
        assert!(user.last_text().starts_with("Выберите способ оплаты."), "{}", user.transcript());
        cancel_latest(&app, &user).await;
    }
    assert_eq!(count(&app, "SELECT count(*) FROM applications WHERE status = 'cancelled'").await, 3);

    user.tap("📝 Подать заявление").await;
    assert_eq!(user.last_text(), REFUSED, "{}", user.transcript());
    assert_eq!(count(&app, "SELECT count(*) FROM applications").await, 3);
    assert_eq!(count(&app, "SELECT sum(booked) FROM slots").await, 0, "every seat released");

    // The first hold leaves the 24 hours: one more.
    app.clock.advance(Duration::hours(24) + Duration::minutes(1));
    hold(&user).await;
    assert_eq!(count(&app, "SELECT count(*) FROM applications WHERE status = 'awaiting_payment'").await, 1);
}

#[tokio::test]
async fn the_booking_itself_refuses_a_hold_over_the_cap() {
    let app = spawn_app_with(&[("HOLDS_PER_DAY", "2")]).await;
    app.seed().await;
    let user = app.onboarded_user(6201, "Русский").await;
    hold(&user).await;
    cancel_latest(&app, &user).await;
    // At the summary with one hold behind him, another one is taken elsewhere (his other
    // phone, a racing tap): the confirm must count it.
    to_summary(&user).await;
    sqlx::query(
        "INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id,
                                   slot_id, status, payment_deadline, created_at, closed_at)
         SELECT applicant_id, campaign_id, category_id, test_language, combination_id, slot_id,
                'annulled', payment_deadline, created_at, now()
         FROM applications",
    )
    .execute(app.pool())
    .await
    .unwrap();
    user.press("✅ Правила прочитаны, подтверждаю").await;
    assert!(
        user.messages()
            .iter()
            .any(|m| m.text.starts_with("За последние сутки вы уже несколько раз занимали место")),
        "{}",
        user.transcript()
    );
    assert_eq!(count(&app, "SELECT count(*) FROM applications WHERE status = 'awaiting_payment'").await, 0);
    assert_eq!(count(&app, "SELECT sum(booked) FROM slots").await, 0);
}

#[tokio::test]
async fn paid_applications_do_not_count_as_holds() {
    let app = spawn_app_with(&[("HOLDS_PER_DAY", "1")]).await;
    app.seed().await;
    let user = app.onboarded_user(6301, "Русский").await;
    hold(&user).await;
    // Paid, then withdrawn before the database closed: not an unpaid hold.
    sqlx::query("UPDATE applications SET status = 'withdrawn', paid_at = now(), closed_at = now()")
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE slots SET booked = 0").execute(app.pool()).await.unwrap();
    hold(&user).await;
    assert_eq!(count(&app, "SELECT count(*) FROM applications WHERE status = 'awaiting_payment'").await, 1);
}
