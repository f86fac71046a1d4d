//! Submitting an application: the wizard, its refusals, and seat booking that never oversells.

use std::time::Duration as StdDuration;

use chrono::Duration;

use crate::helpers::{TestApp, TestUser, spawn_app};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap()
}

async fn step(app: &TestApp, user: &TestUser) -> serde_json::Value {
    sqlx::query_scalar("SELECT state FROM dialogue_states WHERE chat_id = $1")
        .bind(user.id())
        .fetch_one(app.pool())
        .await
        .unwrap()
}

/// Walks a Russian-speaking applicant from the menu to the summary: first category,
/// Russian, physics–maths, `city`, the first date, the first time.
async fn to_summary(user: &TestUser, city: &str) {
    user.send("📝 Подать заявление").await;
    user.press("1").await;
    user.press("Русский язык").await;
    user.press("Физика – Математика").await;
    user.press(city).await;
    let first_date = user.buttons()[0].clone();
    user.press(&first_date).await;
    let first_time = user.buttons()[0].clone();
    user.press(&first_time).await;
    user.press("✅ С правилами ознакомлен(а)").await;
    assert!(user.last_text().contains("Проверьте заявление"), "{}", user.transcript());
}

#[tokio::test]
async fn the_whole_wizard_in_russian_holds_a_seat() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(3001, "Русский").await;
    let before = user.messages().len();

    user.tap("📝 Подать заявление").await;
    let wizard_id = user.last().message_id;
    assert!(user.last_text().starts_with("Шаг 1/8\nВыберите вашу категорию:"));
    assert!(
        user.last_text()
            .contains("1. Обучающихся выпускных 11 (12) классов организаций среднего образования")
    );
    assert_eq!(user.buttons(), ["1", "2", "3", "4", "✖️ Отмена"]);

    user.press("1").await;
    assert!(user.last_text().starts_with("Шаг 2/8\nВыберите язык сдачи теста:"));
    assert_eq!(
        user.buttons(),
        ["Казахский язык", "Русский язык", "Английский язык", "◀️ Назад", "✖️ Отмена"]
    );
    user.press("Русский язык").await;
    assert!(user.last_text().starts_with("Шаг 3/8"));
    assert_eq!(user.buttons().len(), 13 + 2, "13 combinations and the navigation");
    assert!(user.buttons().contains(&"Творческий экзамен".to_string()));
    user.press("Физика – Математика").await;
    assert!(user.last_text().starts_with("Шаг 4/8\nВыберите город тестирования:"));
    user.press("Караганда").await;
    assert!(user.last_text().starts_with("Шаг 5/8\nКараганда: выберите дату."));
    let first_date = user.buttons()[0].clone();
    assert!(first_date.ends_with(" пн"), "the week of slots starts on a Monday: {first_date}");
    user.press(&first_date).await;
    assert!(user.last_text().starts_with("Шаг 6/8\nКараганда, "));
    let times = user.buttons();
    assert!(times[0].starts_with("09:00 · "), "{times:?}");
    assert!(times[0].ends_with(" мест") || times[0].ends_with(" места"), "free seats shown: {times:?}");
    user.press(&times[0].clone()).await;
    assert!(user.last_text().starts_with("Шаг 7/8\nПравила тестирования:"));
    assert!(!user.last_text().contains("16 лет"), "born 2008-03-15: 18 on the test day");
    user.press("✅ С правилами ознакомлен(а)").await;
    let summary = user.last_text();
    assert!(summary.starts_with("Шаг 8/8\nПроверьте заявление:"));
    assert!(summary.contains("Язык сдачи: Русский язык"));
    assert!(summary.contains("Предметы: Физика – Математика"));
    assert!(summary.contains("Место: Караганда, "));
    assert!(summary.contains("09:00"));
    assert!(summary.contains("Оплата: 5\u{a0}640\u{a0}₸"));
    assert!(summary.contains("время и место изменить нельзя"));
    assert_eq!(user.buttons(), ["✅ Подтвердить", "◀️ Назад", "✖️ Отмена"]);
    assert_eq!(user.messages().len(), before + 1, "one wizard message, edited in place");

    user.press("✅ Подтвердить").await;
    let booked = user.messages().into_iter().find(|m| m.message_id == wizard_id).unwrap();
    assert!(booked.text.starts_with("Заявление №"), "{}", booked.text);
    assert!(booked.text.contains("Срок оплаты — 11:00"), "10:00 in Almaty + 60 minutes: {}", booked.text);

    let (status, deadline_minutes, booked_seats): (String, f64, i32) = sqlx::query_as(
        "SELECT a.status::text, (EXTRACT(EPOCH FROM a.payment_deadline - a.created_at) / 60)::float8, s.booked
         FROM applications a JOIN slots s ON s.id = a.slot_id",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(status, "awaiting_payment");
    assert_eq!(deadline_minutes, 60.0);
    assert_eq!(booked_seats, 1);
    let jobs: Vec<(String, Option<i32>)> =
        sqlx::query_as("SELECT kind, (payload->>'minutes_left')::int FROM scheduled_jobs ORDER BY due_at")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(
        jobs,
        [
            ("payment_reminder".into(), Some(30)),
            ("payment_reminder".into(), Some(10)),
            ("payment_expiry".into(), None)
        ]
    );
    assert_eq!(step(&app, &user).await["step"], "menu");
}

