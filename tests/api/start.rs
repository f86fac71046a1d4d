//! `/start`, the interface language, the main menu, restarts and broken state.

use crate::helpers::spawn_app;

async fn stored_state(app: &crate::helpers::TestApp, chat: i64) -> Option<serde_json::Value> {
    sqlx::query_scalar("SELECT state FROM dialogue_states WHERE chat_id = $1")
        .bind(chat)
        .fetch_optional(app.pool())
        .await
        .unwrap()
}

async fn stored_locale(app: &crate::helpers::TestApp, user: i64) -> Option<String> {
    sqlx::query_scalar("SELECT locale::text FROM telegram_users WHERE id = $1")
        .bind(user)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn start_then_kazakh_shows_the_kazakh_menu() {
    let app = spawn_app().await;
    let user = app.user(1001, Some("kk"));

    user.send("/start").await;
    assert!(user.last_text().contains("Тілді таңдаңыз"));
    assert!(user.last_text().contains("Выберите язык"));
    assert_eq!(user.buttons(), ["Қазақша", "Русский"]);
    assert_eq!(stored_locale(&app, user.id()).await, None);

    user.press("Қазақша").await;
    let messages = user.messages();
    let question = &messages[0];
    assert_eq!(question.text, "Тіл: қазақша ✅", "the question is replaced by the answer");
    assert!(question.inline_keyboard.is_empty());
    // A new applicant goes on to onboarding, in Kazakh.
    assert!(user.last_text().starts_with("Электрондық поштаңызды жазыңыз"));
    assert_eq!(stored_locale(&app, user.id()).await.as_deref(), Some("kk"));
    assert_eq!(stored_state(&app, user.id()).await.unwrap()["step"], "ask_email");
}

#[tokio::test]
async fn an_onboarded_applicant_sees_the_kazakh_menu() {
    let app = spawn_app().await;
    let user = app.onboarded_user(1010, "Қазақша").await;
    assert!(user.last_text().contains("Басты мәзір"));
    assert_eq!(
        user.keyboard(),
        ["📝 Өтініш беру", "📋 Менің өтініштерім", "ℹ️ Тест туралы", "❓ Көмек", "🌐 Тіл"]
    );
    assert_eq!(stored_state(&app, user.id()).await.unwrap()["step"], "menu");
    user.send("/start").await;
    assert!(user.last_text().contains("Басты мәзір"));
}

#[tokio::test]
async fn start_then_russian_shows_the_russian_menu() {
    let app = spawn_app().await;
    let user = app.onboarded_user(1002, "Русский").await;
    assert_eq!(user.messages()[0].text, "Язык: русский ✅");
    assert!(user.last_text().contains("Главное меню"));
    assert_eq!(
        user.keyboard(),
        ["📝 Подать заявление", "📋 Мои заявления", "ℹ️ О тестировании", "❓ Помощь", "🌐 Язык"]
    );
    assert_eq!(stored_locale(&app, user.id()).await.as_deref(), Some("ru"));

    // A later /start goes straight to the menu.
    user.send("/start").await;
    assert!(user.last_text().contains("Главное меню"));
}

#[tokio::test]
async fn the_language_can_be_switched_at_any_time() {
    let app = spawn_app().await;
    let user = app.onboarded_user(1003, "Қазақша").await;

    user.send("/language").await;
    assert_eq!(user.buttons(), ["Қазақша", "Русский"]);
    user.press("Русский").await;
    assert!(user.last_text().contains("Главное меню"));
    assert_eq!(stored_locale(&app, user.id()).await.as_deref(), Some("ru"));

    // The menu button works too, and the old Russian keyboard is understood after a switch.
    user.tap("🌐 Язык").await.press("Қазақша").await;
    assert!(user.last_text().contains("Басты мәзір"));
    user.send("❓ Помощь").await;
    assert!(
        user.messages()
            .iter()
            .any(|m| m.text.contains("Бұл бот арқылы қаңтардағы ақылы ҰБТ-ға тіркелуге болады"))
    );
}

#[tokio::test]
async fn a_dialogue_survives_a_restart_of_the_bot() {
    let mut app = spawn_app().await;
    let user = app.user(1004, Some("ru"));
    user.send("/start").await;
    assert_eq!(stored_state(&app, user.id()).await.unwrap()["step"], "choosing_language");

    app.restart().await;

    // The button shown by the previous process still works in the new one.
    user.press("Русский").await;
    assert!(user.last_text().starts_with("Напишите адрес электронной почты —"));
    user.send("restart@mail.kz").await;
    assert_eq!(stored_state(&app, user.id()).await.unwrap()["step"], "await_code");

    // The code mailed by the first process is accepted by the next one.
    app.restart().await;
    user.send(&app.smtp.last_code_for("restart@mail.kz")).await;
    assert!(user.messages().iter().any(|m| m.text == "Почта подтверждена ✅"));
    assert_eq!(stored_state(&app, user.id()).await.unwrap()["step"], "ask_iin");
}

#[tokio::test]
async fn a_stored_state_that_no_longer_parses_resets_to_the_menu_with_an_apology() {
    let app = spawn_app().await;
    let user = app.onboarded_user(1005, "Русский").await;

    sqlx::query("UPDATE dialogue_states SET state = '{\"step\":\"wizard_v0\",\"x\":1}' WHERE chat_id = $1")
        .bind(user.id())
        .execute(app.pool())
        .await
        .unwrap();
    let before = user.messages().len();

    user.send("привет").await;
    assert_eq!(user.messages().len(), before + 1, "the update is answered, not dropped");
    assert!(user.last_text().starts_with("Не получилось продолжить с того же места. Возвращаемся в меню."));
    assert!(user.last_text().contains("Главное меню"));
    assert_eq!(stored_state(&app, user.id()).await.unwrap()["step"], "menu");
}

#[tokio::test]
async fn wrong_input_gets_the_question_again_and_changes_nothing() {
    let app = spawn_app().await;
    let user = app.user(1006, Some("kk"));
    user.send("/start").await;

    // Text or a sticker where a language button is expected.
    user.send("сәлем").await;
    assert_eq!(user.buttons(), ["Қазақша", "Русский"]);
    user.send_sticker().await;
    assert_eq!(user.buttons(), ["Қазақша", "Русский"]);
    assert_eq!(stored_locale(&app, user.id()).await, None);

    let user = app.onboarded_user(1016, "Қазақша").await;
    user.send("/nosuchcommand").await;
    assert_eq!(user.last_text(), "Мұндай команда жоқ. Көмек: /help");

    // A forged or outdated callback: a short notice on the button, nothing else.
    let count = user.messages().len();
    let menu_id = user.last().message_id;
    user.press_data(menu_id, "w:deadbeef:cat:1").await;
    assert_eq!(user.messages().len(), count);
    assert_eq!(user.callback_answers().last().unwrap().0, "Бұл батырма енді жарамсыз.");
    assert_eq!(stored_state(&app, user.id()).await.unwrap()["step"], "menu");

    user.send("бірдеңе").await;
    assert!(user.last_text().starts_with("Батырмалардың бірін таңдаңыз"));
}

#[tokio::test]
async fn command_menus_are_set_in_both_languages() {
    let app = spawn_app().await;
    let user = app.user(1007, Some("kk"));
    user.send("/start").await; // the bot is surely up once it answered
    let kk = app.emulator.commands("default", Some("kk")).expect("kk commands");
    let ru = app.emulator.commands("default", Some("ru")).expect("ru commands");
    assert!(kk.contains(&("language".to_string(), "Тілді ауыстыру".to_string())));
    assert!(ru.contains(&("language".to_string(), "Сменить язык".to_string())));
}

#[tokio::test]
async fn health_check_answers_when_the_database_and_the_bot_do() {
    let app = spawn_app().await;
    // Once an update was handled the bot is connected to the Bot API for sure.
    app.user(4242, Some("ru")).send("/start").await;
    let response = reqwest::get(app.http_url("/healthz")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn webhook_mode_receives_updates_from_telegram_and_refuses_a_wrong_secret() {
    let app = crate::helpers::spawn_app_with(&[("WEBHOOK_SECRET", "s3cret-token")]).await;
    let user = app.user(1020, Some("ru"));

    // The emulator POSTs updates to the webhook the bot registered, with the secret.
    user.send("/start").await.press("Русский").await;
    assert!(user.last_text().starts_with("Напишите адрес электронной почты —"));

    let client = reqwest::Client::new();
    let update = serde_json::json!({"update_id": 999_999, "message": {"message_id": 1, "date": 0,
        "chat": {"id": 1020, "type": "private", "first_name": "X"}, "from": {"id": 1020, "is_bot": false, "first_name": "X"},
        "text": "/start"}});
    for secret in [None, Some("wrong")] {
        let mut request = client.post(app.http_url("/telegram/webhook")).json(&update);
        if let Some(s) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        assert_eq!(request.send().await.unwrap().status(), 401);
    }
    assert!(!app.probe.is_done(999_999), "a forged update is never handled");
}

#[tokio::test]
async fn help_says_what_to_send_at_each_step_and_the_campaign_dates_at_the_menu() {
    let app = spawn_app().await;
    app.seed().await;

    // Before a language is chosen: both languages, then the question again.
    let user = app.user(1030, Some("ru"));
    user.send("/start").await;
    user.send("/help").await;
    let texts: Vec<String> = user.messages().iter().map(|m| m.text.clone()).collect();
    assert!(
        texts.iter().any(
            |t| t.contains("«Қазақша» немесе «Русский»") && t.contains("нажмите «Қазақша» или «Русский»")
        )
    );
    assert_eq!(user.buttons(), ["Қазақша", "Русский"]);
    user.press("Русский").await;
    for (expected, example) in [("Напишите адрес электронной почты", "например: aigerim@mail.kz")]
    {
        user.send("/help").await;
        assert!(user.messages().iter().any(|m| m.text.starts_with(expected) && m.text.contains(example)));
        assert!(user.last_text().starts_with("Напишите адрес электронной почты —"), "the question again");
    }
    user.send("help@mail.kz").await;
    user.send(&app.smtp.last_code_for("help@mail.kz")).await;
    user.send("/help").await;
    assert!(
        user.messages().iter().any(|m| m.text.starts_with("Напишите 12 цифр ИИН, например: 080315600016."))
    );
    assert!(user.last_text().starts_with("Напишите ваш ИИН"));

    // At the menu: where to get support and the key dates of the campaign.
    let ru = app.applicant_fixture(1031, "ru").await;
    ru.send("/help").await;
    let help = ru.messages()[0].text.clone();
    assert!(help.starts_with("Через этот бот можно зарегистрироваться на январское ЕНТ"), "{help}");
    assert!(help.contains("«Моя история»"), "the site's name for «My applications»: {help}");
    assert!(
        help.contains("Официальные каналы НЦТ — сайт app.testcenter.kz и приложение UTO."),
        "the official channels beside the bot: {help}"
    );
    assert!(help.contains("Поддержка: support@ent.test"), "{help}");
    assert!(
        help.contains(
            "🗓 ЕНТ — январь 2027\n• приём заявлений — до 31 декабря, 10:00\n• тестирование — 11–17 января\n"
        ),
        "{help}"
    );
    assert!(!help.contains("закрытие базы данных —"), "not planned yet: {help}");
    assert!(help.ends_with(
        "После закрытия базы данных изменить заявление нельзя, а если его отозвать, деньги не вернут."
    ));
    assert!(ru.last_text().contains("Главное меню"));

    sqlx::query("UPDATE campaigns SET database_closed_at = '2027-01-08 13:00:00+00'")
        .execute(app.pool())
        .await
        .unwrap();
    let kk = app.applicant_fixture(1032, "kk").await;
    kk.send("❓ Көмек").await;
    let help = kk.messages()[0].text.clone();
    assert!(help.starts_with("Бұл бот арқылы қаңтардағы ақылы ҰБТ-ға тіркелуге болады."), "{help}");
    assert!(help.contains("ҰТО-ның ресми арналары: app.testcenter.kz сайты мен UTO қосымшасы."), "{help}");
    assert!(help.contains("Қолдау: support@ent.test"), "{help}");
    assert!(help.contains("• өтініш қабылдаудың соңғы күні — 31 желтоқсан, 10:00"), "{help}");
    assert!(help.contains("• тестілеу — 11–17 қаңтар"), "{help}");
    assert!(help.contains("• деректер базасын жабу — 8 қаңтар, 18:00"), "{help}");
    assert!(help.chars().count() <= 600);
}
