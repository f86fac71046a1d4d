//! Submitting an application: the wizard, its refusals, and seat booking that never oversells.

use std::time::Duration as StdDuration;

use chrono::Duration;

use crate::helpers::{self, STEPS, TestApp, TestUser, spawn_app, step_kk};

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

const CONFIRM: &str = "✅ Правила прочитаны, подтверждаю";

/// Walks a Russian-speaking applicant from the menu to the summary: a school graduate,
/// Russian, physics–maths, `city`, the first date, the first time.
async fn to_summary(user: &TestUser, city: &str) {
    user.send("📝 Подать заявление").await;
    user.press("Выпускник школы 2027 года").await;
    user.press("Русский язык").await;
    user.press("Физика – Математика").await;
    user.press(city).await;
    let first_date = user.buttons()[0].clone();
    user.press(&first_date).await;
    let first_time = user.buttons()[0].clone();
    user.press(&first_time).await;
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
    assert!(user.last_text().starts_with(&format!("{}\nВыберите категорию участника", helpers::step(1))));
    assert_eq!(
        user.buttons(),
        [
            "Выпускник школы 2027 года",
            "Условно зачисленный в вуз",
            "Выпускник колледжа",
            "Выпускник школы прошлых лет",
            "Гражданин РК, учился за рубежом",
            "Казах, не гражданин РК",
            "Перевод с творческой программы",
            "Перевод на педагогику",
            "ℹ️ Подробнее о категориях",
            "✖️ Отмена"
        ]
    );

    user.press("Выпускник школы 2027 года").await;
    assert!(user.last_text().starts_with(&format!("{}\nВыберите язык сдачи теста:", helpers::step(2))));
    assert_eq!(
        user.buttons(),
        ["Казахский язык", "Русский язык", "Английский язык", "◀️ Назад", "✖️ Отмена"]
    );
    user.press("Русский язык").await;
    assert!(user.last_text().starts_with(&helpers::step(3)));
    assert_eq!(user.buttons().len(), 13 + 2, "13 combinations and the navigation");
    assert!(user.buttons().contains(&"Творческий экзамен".to_string()));
    user.press("Физика – Математика").await;
    assert!(user.last_text().starts_with(&format!("{}\nВыберите город тестирования:", helpers::step(4))));
    user.press("Караганда").await;
    assert!(user.last_text().starts_with(&format!("{}\nКараганда: выберите дату.", helpers::step(5))));
    let first_date = user.buttons()[0].clone();
    assert!(first_date.ends_with(" пн"), "the week of slots starts on a Monday: {first_date}");
    user.press(&first_date).await;
    assert!(user.last_text().starts_with(&format!(
        "{}\nКараганда, 11 января, понедельник: выберите время.",
        helpers::step(STEPS - 1)
    )));
    let times = user.buttons();
    assert!(times[0].starts_with("09:00 · "), "{times:?}");
    assert!(times[0].ends_with(" мест") || times[0].ends_with(" места"), "free seats shown: {times:?}");
    user.press(&times[0].clone()).await;
    let summary = user.last_text();
    assert!(summary.starts_with(&format!("{}\nПроверьте заявление:", helpers::step(STEPS))), "{summary}");
    // The category by its short label: the full wording is one tap away on the first step.
    assert!(summary.contains("Категория: Выпускник школы 2027 года\n"), "{summary}");
    assert!(summary.contains("Язык сдачи: Русский язык"));
    assert!(summary.contains("Предметы: Физика – Математика"));
    assert!(summary.contains("Место: Караганда, Университет им. Е.А. Букетова"), "{summary}");
    assert!(summary.contains("Дата и время: 11 января, понедельник, 09:00"));
    assert!(summary.contains("Стоимость: 5\u{a0}640\u{a0}₸"));
    assert!(summary.contains("Потом изменить время и место будет нельзя."));
    assert!(!summary.contains("16 лет"), "born 2008-03-15: 18 on the test day");
    assert_eq!(user.buttons(), [CONFIRM, "📜 Правила тестирования", "◀️ Назад", "✖️ Отмена"]);

    // The rules, readable before confirming; confirming from there works too.
    user.press("📜 Правила тестирования").await;
    let rules = user.last_text();
    assert!(
        rules.starts_with(&format!(
            "{}\n📜 Правила тестирования\n• Тест длится 240 минут.",
            helpers::step(STEPS)
        )),
        "{rules}"
    );
    assert!(rules.contains("удостоверение личности или паспорт"));
    assert!(rules.contains("eGov, Kaspi или Halyk"));
    assert!(rules.contains("и ручку."), "{rules}");
    assert!(rules.contains("Если не оплатить в течение 60 минут, заявление аннулируется."), "{rules}");
    assert!(!rules.contains("16 лет"));
    assert_eq!(user.buttons(), [CONFIRM, "◀️ Назад", "✖️ Отмена"]);
    user.press("◀️ Назад").await;
    assert!(user.last_text().starts_with(&format!("{}\nПроверьте заявление:", helpers::step(STEPS))));
    user.press("📜 Правила тестирования").await;
    assert_eq!(user.messages().len(), before + 1, "one wizard message, edited in place");

    user.press(CONFIRM).await;
    let booked = user.messages().into_iter().find(|m| m.message_id == wizard_id).unwrap();
    assert!(booked.text.starts_with("Заявление №"), "{}", booked.text);
    assert!(booked.text.contains("Место закреплено за вами на 60 минут"), "{}", booked.text);
    // The deadline is in the payment options just below.
    let options = user.last_text();
    assert!(options.contains("Срок оплаты — 11:00"), "10:00 in Almaty + 60 minutes: {options}");

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
    assert!(user.last_text().starts_with(&format!("{}\nҚатысушы санатын таңдаңыз", step_kk(1))));
    user.press("2027 жылғы мектеп бітіруші").await;
    user.press("Қазақ тілі").await;
    user.press("Химия – Биология").await;
    user.press("Қарағанды").await;
    let first_date = user.buttons()[0].clone();
    assert!(first_date.ends_with(" дс"));
    user.press(&first_date).await;
    let time = user.buttons()[0].clone();
    assert!(time.ends_with(" орын"), "{time}");
    user.press(&time).await;
    let summary = user.last_text();
    assert!(summary.starts_with(&format!("{}\nӨтінішті тексеріңіз:", step_kk(STEPS))), "{summary}");
    assert!(summary.contains("Санаты: 2027 жылғы мектеп бітіруші\n"), "{summary}");
    assert!(summary.contains("Тестілеу тілі: Қазақ тілі"));
    assert!(summary.contains("Құны: 5\u{a0}640\u{a0}₸"));
    assert!(summary.contains("Тест күні сізге 16 жас толмайды"), "{summary}");
    assert!(summary.contains("3×4"));
    user.press("📜 Тестілеу ережелері").await;
    assert!(user.last_text().contains("тестілеуден шығарылады"));
    assert!(user.last_text().contains("60 минут ішінде төленбесе, өтініш жойылады."));
    assert!(user.last_text().contains("Тест күні сізге 16 жас толмайды"));
    user.press("✅ Ережелерді оқыдым, растаймын").await;
    assert!(
        user.messages().iter().any(|m| m.text.starts_with("№")
            && m.text.contains("өтініш қабылданды ✅")
            && m.text.contains("Орын сізге 60 минутқа сақталды")),
        "{}",
        user.transcript()
    );
    assert!(user.last_text().contains("Төлем мерзімі — 11:00"), "{}", user.transcript());
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
    user.press(CONFIRM).await;
    user.send("📝 Подать заявление").await;
    assert_eq!(
        user.last_text(),
        "У вас уже есть заявление на этот период. Оно в разделе «📋 Мои заявления»."
    );

    // A no-show: without a valid reason no second application; with one, write to the NCT.
    sqlx::query("UPDATE applications SET status = 'no_show'").execute(app.pool()).await.unwrap();
    user.send("📝 Подать заявление").await;
    let text = user.last_text();
    assert!(text.starts_with("Вы пропустили тестирование без уважительной причины"), "{text}");
    // The 2026 route (order No. 204): the NCT director, a later day, paper, the same language.
    assert!(text.contains("подайте заявление на имя директора НЦТ с подтверждающими документами"), "{text}");
    assert!(text.contains("на том же языке, на бумаге"), "{text}");
    assert!(text.ends_with("Контакты НЦТ: support@ent.test"), "{text}");
    assert_eq!(count(&app, "SELECT count(*) FROM applications").await, 1);
    assert_eq!(step(&app, &user).await["step"], "menu");
}

