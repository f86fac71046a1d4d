//! Onboarding through the emulator and a real SMTP server: email code, IIN, phone.

use chrono::{Duration, NaiveDate};

use crate::helpers::{TestApp, TestUser, spawn_app};

#[derive(Debug, sqlx::FromRow)]
struct ApplicantRow {
    email: Option<String>,
    iin: Option<String>,
    full_name: Option<String>,
    birth_date: Option<NaiveDate>,
    phone: Option<String>,
}

async fn applicant(app: &TestApp, user: &TestUser) -> Option<ApplicantRow> {
    sqlx::query_as("SELECT email, iin::text AS iin, full_name, birth_date, phone FROM applicants WHERE telegram_user_id = $1")
        .bind(user.id())
        .fetch_optional(app.pool())
        .await
        .unwrap()
}

async fn step(app: &TestApp, user: &TestUser) -> String {
    let state: serde_json::Value = sqlx::query_scalar("SELECT state FROM dialogue_states WHERE chat_id = $1")
        .bind(user.id())
        .fetch_one(app.pool())
        .await
        .unwrap();
    state["step"].as_str().unwrap().to_string()
}

fn born(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn the_whole_onboarding_in_kazakh() {
    let app = spawn_app().await;
    let iin = app.add_person(1, born(2008, 3, 15), "Серікова", "Айгерім", Some("Нұрланқызы")).await;
    let user = app.user(2001, Some("kk"));

    user.send("/start").await.press("Қазақша").await;
    assert!(user.last_text().starts_with("Электрондық поштаңызды жазыңыз"));

    user.send("  Aigerim.S@Mail.KZ ").await;
    assert!(user.last_text().starts_with("aigerim.s@mail.kz поштасына код жібердік"));
    assert_eq!(user.buttons(), ["🔁 Кодты қайта жіберу", "✏️ Поштаны өзгерту"]);
    let mails = app.smtp.wait_for(1).await;
    assert_eq!(mails[0].to, ["aigerim.s@mail.kz"]);
    assert_eq!(mails[0].subject, "ҰБТ-ға тіркелу: растау коды");
    let code = app.smtp.last_code_for("aigerim.s@mail.kz");
    assert!(mails[0].text.contains(&format!("Поштаңызды растау коды: {code}")));
    assert!(mails[0].html.contains(&code), "an HTML part too");
    let stored: String =
        sqlx::query_scalar("SELECT code_hash FROM email_verifications").fetch_one(app.pool()).await.unwrap();
    assert!(!stored.contains(&code), "only a hash of the code is stored");

    user.send(&format!("{} {}", &code[..3], &code[3..])).await;
    assert!(user.messages().iter().any(|m| m.text == "Пошта расталды ✅"));
    assert!(user.last_text().starts_with("ЖСН-іңізді жазыңыз"));

    user.send(&iin).await;
    assert_eq!(user.last_text(), "Бұл сіз бе?\nСерікова Айгерім Нұрланқызы");
    assert_eq!(user.buttons(), ["✅ Иә, менмін", "❌ Жоқ"]);
    user.press("✅ Иә, менмін").await;
    assert!(user.messages().iter().any(|m| m.text == "ЖСН сақталды ✅"));
    assert!(user.last_text().starts_with("Байланыс телефоныңызды жіберіңіз"));
    assert_eq!(user.keyboard(), ["📱 Нөмірімді жіберу"]);

    user.tap("📱 Нөмірімді жіберу").await;
    assert!(
        user.messages()
            .iter()
            .any(|m| m.text == "Профиліңіз дайын ✅ Енді ҰБТ-ға өтініш беріңіз: «📝 Өтініш беру».")
    );
    assert!(user.last_text().contains("Басты мәзір"));
    assert_eq!(user.keyboard()[0], "📝 Өтініш беру", "the contact keyboard is gone");

    let row = applicant(&app, &user).await.unwrap();
    assert_eq!(row.email.as_deref(), Some("aigerim.s@mail.kz"));
    assert_eq!(row.iin.as_deref(), Some(iin.as_str()));
    assert_eq!(row.full_name.as_deref(), Some("Серікова Айгерім Нұрланқызы"));
    assert_eq!(row.birth_date, Some(born(2008, 3, 15)));
    assert!(row.phone.unwrap().starts_with("+77"));
    assert_eq!(step(&app, &user).await, "menu");
}

#[tokio::test]
async fn the_whole_onboarding_in_russian_with_a_typed_phone() {
    let app = spawn_app().await;
    let iin = app.add_person(2, born(1999, 12, 1), "Ким", "Виктор", None).await;
    let user = app.user(2002, Some("ru"));

    user.send("/start").await.press("Русский").await;
    assert!(user.last_text().starts_with("Напишите адрес электронной почты —"));
    user.send("viktor@example.kz").await;
    assert!(user.last_text().starts_with("Отправили код на viktor@example.kz"));
    assert_eq!(app.smtp.mails()[0].subject, "Регистрация на ЕНТ: код подтверждения");
    user.send(&app.smtp.last_code_for("viktor@example.kz")).await;
    assert!(user.last_text().starts_with("Напишите ваш ИИН"));

    // People type IINs with spaces or dashes; both are accepted.
    let spaced = format!("{}-{} {}", &iin[..4], &iin[4..8], &iin[8..]);
    user.send(&spaced).await;
    assert_eq!(user.last_text(), "Это вы?\nКим Виктор");
    user.press("✅ Да, это я").await;
    assert!(user.last_text().starts_with("Отправьте номер телефона"));

    user.send("8 (701) 234-56-78").await;
    assert!(
        user.messages()
            .iter()
            .any(|m| m.text == "Профиль готов ✅ Теперь подайте заявление на ЕНТ: «📝 Подать заявление».")
    );
    assert!(user.last_text().contains("Главное меню"));
    let row = applicant(&app, &user).await.unwrap();
    assert_eq!(row.phone.as_deref(), Some("+77012345678"));
    assert_eq!(row.iin.as_deref(), Some(iin.as_str()));
}

async fn at_code_step(app: &TestApp, id: u64, email: &str) -> TestUser {
    let user = app.user(id, Some("ru"));
    user.send("/start").await.press("Русский").await;
    user.send(email).await;
    assert!(user.last_text().starts_with("Отправили код"), "{}", user.transcript());
    user
}

fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test]
async fn five_wrong_codes_void_the_code() {
    let app = spawn_app().await;
    let user = at_code_step(&app, 2003, "five@mail.kz").await;
    let code = app.smtp.last_code_for("five@mail.kz");

    for left in [4, 3, 2, 1] {
        user.send(&wrong(&code)).await;
        assert_eq!(user.last_text(), format!("Неверный код. Осталось попыток: {left}."));
    }
    user.send(&wrong(&code)).await;
    assert_eq!(user.last_text(), "Код введён неверно 5 раз и больше не действует. Запросите новый.");
    assert_eq!(user.buttons(), ["🔁 Отправить код ещё раз", "✏️ Изменить почту"]);

    // Even the right code is refused now.
    user.send(&code).await;
    assert!(user.last_text().starts_with("Код введён неверно 5 раз"));
    assert!(applicant(&app, &user).await.is_none(), "nothing verified");
    // The void code stays stored, used up, so its cooldown holds (tests/api/email_code_limits.rs).
    let attempts: i32 =
        sqlx::query_scalar("SELECT attempts FROM email_verifications").fetch_one(app.pool()).await.unwrap();
    assert_eq!(attempts, 5);

    // A new code, once the cooldown is over, works.
    app.clock.advance(Duration::seconds(61));
    user.press("🔁 Отправить код ещё раз").await;
    app.smtp.wait_for(2).await;
    user.send(&app.smtp.last_code_for("five@mail.kz")).await;
    assert_eq!(applicant(&app, &user).await.unwrap().email.as_deref(), Some("five@mail.kz"));

    // Letters are not a code and do not cost an attempt.
    let other = at_code_step(&app, 2013, "letters@mail.kz").await;
    other.send("abc").await;
    assert_eq!(other.last_text(), "Напишите 6 цифр кода из письма.");
    let attempts: i32 =
        sqlx::query_scalar("SELECT attempts FROM email_verifications WHERE telegram_user_id = $1")
            .bind(other.id())
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(attempts, 0);
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = spawn_app().await;
    let user = at_code_step(&app, 2004, "late@mail.kz").await;
    let code = app.smtp.last_code_for("late@mail.kz");

    app.clock.advance(Duration::minutes(15) + Duration::seconds(1));
    user.send(&code).await;
    assert_eq!(user.last_text(), "Срок действия кода истёк (15 минут). Запросите новый.");
    assert!(applicant(&app, &user).await.is_none());

    user.press("🔁 Отправить код ещё раз").await;
    app.smtp.wait_for(2).await;
    let fresh = app.smtp.last_code_for("late@mail.kz");
    app.clock.advance(Duration::minutes(14));
    user.send(&fresh).await;
    assert_eq!(applicant(&app, &user).await.unwrap().email.as_deref(), Some("late@mail.kz"));
}