#[tokio::test]
async fn the_whole_wizard_in_kazakh_with_the_under_16_note() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(3002, "Қазақша").await;
    // Born in 2011: 15 on a January 2027 test day.
    sqlx::query("UPDATE applicants SET birth_date = '2011-05-01' WHERE telegram_user_id = $1")
        .bind(user.id())
        .execute(app.pool())
        .await
        .unwrap();

    user.tap("📝 Өтініш беру").await;
    assert!(user.last_text().starts_with("Қадам 1/8\nСанатыңызды таңдаңыз:"));
    user.press("2").await;
    user.press("Қазақ тілі").await;
    user.press("Химия – Биология").await;
    user.press("Қарағанды").await;
    let first_date = user.buttons()[0].clone();
    assert!(first_date.ends_with(" дс"));
    user.press(&first_date).await;
    let time = user.buttons()[0].clone();
    assert!(time.ends_with(" орын"), "{time}");
    user.press(&time).await;
    assert!(user.last_text().contains("Тест күні сізге 16 жас толмайды"));
    user.press("✅ Ережелермен таныстым").await;
    assert!(user.last_text().contains("Тапсыру тілі: Қазақ тілі"));
    assert!(user.last_text().contains("Төлем: 5\u{a0}640\u{a0}₸"));
    user.press("✅ Растау").await;
    assert!(
        user.messages()
            .iter()
            .any(|m| m.text.starts_with("Өтініш №") && m.text.contains("Төлем мерзімі — 11:00"))
    );
    assert_eq!(count(&app, "SELECT count(*) FROM applications WHERE status = 'awaiting_payment'").await, 1);
}

#[tokio::test]
async fn every_refusal_is_specific() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(3003, "Русский").await;

    // Not open yet.
    sqlx::query(
        "UPDATE campaigns SET registration_opens_at = $1, registration_closes_at = $1 + interval '9 days'",
    )
    .bind(app.clock.now() + Duration::days(2))
    .execute(app.pool())
    .await
    .unwrap();
    user.send("📝 Подать заявление").await;
    assert!(
        user.last_text().starts_with("Приём заявлений ещё не начался. Начало: 24 декабря"),
        "{}",
        user.last_text()
    );

    // Over.
    sqlx::query("UPDATE campaigns SET registration_opens_at = $1 - interval '10 days', registration_closes_at = $1 - interval '1 day'")
        .bind(app.clock.now())
        .execute(app.pool())
        .await
        .unwrap();
    user.send("📝 Подать заявление").await;
    assert_eq!(user.last_text(), "Приём заявлений завершён.");

    // Database closed.
    sqlx::query("UPDATE campaigns SET registration_closes_at = $1 + interval '5 days', database_closed_at = $1 - interval '1 hour'")
        .bind(app.clock.now())
        .execute(app.pool())
        .await
        .unwrap();
    user.send("📝 Подать заявление").await;
    assert_eq!(user.last_text(), "База данных закрыта: новые заявления не принимаются.");

    // An active application.
    sqlx::query("UPDATE campaigns SET database_closed_at = NULL").execute(app.pool()).await.unwrap();
    to_summary(&user, "Алматы").await;
    user.press("✅ Подтвердить").await;
    user.send("📝 Подать заявление").await;
    assert!(user.last_text().starts_with("У вас уже есть активное заявление"));

    // A no-show.
    sqlx::query("UPDATE applications SET status = 'no_show'").execute(app.pool()).await.unwrap();
    user.send("📝 Подать заявление").await;
    assert!(user.last_text().starts_with("Вы не явились на тестирование"));
    assert_eq!(count(&app, "SELECT count(*) FROM applications").await, 1);
    assert_eq!(step(&app, &user).await["step"], "menu");
}

