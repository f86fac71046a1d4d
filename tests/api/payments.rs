//! Paying for a held seat: the options, card links and Kaspi orders, signed and
//! allow-listed provider callbacks, the 60-minute deadline with its reminders and
//! annulment, late payments, staff's /markpaid, and the outbox under Telegram's limits.
//!
//! The workers are off in these tests (except where a test says otherwise): each test
//! moves the clock and single-steps `run_due` and `send_due`, then reads the chat.

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::Duration;
use ent_bot::app::{App, Options};
use ent_bot::bot::Session;
use ent_bot::i18n::Locale;
use ent_bot::payments::card::sign;
use ent_bot::services::Ctx;
use ent_bot::services::booking::{self, Booking, Choices};
use ent_bot::workers::jobs::run_due;
use ent_bot::workers::outbox::send_due;
use serde_json::{Value, json};
use teloxide::types::ChatId;

use crate::helpers::{TestApp, TestUser, spawn_app_with};

pub(crate) const FEE: &str = "5\u{a0}640\u{a0}₸";
pub(crate) const SECRET: &str = "card-test-secret";

// ---- harness for this file ----

/// A seeded app whose workers are off, so the test decides when jobs run and messages go.
pub(crate) async fn spawn(settings: &[(&str, &str)]) -> TestApp {
    let mut settings = settings.to_vec();
    if !settings.iter().any(|(k, _)| *k == "CARD_API_SECRET") {
        settings.push(("CARD_API_SECRET", SECRET));
    }
    let mut app = spawn_app_with(&settings).await;
    restart_quiet(&mut app).await;
    app.seed().await;
    app
}

/// Like `TestApp::restart`, without the workers.
pub(crate) async fn restart_quiet(app: &mut TestApp) {
    if let Some(running) = app.app.take() {
        running.stop().await;
    }
    let options = Options {
        clock: Some(app.clock.clone()),
        pool: Some(app.db.pool.clone()),
        probe: Some(app.probe.clone()),
        workers: false,
        ..Options::default()
    };
    app.app = Some(App::build(app.config(), options).await.expect("app starts"));
}

pub(crate) fn ctx(app: &TestApp) -> &Ctx {
    &app.app.as_ref().expect("app runs").ctx
}

pub(crate) fn bot(app: &TestApp) -> &teloxide::Bot {
    &app.app.as_ref().expect("app runs").bot
}

pub(crate) async fn scalar<T>(app: &TestApp, sql: &str, id: i64) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    sqlx::query_scalar(sql).bind(id).fetch_one(app.pool()).await.unwrap()
}

pub(crate) async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    scalar(app, sql, id).await
}

pub(crate) async fn first_slot(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM slots ORDER BY starts_at, id LIMIT 1")
        .fetch_one(app.pool())
        .await
        .unwrap()
}