#[tokio::test]
async fn a_new_code_waits_for_the_cooldown() {
    let app = spawn_app().await;
    let user = at_code_step(&app, 2005, "again@mail.kz").await;
    let first = app.smtp.last_code_for("again@mail.kz");

    app.clock.advance(Duration::seconds(20));
    user.press("🔁 Отправить код ещё раз").await;
    assert_eq!(user.last_text(), "Новый код можно запросить через 40 сек.");
    assert_eq!(app.smtp.mails().len(), 1, "no second email");

    app.clock.advance(Duration::seconds(41));
    user.press("🔁 Отправить код ещё раз").await;
    assert!(user.last_text().starts_with("Отправили код на again@mail.kz"));
    app.smtp.wait_for(2).await;
    let second = app.smtp.last_code_for("again@mail.kz");
    if second != first {
        user.send(&first).await;
        assert!(user.last_text().starts_with("Неверный код"), "the first code was replaced");
    }
    user.send(&second).await;
    assert_eq!(applicant(&app, &user).await.unwrap().email.as_deref(), Some("again@mail.kz"));
}

#[tokio::test]
async fn the_address_can_be_corrected_before_confirming() {
    let app = spawn_app().await;
    let user = at_code_step(&app, 2006, "tpyo@mail.kz").await;

    user.press("✏️ Изменить почту").await;
    assert!(user.last_text().starts_with("Напишите адрес электронной почты —"));
    user.send("not an email").await;
    assert_eq!(user.last_text(), "Это не похоже на адрес почты. Например: aigerim@mail.kz");
    app.clock.advance(Duration::seconds(61));
    user.send("typo.fixed@mail.kz").await;
    user.send(&app.smtp.last_code_for("typo.fixed@mail.kz")).await;
    assert_eq!(applicant(&app, &user).await.unwrap().email.as_deref(), Some("typo.fixed@mail.kz"));

    // Typing a new address instead of the code works as well.
    let other = at_code_step(&app, 2016, "first@mail.kz").await;
    app.clock.advance(Duration::seconds(61));
    other.send("second@mail.kz").await;
    assert!(other.last_text().starts_with("Отправили код на second@mail.kz"));
    other.send(&app.smtp.last_code_for("second@mail.kz")).await;
    assert_eq!(applicant(&app, &other).await.unwrap().email.as_deref(), Some("second@mail.kz"));
}

