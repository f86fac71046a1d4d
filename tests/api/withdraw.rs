//! Withdrawing a paid application: never once the test has begun, and whether the payment
//! is refunded is decided in the withdrawal's own transaction, so it cannot race /closedb.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::helpers::{TestApp, spawn_app_with};
use crate::staff_campaign::paid_in;

async fn status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status::text FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

async fn campaign_code(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT code FROM campaigns").fetch_one(app.pool()).await.unwrap()
}

#[tokio::test]
async fn no_withdrawal_and_no_refund_once_the_test_has_begun() {
    let app = spawn_app_with(&[]).await;
    app.seed().await;
    let (user, id) = paid_in(&app, 7701, "ru", &campaign_code(&app).await).await;
    user.send("📋 Мои заявления").await.press(&format!("№{id} подробнее")).await;
    assert!(user.buttons().contains(&"🗑 Отозвать заявление".to_string()), "{:?}", user.buttons());
    user.press("🗑 Отозвать заявление").await;
    let ask = user.last().message_id;
    let mails = app.smtp.mails().len();

    let starts_at: DateTime<Utc> = sqlx::query_scalar(
        "SELECT s.starts_at FROM applications a JOIN slots s ON s.id = a.slot_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    app.clock.set(starts_at + Duration::minutes(30));
    user.press_on(ask, "Да, отозвать").await;
    assert_eq!(
        user.callback_answers().last().unwrap().0,
        "Это действие уже невозможно: статус заявления изменился."
    );
    assert_eq!(status(&app, id).await, "paid");
    assert_eq!(app.smtp.mails().len(), mails, "no refund instructions");
    // The details no longer offer it.
    user.send("📋 Мои заявления").await.press(&format!("№{id} подробнее")).await;
    assert!(!user.buttons().contains(&"🗑 Отозвать заявление".to_string()), "{:?}", user.buttons());
}

#[tokio::test]
async fn a_withdrawal_racing_closedb_is_refundable_only_if_it_came_first() {
    let app = spawn_app_with(&[("ADMIN_IDS", "9701")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(9701, "ru").await;
    let (user, id) = paid_in(&app, 7702, "ru", &campaign_code(&app).await).await;
    user.send("📋 Мои заявления").await.press(&format!("№{id} подробнее")).await;
    user.press("🗑 Отозвать заявление").await;
    let withdraw_ask = user.last().message_id;
    admin.send("/closedb").await;
    let closedb_ask = admin.last().message_id;

    // The application row is held: the withdrawal stops inside its transaction, having
    // decided (or not yet) whether the payment is refundable; /closedb runs meanwhile.
    let mut blocker = app.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM applications WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let withdrawal = user.emu.press_button_on(withdraw_ask, "Да, отозвать").unwrap();
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(15);
    while sqlx::query_scalar::<_, i64>(waiting).fetch_one(app.pool()).await.unwrap() < 1 {
        assert!(tokio::time::Instant::now() < deadline, "the withdrawal never reached the lock");
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
    let closure = admin.emu.press_button_on(closedb_ask, "Да, закрыть").unwrap();
    // Either /closedb finishes now, or it waits for the withdrawal to commit.
    app.probe.wait(closure as u32, StdDuration::from_secs(2)).await;
    blocker.rollback().await.unwrap();
    assert!(app.probe.wait(withdrawal as u32, StdDuration::from_secs(15)).await);
    assert!(app.probe.wait(closure as u32, StdDuration::from_secs(15)).await);

    assert_eq!(status(&app, id).await, "withdrawn");
    let (withdrawn_at, refundable): (i64, bool) = sqlx::query_as(
        "SELECT id, (details->>'refundable')::bool FROM audit_log WHERE action = 'application.withdraw'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    let closed_at: i64 = sqlx::query_scalar("SELECT id FROM audit_log WHERE action = 'close_database'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(
        refundable,
        withdrawn_at < closed_at,
        "refundable exactly when the withdrawal committed before the closure"
    );
    let refund_mails = app.smtp.mails_to("fixture7702@mail.kz").len();
    assert_eq!(refund_mails, usize::from(refundable));
}