pub(crate) async fn choices(app: &TestApp, slot_id: i64) -> Choices {
    let pool = app.pool();
    let campaign_id: i64 = sqlx::query_scalar("SELECT campaign_id FROM slots WHERE id = $1")
        .bind(slot_id)
        .fetch_one(pool)
        .await
        .unwrap();
    let category_id: i16 = sqlx::query_scalar("SELECT id FROM categories ORDER BY sort_order, id LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap();
    let test_language: String = sqlx::query_scalar("SELECT code FROM test_languages WHERE code = 'ru'")
        .fetch_one(pool)
        .await
        .unwrap();
    let combination_id: i16 =
        sqlx::query_scalar("SELECT id FROM subject_combinations ORDER BY sort_order, id LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
    Choices { campaign_id, category_id, test_language, combination_id, slot_id }
}

/// Holds a seat as the wizard's confirm does; returns the application id.
pub(crate) async fn hold_seat(app: &TestApp, user: &TestUser, slot_id: i64) -> i64 {
    match booking::confirm(ctx(app), user.id(), &choices(app, slot_id).await).await.unwrap() {
        Booking::Booked { application_id, .. } => application_id,
        other => panic!("no seat held: {other:?}"),
    }
}

/// What the wizard shows right after booking: the payment options.
pub(crate) async fn offer(app: &TestApp, user: &TestUser, locale: Locale, application_id: i64) {
    let s = Session { user_id: user.id(), chat_id: ChatId(user.id()), locale, locale_chosen: true };
    ent_bot::bot::payment::offer(&ent_bot::bot::TgBot::new(bot(app).clone()), ctx(app), &s, application_id)
        .await
        .unwrap();
}

/// A Russian-speaking applicant at the menu with a seat held and the options shown.
pub(crate) async fn applicant_with_seat(app: &TestApp, id: u64) -> (TestUser, i64) {
    let user = app.onboarded_user(id, "Русский").await;
    let application = hold_seat(app, &user, first_slot(app).await).await;
    offer(app, &user, Locale::Ru, application).await;
    (user, application)
}

pub(crate) async fn order_of(app: &TestApp, application_id: i64, method: &str) -> String {
    sqlx::query_scalar(
        "SELECT order_number FROM payments WHERE application_id = $1 AND method = $2::payment_method",
    )
    .bind(application_id)
    .bind(method)
    .fetch_one(app.pool())
    .await
    .unwrap()
}

pub(crate) async fn status_of(app: &TestApp, application_id: i64) -> String {
    scalar(app, "SELECT status::text FROM applications WHERE id = $1", application_id).await
}

pub(crate) async fn payment_status(app: &TestApp, order: &str) -> String {
    sqlx::query_scalar("SELECT status::text FROM payments WHERE order_number = $1")
        .bind(order)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

pub(crate) async fn outbox_rows(app: &TestApp, user: &TestUser) -> i64 {
    count(app, "SELECT count(*) FROM outbox WHERE telegram_user_id = $1", user.id()).await
}

pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::new()
}

pub(crate) async fn kaspi(app: &TestApp, params: &[(&str, &str)]) -> (u16, Value) {
    let response = http().get(app.http_url("/payments/kaspi")).query(params).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn kaspi_check(app: &TestApp, order: &str, sum: &str) -> Value {
    let (status, answer) =
        kaspi(app, &[("command", "check"), ("txn_id", "5550001"), ("account", order), ("sum", sum)]).await;
    assert_eq!(status, 200);
    answer
}

pub(crate) async fn kaspi_pay(app: &TestApp, order: &str, txn: &str, sum: &str) -> Value {
    let params = [
        ("command", "pay"),
        ("txn_id", txn),
        ("txn_date", "20261222101500"),
        ("account", order),
        ("sum", sum),
    ];
    let (status, answer) = kaspi(app, &params).await;
    assert_eq!(status, 200);
    answer
}

/// A card notification, signed with `secret` (None: no signature header at all).
pub(crate) async fn card(
    app: &TestApp,
    kind: &str,
    fields: &[(&str, &str)],
    secret: Option<&str>,
) -> (u16, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let mut request = http()
        .post(app.http_url(&format!("/payments/card/{kind}")))
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(secret) = secret {
        request = request.header("Content-HMAC", sign(secret, body.as_bytes()));
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) fn card_fields<'a>(order: &'a str, amount: &'a str, txn: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("TransactionId", txn),
        ("Amount", amount),
        ("Currency", "KZT"),
        ("InvoiceId", order),
        ("AccountId", "3001"),
        ("DateTime", "2026-12-22 05:10:00"),
        ("CardFirstSix", "411111"),
        ("CardLastFour", "1111"),
        ("Status", "Completed"),
    ]
}

/// Runs what is due and sends what is queued, as the workers would.
pub(crate) async fn deliver(app: &TestApp) -> (usize, usize) {
    let jobs = run_due(ctx(app)).await.unwrap();
    let sent = send_due(ctx(app), bot(app)).await.unwrap();
    (jobs, sent)
}

pub(crate) fn texts(user: &TestUser) -> Vec<String> {
    user.messages().into_iter().filter(|m| m.from_bot).map(|m| m.text).collect()
}

// ---- choosing a method ----

#[tokio::test]
async fn kaspi_check_then_pay_confirms_with_place_date_and_time() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3001).await;
    let options = user.last();
    assert!(options.text.starts_with("Выберите способ оплаты."), "{}", options.text);
    assert!(options.text.contains(&format!("Сумма: {FEE}")));
    assert!(options.text.contains("Срок оплаты — 11:00 (осталось 60 минут)."), "{}", options.text);
    assert_eq!(user.buttons(), ["💳 Банковская карта", "Kaspi"]);

    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    assert!(order.len() == 12 && order.bytes().all(|b| b.is_ascii_digit()), "{order}");
    let how_to = user.last_text();
    assert!(how_to.contains(&format!("Номер заказа: {order}")), "{how_to}");
    assert!(how_to.contains("«Платежи»"), "{how_to}");
    assert!(how_to.contains("В поиске наберите «Национальный центр тестирования»."), "{how_to}");
    assert!(how_to.contains(&format!("оплатите {FEE}")), "{how_to}");

    // Choosing Kaspi again shows the same order, it does not make a second one.
    user.press_on(options.message_id, "Kaspi").await;
    assert!(user.last_text().contains(&order));
    assert_eq!(count(&app, "SELECT count(*) FROM payments WHERE application_id = $1", application).await, 1);
    let amount: i32 =
        scalar(&app, "SELECT amount_tenge FROM payments WHERE application_id = $1", application).await;
    assert_eq!(amount, 5640);

    let check = kaspi_check(&app, &order, "5640.00").await;
    assert_eq!(check["result"], 0, "{check}");
    assert_eq!(check["sum"], "5640.00");
    assert_eq!(payment_status(&app, &order).await, "pending", "a check changes nothing");

    let paid = kaspi_pay(&app, &order, "7770001", "5640.00").await;
    assert_eq!(paid["result"], 0, "{paid}");
    assert_eq!(paid["txn_id"], "7770001");
    let payment_id: i64 =
        scalar(&app, "SELECT id FROM payments WHERE application_id = $1", application).await;
    assert_eq!(paid["prv_txn_id"], payment_id.to_string());

    assert_eq!(status_of(&app, application).await, "paid");
    assert_eq!(payment_status(&app, &order).await, "paid");
    let pending_jobs = "SELECT count(*) FROM scheduled_jobs WHERE application_id = $1 AND status = 'pending'";
    assert_eq!(count(&app, pending_jobs, application).await, 0, "reminders and expiry cancelled");
    assert_eq!(outbox_rows(&app, &user).await, 1);

    assert_eq!(deliver(&app).await, (0, 1));
    let confirmation = user.last_text();
    let (venue, address, starts_at): (String, String, chrono::DateTime<chrono::Utc>) = sqlx::query_as(
        "SELECT v.name_ru, v.address_ru, s.starts_at FROM slots s JOIN venues v ON v.id = s.venue_id WHERE s.id = $1",
    )
    .bind(first_slot(&app).await)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert!(
        confirmation.starts_with(&format!("✅ Оплата получена: {FEE}, заказ № {order}.")),
        "{confirmation}"
    );
    assert!(confirmation.contains(&format!("Заявление №{application} оплачено")));
    assert!(confirmation.contains(&format!("Место: {venue}\nАдрес: {address}\n")), "{confirmation}");
    let tz = chrono_tz::Asia::Almaty;
    let date = ent_bot::format::long_date(ent_bot::format::local_date(starts_at, tz), Locale::Ru);
    assert!(date.ends_with("января, понедельник"), "the demo week starts on a Monday in January: {date}");
    assert!(confirmation.contains(&format!("Дата: {date}\nВремя: 09:00")), "{confirmation}");
    // Everyone is told what to bring, the under-16s too.
    assert!(confirmation.contains("удостоверение личности или паспорт"), "{confirmation}");
    assert!(confirmation.contains("и ручку."), "{confirmation}");
    assert!(
        confirmation.contains("свидетельство о рождении и справку из школы с фото 3×4"),
        "{confirmation}"
    );

    // Kaspi repeats the pay: the first answer comes back, nothing changes twice.
    let again = kaspi_pay(&app, &order, "7770001", "5640.00").await;
    assert_eq!(again, paid);
    assert_eq!(outbox_rows(&app, &user).await, 1);
    assert_eq!(
        count(&app, "SELECT count(*) FROM payment_callbacks WHERE txn_id = '7770001' AND $1 > 0", 1).await,
        1
    );
    // And a check now says the order is settled.
    assert_eq!(kaspi_check(&app, &order, "5640.00").await["result"], 7);

    // The old options message: answered on the button, no new order.
    user.press_on(options.message_id, "💳 Банковская карта").await;
    let answers = user.callback_answers();
    assert_eq!(answers.last().unwrap().0, "Это заявление уже оплачено ✅", "{answers:?}");
    assert_eq!(count(&app, "SELECT count(*) FROM payments WHERE application_id = $1", application).await, 1);
}