#[tokio::test]
async fn smtp_down_keeps_the_step_and_allows_an_immediate_retry() {
    let app = spawn_app().await;
    let user = app.user(2007, Some("kk"));
    user.send("/start").await.press("Қазақша").await;

    app.smtp.set_down(true);
    user.send("down@mail.kz").await;
    assert_eq!(user.last_text(), "Хатты қазір жіберу мүмкін болмады. Бір-екі минуттан соң қайталап көріңіз.");
    assert_eq!(step(&app, &user).await, "ask_email");
    let pending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM email_verifications").fetch_one(app.pool()).await.unwrap();
    assert_eq!(pending, 0);

    app.smtp.set_down(false);
    user.send("down@mail.kz").await;
    assert!(user.last_text().starts_with("down@mail.kz поштасына код жібердік"));
}

async fn at_iin_step(app: &TestApp, id: u64) -> TestUser {
    let user = at_code_step(app, id, &format!("u{id}@mail.kz")).await;
    user.send(&app.smtp.last_code_for(&format!("u{id}@mail.kz"))).await;
    assert!(user.last_text().starts_with("Напишите ваш ИИН"), "{}", user.transcript());
    user
}

#[tokio::test]
async fn malformed_iins_get_a_specific_answer_and_change_nothing() {
    let app = spawn_app().await;
    let user = at_iin_step(&app, 2008).await;

    let cases = [
        ("080315600017", "В ИИН ошибка: не сходится контрольная цифра. Проверьте каждую цифру."),
        ("081315600016", "Первые 6 цифр ИИН — дата рождения (ГГММДД). Здесь ошибка, проверьте."),
        ("080230600016", "Первые 6 цифр ИИН — дата рождения (ГГММДД). Здесь ошибка, проверьте."),
        ("080315900016", "7-я цифра ИИН неверна. Проверьте и напишите ещё раз."),
        ("08031560001A", "ИИН состоит только из цифр. Напишите ещё раз."),
        ("мой иин", "ИИН состоит только из цифр. Напишите ещё раз."),
        ("08031560001", "В ИИН 12 цифр. Проверьте и напишите ещё раз."),
        ("0803156000160", "В ИИН 12 цифр. Проверьте и напишите ещё раз."),
    ];
    for (input, answer) in cases {
        user.send(input).await;
        assert_eq!(user.last_text(), answer, "for {input}");
    }
    // Valid, but not in the registry.
    user.send("080315600016").await;
    assert!(user.last_text().starts_with("Такого ИИН нет в реестре. Проверьте цифры и напишите ещё раз."));
    assert!(!user.last_text().contains("сохранено"), "no technical detail");
    assert!(user.last_text().ends_with("support@ent.test"));
    user.send_photo().await;
    assert!(user.last_text().starts_with("Напишите ваш ИИН"));
    assert_eq!(applicant(&app, &user).await.unwrap().iin, None);
    assert_eq!(step(&app, &user).await, "ask_iin");
}