#[tokio::test]
async fn back_and_cancel_work_from_every_step() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(3004, "Русский").await;
    to_summary(&user, "Алматы").await;

    for n in (1..STEPS).rev() {
        user.press("◀️ Назад").await;
        assert!(user.last_text().starts_with(&helpers::step(n)), "back to step {n}: {}", user.last_text());
    }
    assert!(!user.buttons().contains(&"◀️ Назад".to_string()), "no back on the first step");

    // Cancel from each step: walk forward k steps, then cancel.
    let forward = ["Выпускник школы 2027 года", "Русский язык", "Физика – Математика", "Алматы"];
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
    user.press("Выпускник школы 2027 года").await;

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
    assert!(user.last_text().starts_with("Нажмите одну из кнопок ниже"));
    assert!(user.last_text().contains(&helpers::step(2)));
    assert_ne!(user.last().message_id, wizard);
    // The old message's buttons are stale now; the new ones work.
    user.press_data(wizard, &format!("w:{seq}:v:ru")).await;
    assert_eq!(user.callback_answers().last().unwrap().0, "Эта кнопка уже не действует.");
    user.press("Русский язык").await;
    assert!(user.last_text().starts_with(&helpers::step(3)));
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
    // One slot in Kokshetau with 20 seats on the first day at 09:00; the rest of the city stays free.
    let slot: i64 = sqlx::query_scalar(
        "SELECT s.id FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities c ON c.id = v.city_id
         WHERE c.code = 'kokshetau' ORDER BY s.starts_at, v.id LIMIT 1",
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
    futures::future::join_all(users.iter().map(|u| to_summary(u, "Кокшетау"))).await;
    // …then all confirm at once.
    futures::future::join_all(users.iter().map(|u| u.press(CONFIRM))).await;

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
                .any(|b| b.starts_with("09:00 · Университет им. Ш. Уалиханова") && b.ends_with("20 мест"))
        );
        assert!(loser.last_text().contains(&helpers::step(STEPS - 1)));
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
async fn the_categories_full_wording_is_paged_and_a_category_can_be_picked_there() {
    let app = spawn_app().await;
    app.seed().await;
    for (id, locale) in [(3010u64, "ru"), (3011, "kk")] {
        let user = app.applicant_fixture(id, locale).await;
        let (apply, more, first, last) = if locale == "ru" {
            (
                "📝 Подать заявление",
                "ℹ️ Подробнее о категориях",
                "Выпускник школы 2027 года",
                "Перевод на педагогику",
            )
        } else {
            (
                "📝 Өтініш беру",
                "ℹ️ Санаттар туралы толығырақ",
                "2027 жылғы мектеп бітіруші",
                "Педагогикаға ауысу",
            )
        };
        user.send(apply).await;
        let wizard = user.last().message_id;
        user.press(more).await;
        assert_eq!(user.last().message_id, wizard, "the same message, edited");
        let mut pages = vec![user.last_text()];
        while user.buttons().contains(&"▶️".to_string()) {
            user.press("▶️").await;
            pages.push(user.last_text());
        }
        assert!(pages.len() >= 2, "{pages:?}");
        let all = pages.join("\n");
        for page in &pages {
            assert!(page.chars().count() <= 600, "{} characters:\n{page}", page.chars().count());
        }
        // Every category once, numbered, with its label above its full wording.
        for n in 1..=8 {
            assert_eq!(all.matches(&format!("\n{n}. ")).count(), 1, "category {n}:\n{all}");
        }
        if locale == "ru" {
            assert!(pages[0].starts_with(&format!(
                "{}\nКатегории участников — полные формулировки (ОВПО — это вуз).",
                helpers::step(1)
            )));
            assert!(all.contains("1. Выпускник школы 2027 года\nОбучающиеся выпускных 11 (12) классов"));
            assert!(all.contains(
                "6. Казах, не гражданин РК\nЛица казахской национальности, не являющиеся гражданами"
            ));
        } else {
            assert!(pages[0].starts_with(&format!("{}\nҚатысушы санаттары — толық атаулары", step_kk(1))));
            assert!(
                all.contains("3. Колледж бітіруші\nЖОО-ға ақылы негізде түсу үшін техникалық және кәсіптік")
            );
        }
        // The last page offers its own categories; back to the first page, back to the list.
        assert!(user.buttons().contains(&last.to_string()), "{:?}", user.buttons());
        user.press("◀️").await;
        assert_eq!(user.last_text(), pages[pages.len() - 2]);
        let back = if locale == "ru" { "◀️ Назад" } else { "◀️ Артқа" };
        user.press(back).await;
        assert!(user.buttons().contains(&more.to_string()), "the short list again");
        user.press(more).await;
        assert!(user.buttons().contains(&first.to_string()));
        // A page button from an earlier render is stale.
        let seq = step(&app, &user).await["seq"].as_u64().unwrap();
        user.press_data(wizard, &format!("w:{}:p:1", seq - 1)).await;
        assert_eq!(step(&app, &user).await["seq"].as_u64().unwrap(), seq);
        user.press(first).await;
        assert!(
            user.last_text().contains(&format!(" 2/{STEPS}\n")),
            "picked from the details: {}",
            user.last_text()
        );
        assert_eq!(step(&app, &user).await["category"].as_i64(), Some(1));
    }
}