#[tokio::test]
async fn card_link_without_a_gateway_points_at_the_sandbox_page() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3002).await;
    user.press("💳 Банковская карта").await;
    let order = order_of(&app, application, "card").await;
    let message = user.last();
    let link = app.http_url(&format!("/pay/{order}"));
    assert!(message.text.contains(&format!("Заказ № {order}")), "{}", message.text);
    assert!(message.text.contains(&link), "{}", message.text);
    let button = message.button(&format!("Оплатить {FEE}")).expect("a pay button").clone();
    assert_eq!(button.url.as_deref(), Some(link.as_str()));
    let stored: Option<String> =
        scalar(&app, "SELECT payment_url FROM payments WHERE application_id = $1", application).await;
    assert_eq!(stored.as_deref(), Some(link.as_str()));
}

/// What the fake gateway received: the Authorization header and the JSON body.
type GatewayCalls = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// A stand-in for the TipTop Pay API: records each `orders/create` and answers with a URL.
async fn fake_gateway() -> (String, GatewayCalls) {
    use axum::http::HeaderMap;
    let calls: GatewayCalls = Arc::default();
    let seen = calls.clone();
    let router = axum::Router::new().route(
        "/orders/create",
        axum::routing::post(move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
            let seen = seen.clone();
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
                let invoice = body["InvoiceId"].as_str().unwrap_or_default().to_string();
                seen.lock().unwrap().push((auth, body));
                axum::Json(json!({
                    "Success": true,
                    "Message": null,
                    "Model": { "Id": "f2K8LV6reGE9WBFn", "Url": format!("https://orders.tiptoppay.test/d/{invoice}") }
                }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/"), calls)
}

#[tokio::test]
async fn card_link_from_the_gateway_then_a_signed_check_and_pay() {
    let (gateway, calls) = fake_gateway().await;
    let app = spawn(&[("CARD_API_URL", &gateway), ("CARD_PUBLIC_ID", "pk_test_ent")]).await;
    let (user, application) = applicant_with_seat(&app, 3003).await;
    let options_id = user.last().message_id;
    user.press("💳 Банковская карта").await;
    let order = order_of(&app, application, "card").await;

    let recorded = calls.lock().unwrap().clone();
    assert_eq!(recorded.len(), 1);
    let (auth, body) = &recorded[0];
    use base64::Engine;
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("pk_test_ent:{SECRET}"))
    );
    assert_eq!(auth.as_deref(), Some(expected_auth.as_str()));
    assert_eq!(body["Amount"], 5640);
    assert_eq!(body["Currency"], "KZT");
    assert_eq!(body["InvoiceId"], order.as_str());
    assert_eq!(body["AccountId"], user.id().to_string());
    assert_eq!(body["Description"], format!("Оплата ЕНТ, заявление №{application}"));
    let url = format!("https://orders.tiptoppay.test/d/{order}");
    assert_eq!(user.last().button(&format!("Оплатить {FEE}")).unwrap().url.as_deref(), Some(url.as_str()));

    // The same link again, without a second gateway order.
    user.press_on(options_id, "💳 Банковская карта").await;
    assert!(user.last_text().contains(&url));
    assert_eq!(calls.lock().unwrap().len(), 1);

    let (status, check) = card(&app, "check", &card_fields(&order, "5640.00", "901"), Some(SECRET)).await;
    assert_eq!((status, check), (200, json!({ "code": 0 })));
    let (status, paid) = card(&app, "pay", &card_fields(&order, "5640.00", "901"), Some(SECRET)).await;
    assert_eq!((status, paid), (200, json!({ "code": 0 })));
    assert_eq!(status_of(&app, application).await, "paid");
    let txn: Option<String> =
        scalar(&app, "SELECT provider_txn_id FROM payments WHERE application_id = $1", application).await;
    assert_eq!(txn.as_deref(), Some("901"));
    deliver(&app).await;
    assert!(user.last_text().starts_with(&format!("✅ Оплата получена: {FEE}, заказ № {order}.")));
    // A repeated notification is answered the same and changes nothing.
    let (_, again) = card(&app, "pay", &card_fields(&order, "5640.00", "901"), Some(SECRET)).await;
    assert_eq!(again, json!({ "code": 0 }));
    assert_eq!(outbox_rows(&app, &user).await, 1);
}

#[tokio::test]
async fn an_unreachable_card_gateway_offers_kaspi_instead() {
    // Nothing listens on port 1: the connection is refused at once.
    let app = spawn(&[("CARD_API_URL", "http://127.0.0.1:1/"), ("CARD_PUBLIC_ID", "pk_test_ent")]).await;
    let (user, application) = applicant_with_seat(&app, 3023).await;
    user.press("💳 Банковская карта").await;
    assert_eq!(
        user.last_text(),
        "Оплата картой сейчас недоступна. Попробуйте ещё раз через минуту или оплатите через Kaspi."
    );
    assert_eq!(user.buttons(), ["💳 Банковская карта", "Kaspi"]);
    let url: Option<String> =
        scalar(&app, "SELECT payment_url FROM payments WHERE application_id = $1", application).await;
    assert_eq!(url, None, "no link is stored, the next tap asks the gateway again");
    user.press("Kaspi").await;
    assert!(user.last_text().starts_with("Оплата через Kaspi.kz"), "{}", user.last_text());
}

// ---- refusing bad callbacks ----

#[tokio::test]
async fn a_forged_card_signature_gets_401_and_changes_nothing() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3004).await;
    user.press("💳 Банковская карта").await;
    let order = order_of(&app, application, "card").await;
    let fields = card_fields(&order, "5640.00", "902");

    for secret in [Some("guessed-secret"), None] {
        let (status, _) = card(&app, "pay", &fields, secret).await;
        assert_eq!(status, 401);
    }
    // Signed, then altered on the way: the signature no longer matches the body.
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&fields).finish();
    let status = http()
        .post(app.http_url("/payments/card/pay"))
        .header("Content-HMAC", sign(SECRET, body.as_bytes()))
        .body(body.replace("5640.00", "1.00"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);

    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    assert_eq!(payment_status(&app, &order).await, "pending");
    assert_eq!(count(&app, "SELECT count(*) FROM payment_callbacks WHERE $1 > 0", 1).await, 0);
    assert_eq!(outbox_rows(&app, &user).await, 0);
}

