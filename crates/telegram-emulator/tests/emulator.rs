//! The Bot API emulator over real HTTP: teloxide as the client for what the bot
//! does, raw reqwest for requests teloxide would never send.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_emulator::spec::{check_method_result, check_produced};
use telegram_emulator::{Emulator, EmulatorConfig};
use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
    KeyboardMarkup, KeyboardRemove, LinkPreviewOptions, MaybeInaccessibleMessage, MediaKind, MessageId,
    MessageKind, ParseMode, Recipient, ReplyParameters, UpdateKind,
};

async fn emulator_with(global: Option<u32>, per_chat: Option<u32>) -> (Emulator, Bot) {
    let config = EmulatorConfig {
        global_rate_per_sec: global,
        per_chat_rate_per_sec: per_chat,
        ..EmulatorConfig::default()
    };
    let (emu, _) = Emulator::serve(config).await.expect("emulator starts");
    let bot = Bot::new(emu.token()).set_api_url(emu.api_url());
    (emu, bot)
}

/// No rate limits: these tests are about behaviour, limits are tested below.
async fn emulator() -> (Emulator, Bot) {
    emulator_with(None, None).await
}

/// A request teloxide would not make; returns the HTTP status and the envelope.
async fn raw(emu: &Emulator, method: &str, body: Value) -> (StatusCode, Value) {
    let url = format!("{}bot{}/{method}", emu.api_url(), emu.token());
    let resp = reqwest::Client::new().post(url).json(&body).send().await.expect("emulator answers");
    let status = resp.status();
    (status, resp.json().await.expect("JSON envelope"))
}

fn api_error(result: Result<impl std::fmt::Debug, RequestError>) -> ApiError {
    match result {
        Err(RequestError::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn inline(rows: &[&[(&str, &str)]]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter().map(|(text, data)| InlineKeyboardButton::callback(*text, *data)).collect::<Vec<_>>()
    }))
}

#[tokio::test]
async fn get_me_describes_the_configured_bot() {
    let (emu, bot) = emulator().await;
    let me = bot.get_me().await.expect("getMe");
    assert_eq!(me.id.0, 123_456);
    assert_eq!(me.username(), "ent_test_bot");
    assert!(me.is_bot);

    let (status, body) = raw(&emu, "getMe", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    check_method_result("getMe", &body["result"]).expect("getMe result matches the spec");
    // Telegram matches method names case-insensitively.
    let (status, _) = raw(&emu, "GETME", json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn user_message_arrives_through_long_poll_and_offset_confirms() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7001, "Айгерім", Some("kk"));

    let poll = tokio::spawn({
        let bot = bot.clone();
        async move {
            let started = Instant::now();
            let updates = bot.get_updates().timeout(10).await.expect("getUpdates");
            (updates, started.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let update_id = user.send_text("Сәлем");
    let (updates, waited) = poll.await.expect("poll task");
    assert!(
        waited < Duration::from_secs(3),
        "long poll must answer as soon as the update arrives, took {waited:?}"
    );
    assert_eq!(updates.len(), 1);
    let update = &updates[0];
    assert_eq!(update.id.0 as i32, update_id);
    let UpdateKind::Message(msg) = &update.kind else {
        panic!("expected a message, got {:?}", update.kind);
    };
    assert_eq!(msg.text(), Some("Сәлем"));
    assert_eq!(msg.chat.id, ChatId(7001));
    let from = msg.from.as_ref().expect("from");
    assert_eq!(from.id, UserId(7001));
    assert_eq!(from.first_name, "Айгерім");
    assert_eq!(from.language_code.as_deref(), Some("kk"));

    // Unconfirmed updates are delivered again.
    let again = bot.get_updates().await.expect("getUpdates");
    assert_eq!(again.len(), 1);
    assert_eq!(emu.pending_updates(), 1);

    let second = user.send_text("second");
    let confirmed = bot.get_updates().offset(update_id + 1).await.expect("getUpdates");
    assert_eq!(confirmed.len(), 1, "the first update is confirmed and dropped");
    assert_eq!(confirmed[0].id.0 as i32, second);
    assert!(second > update_id, "update ids increase");

    let empty_started = Instant::now();
    let none = bot.get_updates().offset(second + 1).timeout(1).await.expect("getUpdates");
    assert!(none.is_empty());
    assert!(
        empty_started.elapsed() >= Duration::from_millis(900),
        "with nothing pending the poll waits for its timeout"
    );
    assert_eq!(emu.pending_updates(), 0);
}

#[tokio::test]
async fn limit_and_allowed_updates_are_honoured() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7002, "Ерлан", None);
    for i in 0..3 {
        user.send_text(&format!("m{i}"));
    }
    let two = bot.get_updates().limit(2).await.expect("getUpdates");
    assert_eq!(two.len(), 2);

    // From now on only callback queries are created.
    let (_, body) =
        raw(&emu, "getUpdates", json!({"offset": -1, "allowed_updates": ["callback_query"]})).await;
    assert_eq!(body["result"].as_array().map(Vec::len), Some(1), "offset -1 keeps the newest");
    let last_id = body["result"][0]["update_id"].as_i64().expect("id");
    user.send_text("ignored");
    let (_, body) = raw(&emu, "getUpdates", json!({"offset": last_id + 1})).await;
    assert_eq!(body["result"], json!([]));
}

#[tokio::test]
async fn a_newer_get_updates_terminates_the_waiting_one() {
    let (_emu, bot) = emulator().await;
    let first = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(10).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(1).await }
    });
    let err = first.await.expect("task").expect_err("older poll is terminated");
    assert!(err.to_string().contains("terminated by other getUpdates request"), "{err}");
    second.await.expect("task").expect("newer poll succeeds");
}