#[tokio::test]
async fn an_iin_bound_to_another_account_is_refused() {
    let app = spawn_app().await;
    let owner = app.onboarded_user(2009, "Русский").await;
    let iin = applicant(&app, &owner).await.unwrap().iin.unwrap();

    let intruder = at_iin_step(&app, 2010).await;
    intruder.send(&iin).await;
    assert!(intruder.last_text().starts_with("Этот ИИН уже привязан к другому аккаунту Telegram"));
    assert_eq!(applicant(&app, &intruder).await.unwrap().iin, None);
    assert_eq!(applicant(&app, &owner).await.unwrap().iin.as_deref(), Some(iin.as_str()));
}

#[tokio::test]
async fn two_accounts_confirming_one_iin_at_once_bind_it_once() {
    let app = spawn_app().await;
    let iin = app.add_person(3, born(2007, 7, 7), "Омаров", "Ерлан", Some("Асқарұлы")).await;
    let a = at_iin_step(&app, 2011).await;
    let b = at_iin_step(&app, 2012).await;
    a.send(&iin).await;
    b.send(&iin).await;
    assert_eq!(a.buttons()[0], "✅ Да, это я");
    assert_eq!(b.buttons()[0], "✅ Да, это я");

    tokio::join!(a.press("✅ Да, это я"), b.press("✅ Да, это я"));

    let holders: i64 = sqlx::query_scalar("SELECT count(*) FROM applicants WHERE iin = $1")
        .bind(&iin)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(holders, 1);
    let refused =
        [&a, &b].iter().filter(|u| u.transcript().contains("уже привязан к другому аккаунту")).count();
    assert_eq!(refused, 1, "exactly one of them is told the IIN is taken");
}

#[tokio::test]
async fn no_on_the_name_and_a_stale_yes_change_nothing() {
    let app = spawn_app().await;
    let first = app.add_person(4, born(2006, 1, 2), "Ахметова", "Дана", None).await;
    let second = app.add_person(5, born(2006, 1, 3), "Ахметов", "Данияр", None).await;
    let user = at_iin_step(&app, 2014).await;

    user.send(&first).await;
    let old_question = user.last().message_id;
    user.press("❌ Нет").await;
    assert!(user.last_text().starts_with("Тогда проверьте ИИН и напишите снова"));
    assert_eq!(step(&app, &user).await, "ask_iin");

    user.send(&second).await;
    assert_eq!(user.last_text(), "Это вы?\nАхметов Данияр");
    // The Yes of the first question was for another IIN: refused as stale.
    let id = user.emu.press_callback_data(old_question, &format!("iin:y:{first}"));
    assert!(app.probe.wait(id as u32, std::time::Duration::from_secs(10)).await);
    assert_eq!(user.callback_answers().last().unwrap().0, "Эта кнопка уже не действует.");
    assert_eq!(applicant(&app, &user).await.unwrap().iin, None);

    // A sticker instead of Yes / No: the question again, with its buttons.
    user.send_sticker().await;
    assert_eq!(user.buttons(), ["✅ Да, это я", "❌ Нет"]);
    user.press("✅ Да, это я").await;
    assert_eq!(applicant(&app, &user).await.unwrap().iin.as_deref(), Some(second.as_str()));
}

