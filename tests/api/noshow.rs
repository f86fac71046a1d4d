//! `/noshow` only once the test has begun; the applicant is told in his language; an admin
//! may take it back. Every step is in the audit log.

use chrono::{DateTime, Duration, Utc};

use crate::helpers::spawn_app_with;
use crate::staff_campaign::paid_in;

#[tokio::test]
async fn a_no_show_waits_for_the_test_is_told_and_an_admin_may_undo_it() {
    let app = spawn_app_with(&[("ADMIN_IDS", "9601")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(9601, "ru").await;
    let operator = app.applicant_fixture(9602, "ru").await;
    sqlx::query("INSERT INTO staff (telegram_user_id, role) VALUES (9602, 'operator')")
        .execute(app.pool())
        .await
        .unwrap();
    let code: String = sqlx::query_scalar("SELECT code FROM campaigns").fetch_one(app.pool()).await.unwrap();
    let (applicant, id) = paid_in(&app, 7601, "kk", &code).await;
    let starts_at: DateTime<Utc> = sqlx::query_scalar(
        "SELECT s.starts_at FROM applications a JOIN slots s ON s.id = a.slot_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status::text FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(app.pool())
            .await
            .unwrap()
    };

    admin.send(&format!("/noshow {id}")).await;
    assert_eq!(
        admin.last_text(),
        format!("Заявление №{id}: тестирование ещё не началось, неявку отметить нельзя.")
    );
    assert_eq!(status().await, "paid");

    app.clock.set(starts_at + Duration::hours(4));
    // A no-show bars the applicant from the campaign: an admin's action, in the bot as in
    // the console (one permission table).
    operator.send(&format!("/noshow {id}")).await;
    assert_eq!(operator.last_text(), "Эта команда только для администратора.");
    assert_eq!(status().await, "paid");
    admin.send(&format!("/noshow {id}")).await;
    assert_eq!(admin.last_text(), format!("Заявление №{id} отмечено как неявка."));
    assert_eq!(status().await, "no_show");
    let told = applicant.wait_for("the no-show notice", |m| m.text.contains(&format!("№{id}"))).await;
    assert!(told.text.contains("тестілеуге келмедіңіз"), "in Kazakh: {}", told.text);
    // The 2026 route for a valid reason (order No. 204), not the 2022 instruction.
    assert!(told.text.contains("ҰТО директорының атына өтініш жазыңыз"), "{}", told.text);
    assert!(!told.text.contains("5-тармағы"), "{}", told.text);

    operator.send(&format!("/noshow undo {id}")).await;
    assert_eq!(operator.last_text(), "Эта команда только для администратора.");
    assert_eq!(status().await, "no_show");

    admin.send(&format!("/noshow undo {id}")).await;
    assert_eq!(admin.last_text(), format!("Отметка о неявке по заявлению №{id} снята."));
    assert_eq!(status().await, "paid");
    applicant.wait_for("the undo notice", |m| m.text.contains("белгі алынып тасталды")).await;
    admin.send(&format!("/noshow undo {id}")).await;
    assert_eq!(admin.last_text(), format!("Заявление №{id} не отмечено как неявка."));

    let audit: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT actor_id, action, target FROM audit_log ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    let target = format!("application:{id}");
    assert_eq!(
        audit,
        [(9601, "no_show".to_string(), target.clone()), (9601, "no_show.undo".to_string(), target)]
    );
}