#[tokio::test]
async fn a_wrong_amount_is_refused_by_both_providers() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3005).await;
    user.press("Kaspi").await;
    let kaspi_order = order_of(&app, application, "kaspi").await;
    assert_eq!(kaspi_check(&app, &kaspi_order, "5000.00").await["result"], 241);
    assert_eq!(kaspi_check(&app, &kaspi_order, "6000").await["result"], 242);
    let pay = kaspi_pay(&app, &kaspi_order, "7770002", "5640.50").await;
    assert_eq!(pay["result"], 242, "half a tenge too much is not the fee: {pay}");
    let pay = kaspi_pay(&app, &kaspi_order, "7770003", "564.00").await;
    assert_eq!(pay["result"], 241);

    user.press("💳 Банковская карта").await;
    let card_order = order_of(&app, application, "card").await;
    let (_, check) = card(&app, "check", &card_fields(&card_order, "100.00", "903"), Some(SECRET)).await;
    assert_eq!(check, json!({ "code": 12 }));
    let mut dollars = card_fields(&card_order, "5640.00", "904");
    dollars.retain(|(k, _)| *k != "Currency");
    dollars.push(("Currency", "USD"));
    let (_, pay) = card(&app, "pay", &dollars, Some(SECRET)).await;
    assert_eq!(pay, json!({ "code": 12 }));

    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM payments WHERE application_id = $1 AND status = 'pending'",
            application
        )
        .await,
        2
    );
    assert_eq!(outbox_rows(&app, &user).await, 0);
}

#[tokio::test]
async fn unknown_orders_and_malformed_requests_get_their_codes() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3006).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    let unknown = loop {
        let n = ent_bot::payments::order_number::generate(&mut rand::thread_rng());
        if n != order {
            break n;
        }
    };
    assert_eq!(kaspi_check(&app, &unknown, "5640.00").await["result"], 5);
    assert_eq!(kaspi_pay(&app, &unknown, "7770004", "5640.00").await["result"], 5);
    let mut typo = order.clone().into_bytes();
    typo[5] = if typo[5] == b'9' { b'0' } else { typo[5] + 1 };
    let typo = String::from_utf8(typo).unwrap();
    assert_eq!(
        kaspi_check(&app, &typo, "5640.00").await["result"],
        4,
        "a mistyped digit fails the check digit"
    );
    assert_eq!(kaspi_check(&app, "12345", "5640.00").await["result"], 4);

    let malformed: [&[(&str, &str)]; 5] = [
        &[("command", "check"), ("account", &order), ("sum", "5640.00")],
        &[("command", "refund"), ("txn_id", "1"), ("account", &order), ("sum", "5640.00")],
        &[("command", "check"), ("txn_id", "1"), ("account", &order), ("sum", "5 640")],
        &[("command", "pay"), ("txn_id", "1"), ("account", &order), ("sum", "5640.00")],
        &[
            ("command", "pay"),
            ("txn_id", "1"),
            ("txn_date", "22.12.2026"),
            ("account", &order),
            ("sum", "5640.00"),
        ],
    ];
    for params in malformed {
        let (status, answer) = kaspi(&app, params).await;
        assert_eq!((status, answer["result"].as_i64()), (200, Some(300)), "{params:?}: {answer}");
    }

    let (_, check) = card(&app, "check", &card_fields(&unknown, "5640.00", "905"), Some(SECRET)).await;
    assert_eq!(check, json!({ "code": 10 }));
    let (_, pay) = card(&app, "pay", &card_fields(&unknown, "5640.00", "906"), Some(SECRET)).await;
    assert_eq!(pay, json!({ "code": 10 }));
    let (_, no_invoice) =
        card(&app, "check", &[("Amount", "5640.00"), ("Currency", "KZT")], Some(SECRET)).await;
    assert_eq!(no_invoice, json!({ "code": 10 }));
    let (_, no_txn) =
        card(&app, "pay", &[("InvoiceId", order.as_str()), ("Amount", "5640.00")], Some(SECRET)).await;
    assert_eq!(no_txn, json!({ "code": 13 }));

    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    assert_eq!(payment_status(&app, &order).await, "pending");
    assert_eq!(outbox_rows(&app, &user).await, 0);
}