#[tokio::test]
async fn inline_button_press_is_a_callback_query_teloxide_understands() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7003, "Dana", Some("ru"));
    let sent = bot
        .send_message(ChatId(7003), "Выберите язык")
        .reply_markup(inline(&[&[("Қазақша", "lang:kk"), ("Русский", "lang:ru")]]))
        .await
        .expect("sendMessage");
    assert_eq!(sent.chat.id, ChatId(7003));

    let update_id = user.press_button("Русский").expect("button exists");
    let updates = bot.get_updates().await.expect("getUpdates");
    let update = updates.iter().find(|u| u.id.0 as i32 == update_id).expect("callback update");
    let UpdateKind::CallbackQuery(q) = &update.kind else {
        panic!("expected a callback query, got {:?}", update.kind);
    };
    assert_eq!(q.data.as_deref(), Some("lang:ru"));
    assert_eq!(q.from.id, UserId(7003));
    let Some(MaybeInaccessibleMessage::Regular(msg)) = &q.message else {
        panic!("callback must carry the message: {:?}", q.message);
    };
    assert_eq!(msg.id, sent.id);
    assert_eq!(msg.text(), Some("Выберите язык"));

    assert!(matches!(user.press_button("Deutsch"), Err(telegram_emulator::EmuError::ButtonNotFound { .. })));

    bot.answer_callback_query(q.id.clone())
        .text("Тіл таңдалды")
        .show_alert(true)
        .await
        .expect("answerCallbackQuery");
    assert_eq!(user.callback_answers(), vec![("Тіл таңдалды".to_owned(), true)]);
    let again = bot.answer_callback_query(q.id.clone()).await;
    let err = api_error(again);
    assert!(
        err.to_string().contains("query is too old and response timeout expired or query ID is invalid"),
        "{err}"
    );
    let (status, _) = raw(&emu, "answerCallbackQuery", json!({"callback_query_id": "nope"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn edits_and_deletes_change_the_transcript() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7004, "Arman", None);
    let before = emu.chat_activity(7004);
    let sent = bot
        .send_message(ChatId(7004), "Step 1")
        .reply_markup(inline(&[&[("Next", "next")]]))
        .await
        .expect("sendMessage");
    assert!(emu.wait_chat_activity(7004, before, Duration::from_secs(1)).await);

    bot.edit_message_text(ChatId(7004), sent.id, "Step 2")
        .reply_markup(inline(&[&[("Done", "done")]]))
        .await
        .expect("editMessageText");
    let last = user.last_message().expect("a bot message");
    assert_eq!(last.message_id, sent.id.0);
    assert_eq!(last.text, "Step 2");
    assert!(last.edited);
    assert_eq!(last.button_texts(), vec!["Done"]);
    assert!(user.press_button("Next").is_err(), "the old button is gone");

    let same = bot
        .edit_message_text(ChatId(7004), sent.id, "Step 2")
        .reply_markup(inline(&[&[("Done", "done")]]))
        .await;
    assert_eq!(api_error(same), ApiError::MessageNotModified);

    let missing = bot.edit_message_text(ChatId(7004), MessageId(999), "x").await;
    assert_eq!(api_error(missing), ApiError::MessageToEditNotFound);

    // Editing a user's message is not possible either.
    user.send_text("mine");
    let users_msg = emu.transcript(7004).last().expect("user message").message_id;
    let theirs = bot.edit_message_text(ChatId(7004), MessageId(users_msg), "hacked").await;
    assert_eq!(api_error(theirs), ApiError::MessageToEditNotFound);

    bot.edit_message_reply_markup(ChatId(7004), sent.id)
        .await
        .expect("editMessageReplyMarkup without markup removes the keyboard");
    assert!(user.last_message().expect("msg").inline_keyboard.is_empty());

    let activity = emu.chat_activity(7004);
    bot.delete_message(ChatId(7004), sent.id).await.expect("deleteMessage");
    assert_eq!(emu.chat_activity(7004), activity + 1);
    assert!(user.messages().is_empty());
    let transcript = emu.transcript(7004);
    assert!(transcript.iter().any(|m| m.message_id == sent.id.0 && m.deleted));
    assert_eq!(api_error(bot.delete_message(ChatId(7004), sent.id).await), ApiError::MessageToDeleteNotFound);

    let log = emu.render_transcript(7004);
    assert!(log.contains("Step 1") && log.contains("Step 2") && log.contains("deleted"), "{log}");
}

#[tokio::test]
async fn unknown_token_method_and_unsupported_method() {
    let (emu, _) = emulator().await;
    let url = format!("{}bot999:WRONG/getMe", emu.api_url());
    let resp = reqwest::Client::new().post(url).send().await.expect("answer");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body, json!({"ok": false, "error_code": 401, "description": "Unauthorized"}));

    let (status, body) = raw(&emu, "sendTelepathy", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"ok": false, "error_code": 404, "description": "Not Found"}));

    let (status, body) = raw(&emu, "sendVideo", json!({"chat_id": 1, "video": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["description"], "Bad Request: method is not supported by the emulator");
}

#[tokio::test]
async fn missing_required_parameters_are_refused() {
    let (emu, _) = emulator().await;
    emu.user(7005, "A", None);
    let (status, body) = raw(&emu, "sendMessage", json!({"text": "hi"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error_code"], 400);
    assert_eq!(body["description"], "Bad Request: chat_id is empty");

    let (status, body) = raw(&emu, "sendMessage", json!({"chat_id": 7005})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["description"], "Bad Request: message text is empty");

    let (status, body) = raw(&emu, "deleteMessage", json!({"chat_id": 7005})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["description"], "Bad Request: message_id is empty");

    // Required fields of nested objects too.
    let (status, body) = raw(
        &emu,
        "sendMessage",
        json!({"chat_id": 7005, "text": "x",
            "reply_markup": {"inline_keyboard": [[{"callback_data": "a"}]]}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let description = body["description"].as_str().expect("description");
    assert!(description.contains("inline_keyboard[0][0].text"), "{description}");

    let (status, body) = raw(&emu, "sendMessage", json!({"chat_id": 42, "text": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["description"], "Bad Request: chat not found");
}

#[tokio::test]
async fn wrongly_typed_parameters_are_refused() {
    let (emu, _) = emulator().await;
    emu.user(7006, "A", None);
    let cases = [
        ("deleteMessage", json!({"chat_id": 7006, "message_id": "abc"})),
        ("sendMessage", json!({"chat_id": {"id": 7006}, "text": "x"})),
        ("sendMessage", json!({"chat_id": 7006, "text": ["x"]})),
        ("sendMessage", json!({"chat_id": 7006, "text": "x", "disable_notification": "maybe"})),
        ("sendMessage", json!({"chat_id": 7006, "text": "x", "reply_markup": 5})),
        ("sendMessage", json!({"chat_id": 7006, "text": "x", "reply_markup": {"inline_keyboard": "x"}})),
        (
            "sendMessage",
            json!({"chat_id": 7006, "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": {"k": 1}}]]}}),
        ),
        (
            "sendMessage",
            json!({"chat_id": 7006, "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callbak_data": "typo"}]]}}),
        ),
        ("setMyCommands", json!({"commands": [{"command": "start"}]})),
        ("setMyCommands", json!({"commands": [], "scope": {"type": "galaxy"}})),
    ];
    for (method, body) in cases {
        let (status, answer) = raw(&emu, method, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {body} → {answer}");
        assert_eq!(answer["ok"], false);
    }
    assert_eq!(emu.sent_count(), 0);
}

#[tokio::test]
async fn form_query_and_json_encoded_parameters_are_accepted() {
    let (emu, _) = emulator().await;
    let user = emu.user(7007, "A", None);
    let markup = json!({"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}).to_string();
    let url = format!("{}bot{}/sendMessage", emu.api_url(), emu.token());
    let resp = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "chat_id=7007&text=form%20body&reply_markup={}",
            url::form_urlencoded::byte_serialize(markup.as_bytes()).collect::<String>()
        ))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(user.last_message().expect("sent").button_texts(), vec!["Go"]);

    let resp = reqwest::Client::new()
        .get(format!("{url}?chat_id=7007&text=query%20string"))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(user.last_message().expect("sent").text, "query string");

    let (status, _) = raw(
        &emu,
        "sendMessage",
        json!({"chat_id": "7007", "text": "json string markup", "reply_markup": markup}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(emu.sent_count(), 3);
}

#[tokio::test]
async fn callback_data_longer_than_64_bytes_is_refused() {
    let (emu, bot) = emulator().await;
    emu.user(7008, "A", None);
    let too_long = "x".repeat(65);
    let result =
        bot.send_message(ChatId(7008), "pick").reply_markup(inline(&[&[("A", too_long.as_str())]])).await;
    assert_eq!(api_error(result), ApiError::ButtonDataInvalid);
    // Bytes, not characters: 33 Cyrillic letters are 66 bytes.
    let cyrillic = "ә".repeat(33);
    let result =
        bot.send_message(ChatId(7008), "pick").reply_markup(inline(&[&[("A", cyrillic.as_str())]])).await;
    assert_eq!(api_error(result), ApiError::ButtonDataInvalid);
    let (status, body) = raw(
        &emu,
        "sendMessage",
        json!({"chat_id": 7008, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": ""}]]}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["description"], "Bad Request: BUTTON_DATA_INVALID");

    let exact = "x".repeat(64);
    bot.send_message(ChatId(7008), "pick")
        .reply_markup(inline(&[&[("A", exact.as_str())]]))
        .await
        .expect("64 bytes are fine");

    let many: Vec<Vec<InlineKeyboardButton>> =
        (0..101).map(|i| vec![InlineKeyboardButton::callback(format!("b{i}"), format!("d{i}"))]).collect();
    let result =
        bot.send_message(ChatId(7008), "too many").reply_markup(InlineKeyboardMarkup::new(many)).await;
    assert!(matches!(result, Err(RequestError::Api(_))), "{result:?}");
    let empty_text =
        bot.send_message(ChatId(7008), "empty label").reply_markup(inline(&[&[("", "d")]])).await;
    assert!(matches!(empty_text, Err(RequestError::Api(_))), "{empty_text:?}");
    assert_eq!(emu.sent_count(), 1);
}

#[tokio::test]
async fn text_length_limits() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7009, "A", None);
    let result = bot.send_message(ChatId(7009), "я".repeat(4097)).await;
    assert_eq!(api_error(result), ApiError::MessageIsTooLong);
    bot.send_message(ChatId(7009), "я".repeat(4096)).await.expect("4096 characters are fine");
    // The limit applies after entity parsing: tags do not count.
    bot.send_message(ChatId(7009), format!("<b>{}</b>", "я".repeat(4096)))
        .parse_mode(ParseMode::Html)
        .await
        .expect("tags are not text");
    let result = bot.send_message(ChatId(7009), "").await;
    assert_eq!(api_error(result), ApiError::MessageTextIsEmpty);
    let result = bot.send_message(ChatId(7009), "  \n ").await;
    assert_eq!(api_error(result), ApiError::MessageTextIsEmpty);
    let result = bot.send_message(ChatId(7009), "<b></b>").parse_mode(ParseMode::Html).await;
    assert_eq!(api_error(result), ApiError::MessageTextIsEmpty);
    assert_eq!(user.messages().len(), 2);
}

#[tokio::test]
async fn html_is_parsed_like_telegram() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7010, "A", None);
    let html = "<b>Тіркелу</b> &lt;ЕНТ&gt; &amp; <a href=\"https://testcenter.kz\">сайт</a>";
    let sent = bot.send_message(ChatId(7010), html).parse_mode(ParseMode::Html).await.expect("valid HTML");
    assert_eq!(sent.text(), Some("Тіркелу <ЕНТ> & сайт"));
    let entities = sent.entities().expect("entities");
    assert_eq!(entities.len(), 2);
    let last = user.last_message().expect("sent");
    assert_eq!(last.text, "Тіркелу <ЕНТ> & сайт");
    assert_eq!(last.html.as_deref(), Some(html));

    for bad in ["<b>unclosed", "<b>x</i>", "<div>x</div>", "a < b", "x</b>"] {
        let result = bot.send_message(ChatId(7010), bad).parse_mode(ParseMode::Html).await;
        match api_error(result) {
            ApiError::CantParseEntities(text) => {
                assert!(text.starts_with("Bad Request: can't parse entities: "), "{text}")
            }
            other => panic!("{bad:?}: expected CantParseEntities, got {other:?}"),
        }
    }
    // Without parse_mode the same text is just text.
    bot.send_message(ChatId(7010), "a < b").await.expect("plain text");
    assert_eq!(user.last_message().expect("sent").text, "a < b");
}

#[tokio::test]
async fn per_chat_rate_limit_answers_429_and_counts_it() {
    let (emu, bot) = emulator_with(None, Some(1)).await;
    emu.user(7011, "A", None);
    emu.user(7012, "B", None);
    bot.send_message(ChatId(7011), "one").await.expect("first");
    let result = bot.send_message(ChatId(7011), "two").await;
    match result {
        Err(RequestError::RetryAfter(secs)) => assert_eq!(secs.seconds(), 1),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    // Another chat is not affected by this chat's window.
    bot.send_message(ChatId(7012), "other chat").await.expect("other chat");
    let (status, body) = raw(&emu, "sendMessage", json!({"chat_id": 7011, "text": "three"})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error_code"], 429);
    assert_eq!(body["parameters"]["retry_after"], 1);
    assert_eq!(body["description"], "Too Many Requests: retry after 1");
    assert_eq!(emu.too_many_requests_served(), 2);
    assert_eq!(emu.sent_count(), 2);

    tokio::time::sleep(Duration::from_millis(1050)).await;
    let sent = bot.send_message(ChatId(7011), "later").await.expect("window slid");
    // Edits count against the chat window as well.
    let edit = bot.edit_message_text(ChatId(7011), sent.id, "edited").await;
    assert!(matches!(edit, Err(RequestError::RetryAfter(_))), "{edit:?}");
    assert_eq!(emu.too_many_requests_served(), 3);

    emu.set_rate_limits(None, None);
    for i in 0..5 {
        bot.send_message(ChatId(7011), format!("burst {i}")).await.expect("limits disabled");
    }
    assert_eq!(emu.too_many_requests_served(), 3);
}

#[tokio::test]
async fn global_rate_limit_answers_429_across_chats() {
    let (emu, bot) = emulator_with(Some(3), None).await;
    for id in 7020..7024 {
        emu.user(id, "U", None);
    }
    for id in 7020..7023 {
        bot.send_message(ChatId(id), "hello").await.expect("within the limit");
    }
    let (status, body) = raw(&emu, "sendMessage", json!({"chat_id": 7023, "text": "hello"})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after = body["parameters"]["retry_after"].as_u64().expect("retry_after");
    assert!(retry_after >= 1);
    assert_eq!(emu.too_many_requests_served(), 1);
    assert_eq!(emu.sent_count(), 3);
    assert!(emu.render_transcript(7023).contains("429"));
}

#[tokio::test]
async fn blocked_user_answers_403() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7030, "A", None);
    emu.set_blocked(7030, true);
    let result = bot.send_message(ChatId(7030), "hello").await;
    assert_eq!(api_error(result), ApiError::BotBlocked);
    let (status, body) = raw(&emu, "sendMessage", json!({"chat_id": 7030, "text": "x"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["description"], "Forbidden: bot was blocked by the user");
    assert!(user.messages().is_empty());
    emu.set_blocked(7030, false);
    bot.send_message(ChatId(7030), "hello").await.expect("unblocked");
}

#[tokio::test]
async fn reply_keyboard_with_contact_request_and_removal() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7040, "Aruzhan", Some("kk"));
    user.set_phone("+77011234567");
    let keyboard = KeyboardMarkup::new(vec![
        vec![KeyboardButton::new("📱 Нөмірді жіберу").request(teloxide::types::ButtonRequest::Contact)],
        vec![KeyboardButton::new("Бас тарту")],
    ])
    .resize_keyboard();
    bot.send_message(ChatId(7040), "Телефон нөміріңіз?").reply_markup(keyboard).await.expect("sendMessage");
    let shown = user.reply_keyboard().expect("keyboard shown");
    assert!(shown[0][0].request_contact);
    assert_eq!(shown[1][0].text, "Бас тарту");

    user.press_reply("📱 Нөмірді жіберу").expect("contact button");
    user.press_reply("Бас тарту").expect("text button");
    user.share_contact("+77770000000", Some(9999));
    let updates = bot.get_updates().await.expect("getUpdates");
    assert_eq!(updates.len(), 3);
    let contact = |i: usize| match &updates[i].kind {
        UpdateKind::Message(m) => m.contact().cloned(),
        other => panic!("{other:?}"),
    };
    let own = contact(0).expect("own contact");
    assert_eq!(own.phone_number, "+77011234567");
    assert_eq!(own.user_id, Some(UserId(7040)));
    match &updates[1].kind {
        UpdateKind::Message(m) => assert_eq!(m.text(), Some("Бас тарту")),
        other => panic!("{other:?}"),
    }
    assert_eq!(contact(2).expect("foreign contact").user_id, Some(UserId(9999)));
    let transcript = emu.transcript(7040);
    assert_eq!(transcript[1].kind, "contact");
    assert_eq!(transcript[1].contact, Some(("+77011234567".to_owned(), Some(7040))));

    bot.send_message(ChatId(7040), "Рақмет").reply_markup(KeyboardRemove::new()).await.expect("sendMessage");
    assert!(user.reply_keyboard().is_none());
    assert!(user.last_message().expect("msg").remove_keyboard);
    assert!(user.press_reply("Бас тарту").is_err());
}

#[tokio::test]
async fn every_produced_update_and_result_matches_the_spec() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7050, "Мадина", Some("ru"));
    let sent = bot
        .send_message(ChatId(7050), "<i>Меню</i>")
        .parse_mode(ParseMode::Html)
        .reply_markup(inline(&[&[("Тіркелу", "reg")]]))
        .await
        .expect("sendMessage");
    user.send_text("hello");
    user.send_command("/start ref_42");
    user.share_contact("77011234567", Some(7050));
    user.send_photo();
    user.send_sticker();
    user.press_button("Тіркелу").expect("button");
    user.press_callback_data(sent.id.0, "forged:1");
    user.press_callback_data(9_999, "stale");

    let (status, body) = raw(&emu, "getUpdates", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let updates = body["result"].as_array().expect("array");
    assert_eq!(updates.len(), 8);
    for update in updates {
        check_produced("Update", update).unwrap_or_else(|e| panic!("{e}\n{update:#}"));
        // As teloxide reads a response: from text (from_value differs for flattened enums).
        let parsed: teloxide::types::Update =
            serde_json::from_str(&update.to_string()).expect("teloxide parses the update");
        assert!(!matches!(parsed.kind, UpdateKind::Error(_)), "teloxide could not understand {update:#}");
    }
    check_produced("Array of Update", &body["result"]).expect("as a whole");

    let kinds: Vec<&str> = updates
        .iter()
        .map(|u| {
            let parsed: teloxide::types::Update = serde_json::from_str(&u.to_string()).expect("parses");
            match parsed.kind {
                UpdateKind::Message(m) => match m.kind {
                    MessageKind::Common(c) => match c.media_kind {
                        MediaKind::Text(_) => "text",
                        MediaKind::Contact(_) => "contact",
                        MediaKind::Photo(_) => "photo",
                        MediaKind::Sticker(_) => "sticker",
                        _ => "other media",
                    },
                    _ => "other message",
                },
                UpdateKind::CallbackQuery(q) => match q.message {
                    Some(MaybeInaccessibleMessage::Regular(_)) => "callback",
                    Some(MaybeInaccessibleMessage::Inaccessible(_)) => "callback on inaccessible",
                    None => "callback without message",
                },
                _ => "other",
            }
        })
        .collect();
    assert_eq!(
        kinds,
        ["text", "text", "contact", "photo", "sticker", "callback", "callback", "callback on inaccessible"]
    );
    let command = &updates[1]["message"]["entities"][0];
    assert_eq!(command, &json!({"type": "bot_command", "offset": 0, "length": 6}));

    // Results of every implemented method, raw.
    let calls = [
        ("getMe", json!({})),
        ("sendMessage", json!({"chat_id": 7050, "text": "<b>x</b>", "parse_mode": "HTML"})),
        (
            "editMessageText",
            json!({"chat_id": 7050, "message_id": sent.id.0, "text": "y",
                "reply_markup": {"inline_keyboard": [[{"text": "site", "url": "https://testcenter.kz"}]]}}),
        ),
        ("editMessageReplyMarkup", json!({"chat_id": 7050, "message_id": sent.id.0})),
        ("setMyCommands", json!({"commands": [{"command": "start", "description": "Бастау"}]})),
        ("getMyCommands", json!({})),
        ("deleteMyCommands", json!({})),
        ("getWebhookInfo", json!({})),
        ("deleteWebhook", json!({})),
        ("deleteMessage", json!({"chat_id": 7050, "message_id": sent.id.0})),
    ];
    for (method, params) in calls {
        let (status, body) = raw(&emu, method, params).await;
        assert_eq!(status, StatusCode::OK, "{method}: {body}");
        check_method_result(method, &body["result"]).unwrap_or_else(|e| panic!("{method}: {e}"));
    }
    assert_eq!(emu.spec_violations(), Vec::<String>::new());

    // The check itself bites: a message without its chat is not a Message.
    let mut broken = updates[0].clone();
    broken["message"].as_object_mut().expect("object").remove("chat");
    let err = check_produced("Update", &broken).expect_err("chat is required");
    assert!(err.contains("message.chat"), "{err}");
    let mut wrong_type = updates[0].clone();
    wrong_type["message"]["date"] = json!("yesterday");
    assert!(check_produced("Update", &wrong_type).is_err());
}

#[tokio::test]
async fn commands_are_stored_per_scope_and_language() {
    let (emu, bot) = emulator().await;
    emu.user(7060, "A", None);
    bot.set_my_commands([BotCommand::new("start", "Бастау"), BotCommand::new("help", "Көмек")])
        .language_code("kk")
        .await
        .expect("setMyCommands kk");
    bot.set_my_commands([BotCommand::new("start", "Начать")])
        .language_code("ru")
        .await
        .expect("setMyCommands ru");
    bot.set_my_commands([BotCommand::new("admin", "Админка")])
        .scope(BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(7060)) })
        .await
        .expect("setMyCommands chat");

    assert_eq!(
        emu.commands("default", Some("kk")),
        Some(vec![("start".to_owned(), "Бастау".to_owned()), ("help".to_owned(), "Көмек".to_owned())])
    );
    assert_eq!(emu.commands("default", Some("ru")), Some(vec![("start".to_owned(), "Начать".to_owned())]));
    assert_eq!(emu.commands("default", None), None);
    assert_eq!(emu.commands("chat:7060", None), Some(vec![("admin".to_owned(), "Админка".to_owned())]));

    let listed = bot.get_my_commands().language_code("kk").await.expect("getMyCommands");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].command, "help");

    bot.delete_my_commands().language_code("ru").await.expect("deleteMyCommands");
    assert_eq!(emu.commands("default", Some("ru")), None);

    let bad = bot.set_my_commands([BotCommand::new("Start-Now", "x")]).await;
    assert!(matches!(bad, Err(RequestError::Api(_))), "{bad:?}");
    let (status, _) = raw(
        &emu,
        "setMyCommands",
        json!({"commands": [{"command": "start", "description": "x"}], "language_code": "kaz"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn webhook_blocks_get_updates_until_deleted() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7070, "A", None);
    user.send_text("queued");
    bot.set_webhook("https://bot.example.kz/hook".parse().expect("url")).await.expect("setWebhook");
    let info = bot.get_webhook_info().await.expect("getWebhookInfo");
    assert_eq!(info.url.as_ref().map(|u| u.as_str()), Some("https://bot.example.kz/hook"));
    assert_eq!(info.pending_update_count, 1);
    let err = bot.get_updates().await.expect_err("webhook is active");
    assert!(err.to_string().contains("webhook is active"), "{err}");
    let (status, _) = raw(&emu, "setWebhook", json!({"url": "http://insecure.kz"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    bot.delete_webhook().drop_pending_updates(true).await.expect("deleteWebhook");
    assert_eq!(emu.pending_updates(), 0);
    assert!(bot.get_updates().await.expect("polling again").is_empty());
}

/// A delivery that fails is reported by `getWebhookInfo` as Telegram does
/// (`last_error_date`, `last_error_message`), which is what `ent-bot doctor` reads.
#[tokio::test]
async fn a_failed_delivery_shows_in_the_webhook_info() {
    let (emu, bot) = emulator().await;
    // A loopback port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{closed}/hook");
    let (status, _) = raw(&emu, "setWebhook", json!({"url": url})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, info) = raw(&emu, "getWebhookInfo", json!({})).await;
    assert!(info["result"].get("last_error_message").is_none(), "no error before a delivery: {info}");

    emu.user(7171, "A", None).send_text("hello");
    let deadline = Instant::now() + Duration::from_secs(10);
    let info = loop {
        let info = bot.get_webhook_info().await.expect("getWebhookInfo");
        if info.last_error_message.is_some() || Instant::now() > deadline {
            break info;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(info.last_error_message.as_deref(), Some("Connection refused"));
    assert!(info.last_error_date.is_some());
    assert_eq!(info.pending_update_count, 1, "the update waits for a delivery that succeeds");
    assert!(emu.spec_violations().is_empty(), "{:?}", emu.spec_violations());
}

/// Telegram refuses a secret token outside `[A-Za-z0-9_-]{1,256}`; a test can make any
/// method fail until it says otherwise.
#[tokio::test]
async fn a_bad_secret_token_and_a_refused_method_fail_like_telegram() {
    let (emu, bot) = emulator().await;
    let hook = json!({"url": "https://bot.example.kz/hook", "secret_token": "my secret!"});
    let (status, body) = raw(&emu, "setWebhook", hook).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["description"], "Bad Request: secret token contains unallowed characters");
    let hook = json!({"url": "https://bot.example.kz/hook", "secret_token": "Ok_token-1"});
    assert_eq!(raw(&emu, "setWebhook", hook).await.0, StatusCode::OK);

    emu.refuse("setWebhook", Some("Bad Request: bad webhook: Failed to resolve host"));
    let err =
        bot.set_webhook("https://bot.example.kz/hook".parse().expect("url")).await.expect_err("refused");
    assert!(err.to_string().contains("Failed to resolve host"), "{err}");
    assert!(bot.get_me().await.is_ok(), "other methods answer");
    assert_eq!(emu.refused_calls("setWebhook"), 1);
    emu.refuse("setWebhook", None);
    bot.set_webhook("https://bot.example.kz/hook".parse().expect("url")).await.expect("accepted again");
}

/// Webhook delivery as Telegram's: chats in parallel, one chat in order (its next update
/// only after the previous one was answered 2xx), anything else delivered again.
#[tokio::test]
async fn webhook_delivers_chats_in_parallel_each_in_order_and_retries_failures() {
    use std::sync::{Arc, Mutex};

    use axum::extract::State;
    use axum::http::StatusCode as Status;

    #[derive(Clone, Default)]
    struct Seen {
        /// (chat, text, answered with) in the order the POSTs arrived.
        posts: Arc<Mutex<Vec<(i64, String, u16)>>>,
    }
    async fn receive(State(seen): State<Seen>, axum::Json(update): axum::Json<Value>) -> Status {
        let chat = update["message"]["chat"]["id"].as_i64().unwrap_or_default();
        let text = update["message"]["text"].as_str().unwrap_or_default().to_owned();
        let tries = seen.posts.lock().unwrap().iter().filter(|(_, t, _)| *t == text).count();
        // The slow chat's first message keeps its connection busy for a while.
        if text == "slow-1" {
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        // The flaky chat's first message fails twice: a 500, then a 429-like refusal.
        let status = match (text.as_str(), tries) {
            ("flaky-1", 0) => Status::INTERNAL_SERVER_ERROR,
            ("flaky-1", 1) => Status::TOO_MANY_REQUESTS,
            _ => Status::OK,
        };
        seen.posts.lock().unwrap().push((chat, text, status.as_u16()));
        status
    }
    let seen = Seen::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (emu, bot) = emulator().await;
    let (slow, fast, flaky) =
        (emu.user(7101, "S", None), emu.user(7102, "F", None), emu.user(7103, "R", None));
    slow.send_text("slow-1");
    slow.send_text("slow-2");
    fast.send_text("fast-1");
    fast.send_text("fast-2");
    flaky.send_text("flaky-1");
    flaky.send_text("flaky-2");
    bot.set_webhook(hook.parse().unwrap()).await.expect("setWebhook");

    let deadline = Instant::now() + Duration::from_secs(10);
    while emu.pending_updates() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(emu.pending_updates(), 0, "everything delivered");
    let posts = seen.posts.lock().unwrap().clone();
    let order: Vec<&str> = posts.iter().map(|(_, t, _)| t.as_str()).collect();
    let at = |text: &str| order.iter().position(|t| *t == text).unwrap();
    let last_at = |text: &str| order.iter().rposition(|t| *t == text).unwrap();
    // Other chats did not wait for the slow one.
    assert!(at("fast-2") < at("slow-1"), "chats are delivered in parallel: {order:?}");
    // Each chat in order, the next only after the previous one succeeded.
    assert!(at("slow-1") < at("slow-2"), "{order:?}");
    assert!(last_at("flaky-1") < at("flaky-2"), "a chat waits for its failed update: {order:?}");
    let flaky: Vec<u16> = posts.iter().filter(|(_, t, _)| t == "flaky-1").map(|(_, _, s)| *s).collect();
    assert_eq!(flaky, vec![500, 429, 200], "a refused update is delivered again until it succeeds");
    assert_eq!(emu.webhook_deliveries(), (8, 2));
}

/// A real teloxide dispatcher polling the emulator: the path the bot takes.
#[tokio::test]
async fn teloxide_dispatcher_round_trip() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7080, "Асель", Some("kk"));
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        let text = format!("echo: {}", msg.text().unwrap_or_default());
        bot.send_message(msg.chat.id, text).reply_markup(inline(&[&[("OK", "ok")]])).await?;
        Ok::<(), RequestError>(())
    });
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let shutdown = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    let activity = emu.chat_activity(7080);
    user.send_text("сәлем");
    assert!(
        emu.wait_chat_activity(7080, activity, Duration::from_secs(10)).await,
        "the dispatcher answered; chat:\n{}",
        emu.render_transcript(7080)
    );
    assert_eq!(user.last_message().expect("echo").text, "echo: сәлем");
    assert_eq!(emu.spec_violations(), Vec::<String>::new());

    if let Ok(stopping) = shutdown.shutdown() {
        stopping.await;
    }
    running.await.expect("dispatcher task");
}

#[tokio::test]
async fn wait_chat_activity_times_out_without_activity() {
    let (emu, _) = emulator().await;
    emu.user(7090, "A", None);
    let started = Instant::now();
    assert!(!emu.wait_chat_activity(7090, 0, Duration::from_millis(200)).await);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

/// Optional parameters teloxide serialises its own way must pass validation.
#[tokio::test]
async fn teloxide_optional_parameters_are_accepted() {
    let (emu, bot) = emulator().await;
    let user = emu.user(7100, "A", None);
    user.send_text("question");
    let question = emu.transcript(7100)[0].message_id;
    bot.send_message(ChatId(7100), "https://testcenter.kz")
        .link_preview_options(LinkPreviewOptions {
            is_disabled: true,
            url: None,
            prefer_small_media: false,
            prefer_large_media: false,
            show_above_text: false,
        })
        .disable_notification(true)
        .protect_content(true)
        .reply_parameters(ReplyParameters::new(MessageId(question)))
        .reply_markup(ForceReply::new().input_field_placeholder(Some("ИИН".to_owned())))
        .await
        .expect("sendMessage with options");
    let result = bot
        .send_message(ChatId(7100), "reply to nothing")
        .reply_parameters(ReplyParameters::new(MessageId(999)))
        .await;
    assert!(matches!(result, Err(RequestError::Api(_))), "{result:?}");
    bot.send_message(ChatId(7100), "reply to nothing, allowed")
        .reply_parameters(ReplyParameters::new(MessageId(999)).allow_sending_without_reply())
        .await
        .expect("allow_sending_without_reply");
    assert_eq!(user.messages().len(), 2);
    assert_eq!(emu.spec_violations(), Vec::<String>::new());
}

#[tokio::test]
async fn photos_documents_and_voice_carry_file_ids_that_get_file_serves() {
    use teloxide::net::Download;

    let (emu, bot) = emulator().await;
    let user = emu.user(7060, "Айжан", Some("kk"));
    user.send_photo();
    user.send_document("справка.pdf", "application/pdf", b"%PDF-1.7\nfake".to_vec());
    user.send_document_of_size("scan.pdf", "application/pdf", 25 * 1024 * 1024);
    user.send_voice();

    let (_, body) = raw(&emu, "getUpdates", json!({})).await;
    let updates = body["result"].as_array().expect("array").clone();
    assert_eq!(updates.len(), 4);
    let mut kinds = vec![];
    let mut ids = vec![];
    for update in &updates {
        check_produced("Update", update).unwrap_or_else(|e| panic!("{e}\n{update:#}"));
        let parsed: teloxide::types::Update = serde_json::from_str(&update.to_string()).expect("parses");
        let UpdateKind::Message(m) = parsed.kind else { panic!("a message") };
        if let Some(sizes) = m.photo() {
            kinds.push("photo");
            let largest = sizes.iter().max_by_key(|p| p.width).expect("sizes");
            assert_eq!((largest.file.size, sizes.len()), (45_678, 2));
            ids.push(largest.file.id.clone());
        } else if let Some(d) = m.document() {
            kinds.push("document");
            assert_eq!(
                d.mime_type.as_ref().map(|m| m.essence_str().to_string()).as_deref(),
                Some("application/pdf")
            );
            ids.push(d.file.id.clone());
        } else if let Some(v) = m.voice() {
            kinds.push("voice");
            ids.push(v.file.id.clone());
        }
    }
    assert_eq!(kinds, ["photo", "document", "document", "voice"]);
    // Unique ids differ per file, as Telegram's do.
    let uniques: std::collections::HashSet<String> =
        updates.iter().map(|u| u["message"].to_string()).collect();
    assert_eq!(uniques.len(), 4);

    // A photo and a small document: getFile gives a path, the path gives the bytes.
    let file = bot.get_file(ids[1].clone()).await.expect("getFile");
    assert_eq!(file.size, 13);
    let mut bytes = vec![];
    bot.download_file(&file.path, &mut bytes).await.expect("download");
    assert_eq!(bytes, b"%PDF-1.7\nfake");
    let photo = bot.get_file(ids[0].clone()).await.expect("getFile of a photo");
    assert!(photo.path.starts_with("photos/") && photo.path.ends_with(".jpg"), "{}", photo.path);
    let mut bytes = vec![];
    bot.download_file(&photo.path, &mut bytes).await.expect("download");
    assert_eq!(bytes.len(), 45_678);
    assert_eq!(emu.downloads(), 2);

    // Above 20 MB a bot cannot have it; an unknown id is refused; so is a path never given.
    let too_big = api_error(bot.get_file(ids[2].clone()).await);
    assert!(too_big.to_string().contains("file is too big"), "{too_big}");
    let (status, body) = raw(&emu, "getFile", json!({"file_id": "nope"})).await;
    assert_eq!(
        (status, body["description"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Bad Request: invalid file_id"))
    );
    let (status, _) = raw(&emu, "getFile", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "file_id is required");
    let url = format!("{}file/bot{}/documents/file_99.pdf", emu.api_url(), emu.token());
    assert_eq!(reqwest::get(url).await.expect("answers").status(), StatusCode::NOT_FOUND);
    let url = format!("{}file/botWRONG/{}", emu.api_url(), file.path);
    assert_eq!(reqwest::get(url).await.expect("answers").status(), StatusCode::NOT_FOUND);

    let (status, body) = raw(&emu, "getFile", json!({"file_id": ids[3]})).await;
    assert_eq!(status, StatusCode::OK);
    check_method_result("getFile", &body["result"]).expect("a File");

    // The bot shows a user's files to someone else by file_id (a staff member's chat).
    emu.user(7061, "Staff", Some("ru"));
    bot.send_message(ChatId(7061), "hi").await.expect("the chat exists");
    let photo = bot
        .send_photo(ChatId(7061), teloxide::types::InputFile::file_id(ids[0].clone()))
        .caption("Документ 1")
        .await
        .expect("sendPhoto");
    assert_eq!(photo.caption(), Some("Документ 1"));
    let doc = bot
        .send_document(ChatId(7061), teloxide::types::InputFile::file_id(ids[1].clone()))
        .await
        .expect("sendDocument");
    assert_eq!(doc.document().and_then(|d| d.file_name.as_deref()), Some("справка.pdf"));
    let kinds: Vec<&str> = emu.transcript(7061).iter().map(|m| m.kind).collect();
    assert_eq!(kinds, ["text", "photo", "document"]);
    let mismatch =
        api_error(bot.send_photo(ChatId(7061), teloxide::types::InputFile::file_id(ids[1].clone())).await);
    assert!(mismatch.to_string().contains("type of file mismatch"), "{mismatch}");
    let (status, body) = raw(&emu, "sendDocument", json!({"chat_id": 7061, "document": "nope"})).await;
    assert_eq!(
        (status, body["description"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Bad Request: wrong file identifier/HTTP URL specified"))
    );
    assert_eq!(emu.spec_violations(), Vec::<String>::new());
}