/// Every step of the wizard, with the longest category (its full wording on the category step)
/// and the city with the longest address, fits a phone screen in both languages; so does /help
/// at every step.
#[tokio::test]
async fn every_wizard_view_and_its_help_fit_one_screen() {
    let app = spawn_app().await;
    app.seed().await;
    for (id, locale) in [(3020u64, "ru"), (3021, "kk")] {
        let user = app.applicant_fixture(id, locale).await;
        let ru = locale == "ru";
        let checked = |user: &TestUser| {
            let text = user.last_text();
            assert!(text.chars().count() <= 600, "{} characters:\n{text}", text.chars().count());
        };
        let help = |expected: &'static str| {
            let user = &user;
            async move {
                let before = user.messages().len();
                user.send("/help").await;
                let answer = user.messages()[before].text.clone();
                assert!(answer.starts_with(expected), "{answer}");
                assert!(answer.chars().count() <= 600);
                // Then the step again, at the bottom of the chat.
                assert!(user.last_text().contains(&format!("/{STEPS}\n")), "{}", user.last_text());
            }
        };
        user.send(if ru { "📝 Подать заявление" } else { "📝 Өтініш беру" }).await;
        checked(&user);
        help(if ru {
            "Нажмите кнопку с вашей категорией. Оканчиваете школу в 2027 году"
        } else {
            "Өз санатыңыздың батырмасын басыңыз. Мектепті 2027 жылы"
        })
        .await;
        user.press(if ru {
            "Условно зачисленный в вуз"
        } else {
            "ЖОО-ға шартты түрде қабылданған"
        })
        .await;
        checked(&user);
        help(if ru {
            "Выберите язык, на котором будете сдавать тест"
        } else {
            "Тестті қай тілде тапсыратыныңызды таңдаңыз"
        })
        .await;
        user.press(if ru { "Английский язык" } else { "Ағылшын тілі" }).await;
        checked(&user);
        help(if ru {
            "Выберите два профильных предмета"
        } else {
            "Мамандығыңызға сай екі бейіндік пәнді таңдаңыз"
        })
        .await;
        user.press(if ru {
            "Казахский язык – Казахская литература"
        } else {
            "Дүниежүзі тарихы – Құқық негіздері"
        })
        .await;
        checked(&user);
        help(if ru {
            "Выберите город, где будете сдавать тест."
        } else {
            "Тест тапсыратын қаланы таңдаңыз."
        })
        .await;
        // Twenty cities: the list pages.
        assert!(!user.buttons().iter().any(|b| b == "Усть-Каменогорск" || b == "Өскемен"));
        user.press("▶️").await;
        checked(&user);
        user.press(if ru { "Усть-Каменогорск" } else { "Өскемен" }).await;
        checked(&user);
        help(if ru {
            "Выберите день теста, например «11.01 пн»"
        } else {
            "Тест күнін таңдаңыз, мысалы «11.01 дс»"
        })
        .await;
        let date = user.buttons()[0].clone();
        user.press(&date).await;
        checked(&user);
        help(if ru {
            "Выберите время и место."
        } else {
            "Уақыт пен орынды таңдаңыз."
        })
        .await;
        let time = user.buttons()[0].clone();
        user.press(&time).await;
        checked(&user);
        assert!(
            user.last_text().contains(if ru {
                "Категория: Условно зачисленный в вуз\n"
            } else {
                "Санаты: ЖОО-ға шартты түрде қабылданған\n"
            }),
            "the short label in the summary: {}",
            user.last_text()
        );
        help(if ru {
            "Проверьте данные."
        } else {
            "Деректерді тексеріңіз."
        })
        .await;
        // Text instead of a button: the notice above the summary still fits.
        user.send("ок").await;
        checked(&user);
        user.press(if ru {
            "📜 Правила тестирования"
        } else {
            "📜 Тестілеу ережелері"
        })
        .await;
        checked(&user);
        help(if ru {
            "Проверьте данные."
        } else {
            "Деректерді тексеріңіз."
        })
        .await;
    }
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

    user.press_on(abandoned, "✅ Правила прочитаны, подтверждаю").await;
    assert_eq!(user.callback_answers().last().unwrap().0, "Эта кнопка уже не действует.");
    assert_eq!(
        count(&app, "SELECT count(*) FROM applications").await,
        0,
        "nothing booked from the old summary"
    );

    user.press_on(current, "✅ Правила прочитаны, подтверждаю").await;
    let city: String = sqlx::query_scalar(
        "SELECT ci.name_ru FROM applications a JOIN slots s ON s.id = a.slot_id JOIN venues v ON v.id = s.venue_id
         JOIN cities ci ON ci.id = v.city_id",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(city, "Алматы");
}

