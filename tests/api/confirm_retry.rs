//! A confirmation tried again after its first try committed: the booking went through, but
//! the connection was lost before the answer (a PostgreSQL restart under load showed it).
//! The applicant, still looking at the summary, must get his seat and the payment buttons,
//! not «you already have an application», and no second seat is taken.

use chrono::Duration;

use crate::helpers::{TestApp, spawn_app};

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap()
}

#[tokio::test]
async fn a_repeated_confirmation_answers_with_the_seat_it_already_holds() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(6301, "Русский").await;
    user.tap("📝 Подать заявление").await;
    user.press("Выпускник школы 2027 года").await.press("Русский язык").await;
    user.press("Физика – Математика").await.press("Алматы").await;
    let date = user.buttons()[0].clone();
    user.press(&date).await;
    let time = user.buttons()[0].clone();
    user.press(&time).await;

    // What the first try committed: the application with these choices and its seat.
    let deadline = app.clock.now() + Duration::minutes(60);
    let held: i64 = sqlx::query_scalar(
        "WITH choice AS (
             SELECT s.id AS slot_id, s.campaign_id,
                    (SELECT id FROM categories WHERE short_ru LIKE 'Выпускник школы%' ORDER BY sort_order LIMIT 1) AS category_id,
                    (SELECT c.id FROM subject_combinations c JOIN subjects a ON a.id = c.first_subject_id
                     JOIN subjects b ON b.id = c.second_subject_id
                     WHERE a.name_ru = 'Физика' AND b.name_ru = 'Математика') AS combination_id
             FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities ci ON ci.id = v.city_id
             WHERE ci.name_ru = 'Алматы' AND s.booked < s.capacity AND s.starts_at > $2
             ORDER BY s.starts_at, s.id LIMIT 1
         ), seat AS (
             UPDATE slots SET booked = booked + 1 WHERE id = (SELECT slot_id FROM choice) RETURNING id
         )
         INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id,
                                   slot_id, payment_deadline)
         SELECT (SELECT id FROM applicants WHERE telegram_user_id = 6301), campaign_id, category_id, 'ru',
                combination_id, slot_id, $1
         FROM choice, seat RETURNING id",
    )
    .bind(deadline)
    .bind(app.clock.now())
    .fetch_one(app.pool())
    .await
    .unwrap();
    let booked = scalar(&app, "SELECT sum(booked) FROM slots").await;

    user.press("✅ Правила прочитаны, подтверждаю").await;
    let transcript = user.transcript();
    assert!(
        user.messages().iter().any(|m| m.text.contains(&format!("№{held}")) && m.text.contains("принято")),
        "the seat he holds: {transcript}"
    );
    assert!(!transcript.contains("уже есть"), "not refused as a second application: {transcript}");
    assert!(user.buttons().iter().any(|b| b.contains("Kaspi")), "payment buttons: {transcript}");
    assert_eq!(scalar(&app, "SELECT count(*) FROM applications").await, 1, "one application");
    assert_eq!(scalar(&app, "SELECT sum(booked) FROM slots").await, booked, "no second seat");
}