#[tokio::test]
async fn only_the_senders_own_contact_is_accepted() {
    let app = spawn_app().await;
    let iin = app.add_person(6, born(2008, 8, 8), "Жанова", "Әлия", None).await;
    let user = at_iin_step(&app, 2015).await;
    user.send(&iin).await.press("✅ Да, это я").await;

    user.share_contact("+77019998877", Some(999_999)).await;
    assert_eq!(user.last_text(), "Нужен ваш собственный номер: нажмите «📱 Отправить мой номер».");
    user.share_contact("+77019998877", None).await;
    assert_eq!(user.last_text(), "Нужен ваш собственный номер: нажмите «📱 Отправить мой номер».");
    user.send("+7 495 123 45 67").await;
    assert_eq!(user.last_text(), "Нужен казахстанский мобильный номер, например: +7 701 234 56 78");
    user.send_sticker().await;
    assert!(user.last_text().starts_with("Отправьте номер телефона"));
    assert_eq!(applicant(&app, &user).await.unwrap().phone, None);

    user.share_contact("77071112233", Some(user.id() as u64)).await;
    assert_eq!(applicant(&app, &user).await.unwrap().phone.as_deref(), Some("+77071112233"));
}

#[tokio::test]
async fn help_cancel_and_the_menu_during_onboarding() {
    let app = spawn_app().await;
    let user = at_code_step(&app, 2017, "help@mail.kz").await;

    user.send("/help").await;
    assert!(user.messages().iter().any(|m| m.text.starts_with(
        "Напишите 6 цифр из письма, например: 482915. Код действует 15 минут, на ввод есть 5 попыток."
    )));
    assert!(user.last_text().starts_with("Отправили код на help@mail.kz"), "the step's question again");

    user.send("/cancel").await;
    assert!(user.last_text().starts_with("Отменено."));
    assert_eq!(step(&app, &user).await, "menu");

    // Any section first finishes onboarding.
    user.tap("📝 Подать заявление").await;
    assert!(user.last_text().starts_with("Напишите адрес электронной почты —"));
    assert_eq!(step(&app, &user).await, "ask_email");
}

#[tokio::test]
async fn help_at_the_name_check_and_the_phone_step_says_what_to_do_and_asks_again() {
    let app = spawn_app().await;
    let user = at_code_step(&app, 2019, "steps@mail.kz").await;
    user.send(&app.smtp.last_code_for("steps@mail.kz")).await;
    let birth = chrono::NaiveDate::from_ymd_opt(2008, 3, 15).unwrap();
    let iin = app.add_person(2019, birth, "Серікова", "Айгерім", Some("Нұрланқызы")).await;
    user.send(&iin).await;

    user.send("/help").await;
    assert!(
        user.messages()
            .iter()
            .any(|m| m.text.starts_with("Проверьте ФИО. Если это вы — нажмите «✅ Да, это я»"))
    );
    assert!(user.last_text().contains("Серікова Айгерім"), "the name is shown again:\n{}", user.transcript());
    user.press("✅ Да, это я").await;

    user.send("/help").await;
    assert!(
        user.messages()
            .iter()
            .any(|m| m.text.starts_with("Нажмите «📱 Отправить мой номер» или напишите номер"))
    );
    assert_eq!(user.keyboard(), vec!["📱 Отправить мой номер"], "the contact button is offered again");
}

#[tokio::test]
async fn the_verified_email_can_be_changed_by_confirming_the_new_one() {
    let app = spawn_app().await;
    let user = app.onboarded_user(2018, "Русский").await;
    assert_eq!(applicant(&app, &user).await.unwrap().email.as_deref(), Some("user2018@mail.kz"));

    user.send("/email").await;
    assert!(user.last_text().starts_with("Напишите адрес электронной почты —"));
    app.clock.advance(Duration::seconds(61));
    user.send("new.address@mail.kz").await;
    // Not confirmed yet: the old address stays.
    assert_eq!(applicant(&app, &user).await.unwrap().email.as_deref(), Some("user2018@mail.kz"));
    user.send(&app.smtp.last_code_for("new.address@mail.kz")).await;
    assert!(user.messages().iter().any(|m| m.text == "Почта подтверждена ✅"));
    assert!(user.last_text().contains("Главное меню"), "onboarding is complete: back to the menu");
    let row = applicant(&app, &user).await.unwrap();
    assert_eq!(row.email.as_deref(), Some("new.address@mail.kz"));
    assert!(row.iin.is_some() && row.phone.is_some(), "nothing else changes");
}