#[tokio::test]
async fn kaspi_may_call_only_from_its_allowed_addresses() {
    let app = spawn(&[("KASPI_ALLOWED_IPS", "10.20.30.40"), ("KASPI_ALLOW_LOOPBACK", "false")]).await;
    let (user, application) = applicant_with_seat(&app, 3007).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    let params = [
        ("command", "pay"),
        ("txn_id", "7770005"),
        ("txn_date", "20261222101500"),
        ("account", &order),
        ("sum", "5640.00"),
    ];
    let (status, _) = kaspi(&app, &params).await;
    assert_eq!(status, 403, "loopback is not in the list");
    assert_eq!(payment_status(&app, &order).await, "pending");
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
}

// ---- concurrency ----

/// Ten Kaspi calls (`txn_id` 99900..99909 unless `params` has one) that truly overlap: the
/// order's payment row is held locked until all ten are inside the database waiting on a
/// lock, then released.
async fn all_at_once(app: &TestApp, order: &str, params: &[(&str, &str)]) -> Vec<Value> {
    let mut blocker = app.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM payments WHERE order_number = $1 FOR UPDATE")
        .bind(order)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let calls: Vec<_> = (0..10)
        .map(|i| {
            let mut query: Vec<(String, String)> =
                params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            if !params.iter().any(|(k, _)| *k == "txn_id") {
                query.push(("txn_id".into(), format!("99900{i}")));
            }
            query.push(("sum".into(), "5640.00".into()));
            let url = app.http_url("/payments/kaspi");
            tokio::spawn(async move {
                let response = reqwest::Client::new().get(url).query(&query).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.json::<Value>().await.unwrap()
            })
        })
        .collect();
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(15);
    loop {
        let n: i64 = sqlx::query_scalar(waiting).fetch_one(app.pool()).await.unwrap();
        if n >= 10 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "only {n} of 10 calls reached the database");
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    blocker.rollback().await.unwrap();
    let mut answers = vec![];
    for call in calls {
        answers.push(call.await.unwrap());
    }
    answers
}

#[tokio::test]
async fn ten_identical_pay_callbacks_at_once_pay_once_and_message_once() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3008).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;

    let params =
        [("command", "pay"), ("txn_id", "8880001"), ("txn_date", "20261222101500"), ("account", &order)];
    let answers = all_at_once(&app, &order, &params).await;
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:#?}");
    assert_eq!(answers[0]["result"], 0);
    assert_eq!(status_of(&app, application).await, "paid");
    assert_eq!(count(&app, "SELECT count(*) FROM payment_callbacks WHERE $1 > 0", 1).await, 1);
    assert_eq!(outbox_rows(&app, &user).await, 1);

    let before = texts(&user).len();
    deliver(&app).await;
    deliver(&app).await;
    let new: Vec<String> = texts(&user).split_off(before);
    assert_eq!(new.len(), 1, "{new:?}");
    assert!(new[0].starts_with("✅ Оплата получена"));
}

#[tokio::test]
async fn ten_different_transactions_for_one_order_at_once_apply_one() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3009).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    let answers =
        all_at_once(&app, &order, &[("command", "pay"), ("txn_date", "20261222101500"), ("account", &order)])
            .await;
    let accepted = answers.iter().filter(|a| a["result"] == 0).count();
    let forbidden = answers.iter().filter(|a| a["result"] == 7).count();
    assert_eq!((accepted, forbidden), (1, 9), "{answers:#?}");
    assert_eq!(status_of(&app, application).await, "paid");
    assert_eq!(outbox_rows(&app, &user).await, 1);
}

// ---- the deadline ----