#[tokio::test]
async fn back_and_cancel_work_from_every_step() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(3004, "Русский").await;
    to_summary(&user, "Алматы").await;

    for n in (1..=7).rev() {
        user.press("◀️ Назад").await;
        assert!(
            user.last_text().starts_with(&format!("Шаг {n}/8")),
            "back to step {n}: {}",
            user.last_text()
        );
    }
    assert!(!user.buttons().contains(&"◀️ Назад".to_string()), "no back on the first step");

    // Cancel from each step: walk forward k steps, then cancel.
    let forward = ["1", "Русский язык", "Физика – Математика", "Алматы"];
    for k in 0..forward.len() {
        if k > 0 {
            user.send("📝 Подать заявление").await;
        }
        for b in &forward[..k] {
            user.press(b).await;
        }
        user.press("✖️ Отмена").await;
        assert!(user.messages().iter().any(|m| m.text == "Подача заявления отменена."));
        assert!(user.last_text().contains("Главное меню"));
        assert_eq!(step(&app, &user).await["step"], "menu");
        if k == 0 {
            user.send("📝 Подать заявление").await;
            user.press("✖️ Отмена").await;
        }
    }
    assert_eq!(count(&app, "SELECT count(*) FROM applications").await, 0);
    assert_eq!(count(&app, "SELECT COALESCE(sum(booked), 0)::bigint FROM slots").await, 0);
}

#[tokio::test]
async fn stale_buttons_and_stray_text_change_nothing() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(3005, "Русский").await;
    user.send("📝 Подать заявление").await;
    let wizard = user.last().message_id;
    let seq_before = step(&app, &user).await["seq"].as_u64().unwrap();
    user.press("1").await;

    // The category buttons of the previous render, pressed again (a double tap).
    let state_before = step(&app, &user).await;
    user.press_data(wizard, &format!("w:{seq_before}:v:2")).await;
    assert_eq!(user.callback_answers().last().unwrap().0, "Эта кнопка уже не действует.");
    assert_eq!(step(&app, &user).await, state_before);

    // Forged data with the right seq but an id that was never offered.
    let seq = state_before["seq"].as_u64().unwrap();
    user.press_data(wizard, &format!("w:{seq}:v:zz")).await;
    assert_eq!(user.callback_answers().last().unwrap().0, "Эта кнопка уже не действует.");
    assert_eq!(step(&app, &user).await, state_before);

    // Text where a button is expected: the step again, at the bottom of the chat.
    user.send("русский").await;
    assert!(user.last_text().starts_with("Выберите один из вариантов ниже"));
    assert!(user.last_text().contains("Шаг 2/8"));
    assert_ne!(user.last().message_id, wizard);
    // The old message's buttons are stale now; the new ones work.
    user.press_data(wizard, &format!("w:{seq}:v:ru")).await;
    assert_eq!(user.callback_answers().last().unwrap().0, "Эта кнопка уже не действует.");
    user.press("Русский язык").await;
    assert!(user.last_text().starts_with("Шаг 3/8"));
}