/// A wizard saved before a deploy, in the JSON shape stored until now (the step and every
/// choice, null when not made), goes on where it was; one whose choices do not fit its
/// step gets the apology and the menu instead of a city or date made up.
#[tokio::test]
async fn a_wizard_stored_before_a_deploy_goes_on() {
    let app = spawn_app().await;
    app.seed().await;
    let user = app.onboarded_user(3040, "Русский").await;
    user.send("📝 Подать заявление").await;
    user.press("Выпускник школы 2027 года").await;
    user.press("Русский язык").await;
    user.press("Физика – Математика").await;
    user.press("Караганда").await;
    let now = step(&app, &user).await;
    let stored = |at: &str, city: serde_json::Value| {
        serde_json::json!({
            "step": "wizard", "seq": now["seq"], "message_id": now["message_id"], "at": at,
            "campaign_id": now["campaign_id"], "page": 0, "category": now["category"], "language": "ru",
            "combination": now["combination"], "city": city, "date": null, "slot": null,
        })
    };
    let (pool, chat) = (app.pool().clone(), user.id());
    let save = |state: serde_json::Value| {
        let pool = pool.clone();
        async move {
            sqlx::query("UPDATE dialogue_states SET state = $2 WHERE chat_id = $1")
                .bind(chat)
                .bind(state)
                .execute(&pool)
                .await
                .unwrap();
        }
    };

    save(stored("date", now["city"].clone())).await;
    let first_date = user.buttons()[0].clone();
    user.press(&first_date).await;
    let text = user.last_text();
    assert!(text.starts_with(&format!("{}\nКараганда, 11 января", helpers::step(STEPS - 1))), "{text}");

    save(stored("date", serde_json::Value::Null)).await;
    let before = user.messages().len();
    user.send("привет").await;
    assert_eq!(user.messages().len(), before + 1, "the update is answered, not dropped");
    assert!(
        user.last_text().starts_with("Не получилось продолжить с того же места."),
        "{}",
        user.last_text()
    );
    assert_eq!(step(&app, &user).await["step"], "menu");
}