#[tokio::test]
async fn reminders_at_30_and_10_minutes_left_speak_each_applicants_language() {
    let app = spawn(&[]).await;
    let kk = app.onboarded_user(3010, "Қазақша").await;
    let ru = app.onboarded_user(3011, "Русский").await;
    let slot = first_slot(&app).await;
    let kk_app = hold_seat(&app, &kk, slot).await;
    let ru_app = hold_seat(&app, &ru, slot).await;

    app.clock.advance(Duration::minutes(29));
    assert_eq!(deliver(&app).await, (0, 0), "nothing is due yet");

    app.clock.advance(Duration::minutes(1));
    assert_eq!(deliver(&app).await, (2, 2));
    let kk_text = kk.last_text();
    assert!(
        kk_text.starts_with(&format!("⏰ №{kk_app} өтініш әлі төленген жоқ: 30 минут қалды.")),
        "{kk_text}"
    );
    assert!(kk_text.contains(&format!("Сомасы: {FEE}. Төлем мерзімі — 11:00.")), "{kk_text}");
    assert_eq!(kk.buttons(), ["💳 Банк картасы", "Kaspi"]);
    let ru_text = ru.last_text();
    assert!(
        ru_text.starts_with(&format!("⏰ Заявление №{ru_app} ещё не оплачено: осталось 30 минут.")),
        "{ru_text}"
    );
    assert!(ru_text.contains("Срок оплаты — 11:00."), "{ru_text}");
    assert_eq!(ru.buttons(), ["💳 Банковская карта", "Kaspi"]);

    app.clock.advance(Duration::minutes(20));
    assert_eq!(deliver(&app).await, (2, 2));
    assert!(kk.last_text().contains("10 минут қалды"), "{}", kk.last_text());
    assert!(ru.last_text().contains("осталось 10 минут."), "{}", ru.last_text());
    let done = "SELECT count(*) FROM scheduled_jobs WHERE application_id = $1 AND kind = 'payment_reminder' AND status = 'done'";
    assert_eq!(count(&app, done, kk_app).await, 2);

    // The reminder's own buttons work.
    kk.press("Kaspi").await;
    let order = order_of(&app, kk_app, "kaspi").await;
    assert!(kk.last_text().contains(&format!("Тапсырыс нөмірі: {order}")), "{}", kk.last_text());
    // The same name in both languages: the one that finds the NCT in Kaspi.
    assert!(kk.last_text().contains("«Национальный центр тестирования» деп жазыңыз"), "{}", kk.last_text());
    assert!(kk.last_text().contains("(10 минут қалды)"), "{}", kk.last_text());
}

#[tokio::test]
async fn expiry_annuls_releases_the_seat_and_another_applicant_takes_it() {
    let app = spawn(&[]).await;
    let slot = first_slot(&app).await;
    sqlx::query("UPDATE slots SET capacity = 1 WHERE id = $1").bind(slot).execute(app.pool()).await.unwrap();
    let first = app.onboarded_user(3012, "Русский").await;
    let second = app.onboarded_user(3013, "Русский").await;
    let application = hold_seat(&app, &first, slot).await;
    offer(&app, &first, Locale::Ru, application).await;
    first.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    let full = booking::confirm(ctx(&app), second.id(), &choices(&app, slot).await).await.unwrap();
    assert_eq!(full, Booking::SlotFull);

    app.clock.advance(Duration::minutes(59));
    deliver(&app).await;
    assert_eq!(status_of(&app, application).await, "awaiting_payment");

    app.clock.advance(Duration::minutes(1));
    let (jobs, sent) = deliver(&app).await;
    assert_eq!((jobs, sent), (1, 1));
    assert_eq!(status_of(&app, application).await, "annulled");
    assert_eq!(payment_status(&app, &order).await, "cancelled");
    let booked: i32 = scalar(&app, "SELECT booked FROM slots WHERE id = $1", slot).await;
    assert_eq!(booked, 0, "the seat is free again");
    let pending = "SELECT count(*) FROM scheduled_jobs WHERE application_id = $1 AND status = 'pending'";
    assert_eq!(count(&app, pending, application).await, 0);
    let annulled = first.last_text();
    assert!(annulled.starts_with(&format!("Заявление №{application} аннулировано")), "{annulled}");
    assert!(
        annulled.contains("Место освобождено") && annulled.contains("подать заявление снова"),
        "{annulled}"
    );
    assert_eq!(kaspi_check(&app, &order, "5640.00").await["result"], 7);

    // The options shown before the deadline are stale now: a notice, and no new order.
    let options = first.messages().into_iter().rfind(|m| m.button("Kaspi").is_some()).unwrap();
    first.press_on(options.message_id, "💳 Банковская карта").await;
    assert_eq!(first.callback_answers().last().unwrap().0, "Это заявление уже нельзя оплатить.");
    assert_eq!(count(&app, "SELECT count(*) FROM payments WHERE application_id = $1", application).await, 1);

    match booking::confirm(ctx(&app), second.id(), &choices(&app, slot).await).await.unwrap() {
        Booking::Booked { .. } => {}
        other => panic!("the released seat was not free: {other:?}"),
    }
    let booked: i32 = scalar(&app, "SELECT booked FROM slots WHERE id = $1", slot).await;
    assert_eq!(booked, 1);
    // Running again does nothing more.
    assert_eq!(deliver(&app).await, (0, 0));
}

#[tokio::test]
async fn a_payment_after_the_deadline_is_kept_as_late_and_the_applicant_told() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3014).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    app.clock.advance(Duration::minutes(61));
    // Past the deadline the order is no longer payable, even before the expiry job ran.
    assert_eq!(kaspi_check(&app, &order, "5640.00").await["result"], 7);
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    deliver(&app).await;
    assert_eq!(status_of(&app, application).await, "annulled");
    let slot = first_slot(&app).await;
    let booked_before: i32 = scalar(&app, "SELECT booked FROM slots WHERE id = $1", slot).await;

    let paid = kaspi_pay(&app, &order, "7770006", "5640.00").await;
    assert_eq!(paid["result"], 0, "the money is taken, to be given back: {paid}");
    assert_eq!(payment_status(&app, &order).await, "late");
    assert_eq!(status_of(&app, application).await, "annulled", "not applied");
    let booked_after: i32 = scalar(&app, "SELECT booked FROM slots WHERE id = $1", slot).await;
    assert_eq!(booked_after, booked_before, "no seat comes back with a late payment");

    assert_eq!(deliver(&app).await, (0, 1));
    let told = user.last_text();
    assert!(told.contains(&format!("по заказу № {order}")) && told.contains("платёж не засчитан"), "{told}");
    assert!(told.contains("Чтобы вернуть деньги, отправьте") && told.contains("uto@testcenter.kz"), "{told}");
    // The five documents of the instruction's §4.
    for document in [
        "1) заявление о возврате",
        "2) квитанцию",
        "3) копию удостоверения",
        "4) копию платёжной карты",
        "5) 20-значный номер счёта",
    ] {
        assert!(told.contains(document), "{told}");
    }
    let late: i64 = sqlx::query_scalar("SELECT count(*) FROM payments WHERE status = 'late'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(late, 1, "staff find it among late payments");
}