#[tokio::test]
async fn a_double_tapped_confirm_makes_one_application() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(3006, "Русский").await;
    to_summary(&user, "Астана").await;
    let summary = user.last().message_id;
    let seq = step(&app, &user).await["seq"].as_u64().unwrap();
    let data = format!("w:{seq}:c");
    let first = user.emu.press_callback_data(summary, &data);
    let second = user.emu.press_callback_data(summary, &data);
    for id in [first, second] {
        assert!(app.probe.wait(id as u32, StdDuration::from_secs(15)).await);
    }
    assert_eq!(count(&app, "SELECT count(*) FROM applications").await, 1);
    assert_eq!(count(&app, "SELECT sum(booked)::bigint FROM slots").await, 1);
}

#[tokio::test]
async fn two_hundred_applicants_race_for_twenty_seats() {
    let app = spawn_app().await;
    app.seed().await;
    // One slot in Pavlodar with 20 seats on the first day at 09:00; the rest of the city stays free.
    let slot: i64 = sqlx::query_scalar(
        "SELECT s.id FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities c ON c.id = v.city_id
         WHERE c.code = 'pavlodar' ORDER BY s.starts_at, v.id LIMIT 1",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE slots SET capacity = 20 WHERE id = $1").bind(slot).execute(app.pool()).await.unwrap();

    let mut users = vec![];
    for i in 0..200u64 {
        users.push(app.applicant_fixture(50_000 + i, "ru").await);
    }
    // Everyone gets to the summary of the same slot first…
    futures::future::join_all(users.iter().map(|u| to_summary(u, "Павлодар"))).await;
    // …then all confirm at once.
    futures::future::join_all(users.iter().map(|u| u.press("✅ Подтвердить"))).await;

    assert_eq!(count(&app, "SELECT count(*) FROM applications").await, 20);
    let booked: i32 = sqlx::query_scalar("SELECT booked FROM slots WHERE id = $1")
        .bind(slot)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(booked, 20);
    let winners =
        users.iter().filter(|u| u.messages().iter().any(|m| m.text.starts_with("Заявление №"))).count();
    assert_eq!(winners, 20);
    for loser in users.iter().filter(|u| !u.messages().iter().any(|m| m.text.starts_with("Заявление №")))
    {
        let text = loser.last_text();
        assert!(text.starts_with("Последнее место на это время только что заняли"), "{text}");
        assert!(
            !loser
                .buttons()
                .iter()
                .any(|b| b.starts_with("09:00 · Пункт проведения ЕНТ") && b.ends_with("20 мест"))
        );
        assert!(loser.last_text().contains("Шаг 6/8"));
    }
    // The invariant, for every slot: booked equals the seat-holding applications.
    let mismatched = count(
        &app,
        "SELECT count(*) FROM slots s WHERE s.booked <> (SELECT count(*) FROM applications a
            WHERE a.slot_id = s.id AND a.status IN ('awaiting_payment', 'paid', 'no_show'))",
    )
    .await;
    assert_eq!(mismatched, 0);
}

#[tokio::test]
async fn a_confirm_left_on_an_abandoned_wizard_cannot_book_the_next_wizards_choices() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(3091, "Русский").await;
    to_summary(&user, "Караганда").await;
    let abandoned = user.last().message_id;
    user.send("/cancel").await;
    // A new wizard, the same number of steps: its buttons must not match the old ones.
    to_summary(&user, "Алматы").await;
    let current = user.last().message_id;
    assert_ne!(current, abandoned);

    user.press_on(abandoned, "✅ Подтвердить").await;
    assert_eq!(user.callback_answers().last().unwrap().0, "Эта кнопка уже не действует.");
    assert_eq!(
        count(&app, "SELECT count(*) FROM applications").await,
        0,
        "nothing booked from the old summary"
    );

    user.press_on(current, "✅ Подтвердить").await;
    let city: String = sqlx::query_scalar(
        "SELECT ci.name_ru FROM applications a JOIN slots s ON s.id = a.slot_id JOIN venues v ON v.id = s.venue_id
         JOIN cities ci ON ci.id = v.city_id",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(city, "Алматы");
}