#[tokio::test]
async fn no_reminder_and_no_expiry_after_payment() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3015).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    app.clock.advance(Duration::minutes(5));
    assert_eq!(kaspi_pay(&app, &order, "7770007", "5640.00").await["result"], 0);
    let before = texts(&user).len();
    for _ in 0..4 {
        app.clock.advance(Duration::minutes(20));
        deliver(&app).await;
    }
    let new: Vec<String> = texts(&user).split_off(before);
    assert_eq!(new.len(), 1, "only the confirmation: {new:?}");
    assert!(new[0].starts_with("✅ Оплата получена"));
    assert_eq!(status_of(&app, application).await, "paid");
    let cancelled = "SELECT count(*) FROM scheduled_jobs WHERE application_id = $1 AND status = 'cancelled'";
    assert_eq!(count(&app, cancelled, application).await, 3);
}

#[tokio::test]
async fn jobs_pending_at_a_restart_fire_after_it_once() {
    let mut app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3016).await;
    restart_quiet(&mut app).await;
    app.clock.advance(Duration::minutes(30));
    assert_eq!(deliver(&app).await, (1, 1));
    restart_quiet(&mut app).await;
    assert_eq!(deliver(&app).await, (0, 0), "done before the restart, not again after it");
    let reminders = texts(&user).iter().filter(|t| t.starts_with('⏰')).count();
    assert_eq!(reminders, 1);

    // The expiry, due while the process is down, fires after the next start.
    if let Some(running) = app.app.take() {
        running.stop().await;
    }
    app.clock.advance(Duration::minutes(40));
    restart_quiet(&mut app).await;
    assert_eq!(deliver(&app).await, (2, 1), "the 10-minute reminder is past its point: skipped");
    assert_eq!(status_of(&app, application).await, "annulled");
    assert!(user.last_text().contains("аннулировано"), "{}", user.last_text());
    let reminders = texts(&user).iter().filter(|t| t.starts_with('⏰')).count();
    assert_eq!(reminders, 1, "a reminder after the deadline would only confuse");
}

#[tokio::test]
async fn the_workers_deliver_a_due_reminder_on_their_own() {
    let mut app = spawn(&[]).await;
    let (user, _) = applicant_with_seat(&app, 3017).await;
    app.restart().await; // the harness start: workers on
    let activity = app.emulator.chat_activity(user.id());
    app.clock.advance(Duration::minutes(30));
    assert!(
        app.emulator.wait_chat_activity(user.id(), activity, StdDuration::from_secs(15)).await,
        "no reminder arrived:\n{}",
        user.transcript()
    );
    assert!(user.last_text().contains("осталось 30 минут."), "{}", user.last_text());
}

// ---- the outbox under Telegram's limits ----

#[tokio::test]
async fn flood_control_waits_retry_after_and_sends_the_message_once() {
    let app = spawn(&[]).await;
    let (user, _) = applicant_with_seat(&app, 3018).await;
    app.clock.advance(Duration::minutes(30));
    assert_eq!(run_due(ctx(&app)).await.unwrap(), 1);

    // Every send is refused until the first refusal has been served.
    app.emulator.set_rate_limits(Some(0), None);
    let emulator = app.emulator.clone();
    let lift = tokio::spawn(async move {
        while emulator.too_many_requests_served() == 0 {
            tokio::time::sleep(StdDuration::from_millis(5)).await;
        }
        emulator.set_rate_limits(None, None);
    });
    let before = texts(&user).len();
    assert_eq!(send_due(ctx(&app), bot(&app)).await.unwrap(), 1);
    lift.await.unwrap();

    assert!(app.emulator.too_many_requests_served() >= 1);
    let new: Vec<String> = texts(&user).split_off(before);
    assert_eq!(new.len(), 1, "{new:?}");
    assert!(new[0].starts_with('⏰'));
    let status: String =
        scalar(&app, "SELECT status::text FROM outbox WHERE telegram_user_id = $1", user.id()).await;
    assert_eq!(status, "sent");
    assert_eq!(send_due(ctx(&app), bot(&app)).await.unwrap(), 0);
}

#[tokio::test]
async fn a_user_who_blocked_the_bot_is_marked_unreachable_and_skipped() {
    let app = spawn(&[]).await;
    let (user, _) = applicant_with_seat(&app, 3019).await;
    app.clock.advance(Duration::minutes(30));
    run_due(ctx(&app)).await.unwrap();
    app.emulator.set_blocked(user.emu.id(), true);
    let before = texts(&user).len();
    assert_eq!(send_due(ctx(&app), bot(&app)).await.unwrap(), 1);

    let unreachable: bool =
        scalar(&app, "SELECT unreachable FROM telegram_users WHERE id = $1", user.id()).await;
    assert!(unreachable);
    let status: String =
        scalar(&app, "SELECT status::text FROM outbox WHERE telegram_user_id = $1", user.id()).await;
    assert_eq!(status, "skipped");

    // Later messages are skipped without another attempt.
    app.clock.advance(Duration::minutes(20));
    assert_eq!(deliver(&app).await, (1, 0));
    let skipped = "SELECT count(*) FROM outbox WHERE telegram_user_id = $1 AND status = 'skipped'";
    assert_eq!(count(&app, skipped, user.id()).await, 2);
    assert_eq!(texts(&user).len(), before);
    let refusals = app.emulator.render_transcript(user.id()).matches("✗ 403").count();
    assert_eq!(refusals, 1, "{}", app.emulator.render_transcript(user.id()));
}

// ---- staff ----

#[tokio::test]
async fn staff_mark_an_order_paid_others_get_the_unknown_command_answer() {
    let app = spawn(&[]).await;
    let (applicant, application) = applicant_with_seat(&app, 3020).await;
    applicant.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;

    let stranger = app.user(3021, Some("ru"));
    stranger.send(&format!("/markpaid {order}")).await;
    assert_eq!(stranger.last_text(), "Такой команды нет. Подсказка: /help");
    assert_eq!(status_of(&app, application).await, "awaiting_payment");

    let operator = app.user(3022, Some("ru"));
    sqlx::query("INSERT INTO staff (telegram_user_id, role) VALUES ($1, 'operator')")
        .bind(operator.id())
        .execute(app.pool())
        .await
        .unwrap();
    // A payment confirmed by hand gives a seat: an admin's action, in the bot as in the
    // console (security review, finding 4: an operator marked an order paid here).
    operator.send(&format!("/markpaid {order}")).await;
    assert_eq!(operator.last_text(), "Эта команда только для администратора.");
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    let admin = app.user(3023, Some("ru"));
    sqlx::query("INSERT INTO staff (telegram_user_id, role) VALUES ($1, 'admin')")
        .bind(admin.id())
        .execute(app.pool())
        .await
        .unwrap();
    let operator = admin;
    operator.send("/markpaid").await;
    assert_eq!(operator.last_text(), "Укажите номер заказа: /markpaid 123456789012");
    operator.send(&format!("/markpaid {order}")).await;
    assert_eq!(
        operator.last_text(),
        format!(
            "✅ Заказ {order} отмечен как оплаченный, заявление №{application} оплачено. Заявителю отправлено подтверждение."
        )
    );
    assert_eq!(status_of(&app, application).await, "paid");
    let audit: (i64, String, String) =
        sqlx::query_as("SELECT actor_id, action, target FROM audit_log WHERE action = 'markpaid'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(audit, (operator.id(), "markpaid".to_string(), order.clone()));
    deliver(&app).await;
    assert!(applicant.last_text().starts_with(&format!("✅ Оплата получена: {FEE}, заказ № {order}.")));

    operator.send(&format!("/markpaid {order}")).await;
    assert_eq!(operator.last_text(), format!("Заказ {order} уже оплачен."));
    operator.send("/markpaid 123").await;
    assert_eq!(operator.last_text(), "Заказ 123 не найден.");
    assert_eq!(outbox_rows(&app, &applicant).await, 1);
}

#[tokio::test]
async fn with_card_payments_off_only_kaspi_is_offered_and_an_old_card_button_is_refused() {
    let app = spawn(&[("CARD_PAYMENTS", "off")]).await;
    let (user, application) = applicant_with_seat(&app, 8801).await;
    assert_eq!(user.buttons().len(), 1, "{:?}", user.buttons());
    assert!(user.buttons().iter().all(|b| b.contains("Kaspi")), "{:?}", user.buttons());
    // A card button from before the switch: no card order is made.
    let message = user.last().message_id;
    user.press_data(message, &format!("pay:card:{application}")).await;
    let cards = count(
        &app,
        "SELECT count(*) FROM payments WHERE application_id = $1 AND method = 'card'",
        application,
    )
    .await;
    assert_eq!(cards, 0);
}

#[test]
fn serve_refuses_sandbox_stand_ins_outside_the_sandbox() {
    let run = |envs: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ent-bot"));
        cmd.arg("serve")
            .env("BOT_TOKEN", "123:ABC")
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .env("HTTP_ADDR", "127.0.0.1:0")
            .env_remove("SMTP_URL")
            .env_remove("CARD_API_URL");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().expect("the binary runs")
    };
    let no_smtp = run(&[]);
    assert_eq!(no_smtp.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_smtp.stderr).contains("SMTP_URL"));
    let no_gateway = run(&[("SMTP_URL", "smtp://127.0.0.1:2525")]);
    assert_eq!(no_gateway.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_gateway.stderr).contains("CARD_PAYMENTS=off"));
    // Kaspi's endpoint has no signature: without an allow-list it would be open to anyone
    // a same-host proxy relays (security review, finding 1).
    let kaspi_only = [("SMTP_URL", "smtp://127.0.0.1:2525"), ("CARD_PAYMENTS", "off")];
    let no_allow_list = run(&kaspi_only);
    assert_eq!(no_allow_list.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_allow_list.stderr).contains("KASPI_ALLOWED_IPS"));
    // Console links signed by a per-process secret fail on every other process.
    for kaspi in [("KASPI_ALLOWED_IPS", "194.187.247.152"), ("KASPI_ALLOW_LOOPBACK", "true")] {
        let no_console_secret = run(&[kaspi_only[0], kaspi_only[1], kaspi, ("CONSOLE_SECRET", "")]);
        assert_eq!(no_console_secret.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&no_console_secret.stderr).contains("CONSOLE_SECRET"));
    }
}
