//! Sandbox mode: the app started without `BOT_TOKEN`, driven over HTTP through the chat
//! page's JSON API as the page itself does, plus the mailbox and payment pages.

use std::collections::HashMap;
use std::time::Duration;

use ent_bot::app::{App, Options};
use ent_bot::config::Config;
use serde_json::{Value, json};

use crate::helpers::db::TestDb;

/// The harness variant for sandbox mode: no emulator or SMTP sink of the test's own; the
/// app brings its emulator and mailbox, as `ent-bot serve` does on a fresh machine.
struct SandboxApp {
    db: TestDb,
    /// Runs until the test's runtime ends.
    _app: App,
    base: String,
    http: reqwest::Client,
}

async fn spawn_sandbox() -> SandboxApp {
    let db = TestDb::new().await;
    let env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", db.url.clone()),
        ("HTTP_ADDR", "127.0.0.1:0".to_string()),
        ("MAIL_FROM", "ENT <no-reply@ent.test>".to_string()),
    ]);
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("sandbox config is valid");
    assert!(!config.is_sandbox(), "only sandbox::start turns it on");
    let options = Options { pool: Some(db.pool.clone()), ..Options::default() };
    let (app, _sandbox) = ent_bot::sandbox::start(config, options).await.expect("sandbox starts");
    let base = format!("http://{}", app.http_addr);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(40)).build().unwrap();
    SandboxApp { db, _app: app, base, http }
}

impl SandboxApp {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("GET answers")
    }

    async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert!(response.status().is_success(), "GET {path}: {}", response.status());
        response.json().await.expect("JSON")
    }

    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("POST answers")
    }

    /// An action of the page (send, press, reply, contact), then — as the page's «typing…»
    /// indicator does — waits until the bot has handled it. Returns the chat afterwards.
    async fn act(&self, path: &str, body: Value) -> Value {
        let user = body["user"].as_u64().expect("a user");
        let response = self.post(path, body).await;
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {answer}");
        let update = answer["update_id"].as_i64().expect("an update id");
        let handled = self.get_json(&format!("/sandbox/api/handled?update={update}")).await;
        assert_eq!(handled["handled"], true, "the bot handled update {update}");
        self.chat(user).await
    }

    async fn send(&self, user: u64, text: &str) -> Value {
        self.act("/sandbox/api/send", json!({ "user": user, "text": text })).await
    }

    /// Presses an inline button on the newest bot message showing it.
    async fn press(&self, user: u64, text: &str) -> Value {
        let chat = self.chat(user).await;
        let message = chat["messages"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|m| buttons(m).iter().any(|b| b == text))
            .unwrap_or_else(|| panic!("no button {text:?} in:\n{}", transcript(&chat)));
        let id = message["id"].clone();
        self.act("/sandbox/api/press", json!({ "user": user, "message_id": id, "text": text })).await
    }

    async fn chat(&self, user: u64) -> Value {
        self.get_json(&format!("/sandbox/api/chat?user={user}")).await
    }
}

fn bot_texts(chat: &Value) -> Vec<String> {
    chat["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["from_bot"] == true)
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

fn last_bot(chat: &Value) -> String {
    bot_texts(chat).pop().unwrap_or_default()
}

fn buttons(message: &Value) -> Vec<String> {
    message["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|b| b["text"].as_str().unwrap().to_string()))
        .collect()
}

fn last_buttons(chat: &Value) -> Vec<String> {
    let messages = chat["messages"].as_array().unwrap();
    messages.iter().rev().find(|m| m["from_bot"] == true).map(buttons).unwrap_or_default()
}

fn keyboard(chat: &Value) -> Vec<(String, bool)> {
    chat["reply_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|r| r.as_array().unwrap().iter())
                .map(|b| (b["text"].as_str().unwrap().to_string(), b["request_contact"] == true))
                .collect()
        })
        .unwrap_or_default()
}

fn transcript(chat: &Value) -> String {
    chat["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{} {}", if m["from_bot"] == true { "bot:" } else { "user:" }, m["text"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Russian onboarding of `user` through the page's API; returns the chat at the menu.
async fn onboard(sandbox: &SandboxApp, user: u64, email: &str) -> Value {
    let chat = sandbox.send(user, "/start").await;
    assert!(last_bot(&chat).contains("Выберите язык"), "{}", transcript(&chat));
    assert_eq!(last_buttons(&chat), ["Қазақша", "Русский"]);
    sandbox.press(user, "Русский").await;
    let chat = sandbox.send(user, email).await;
    assert!(last_bot(&chat).contains("Отправили код"), "{}", transcript(&chat));

    let mails = sandbox.get_json("/sandbox/api/mailbox").await;
    let mail = mails["emails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["to"] == email)
        .expect("the code email is in the mailbox");
    let text = mail["text"].as_str().unwrap();
    let code: String =
        text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("a 6-digit code").to_string();

    sandbox.send(user, &code).await;
    let chat = sandbox.send(user, ent_bot::seed::DEMO_PERSON_IIN).await;
    assert!(last_bot(&chat).contains("Сейтқали Айгерим"), "{}", transcript(&chat));
    let chat = sandbox.press(user, "✅ Да, это я").await;
    let share = keyboard(&chat).into_iter().find(|(_, contact)| *contact).expect("a share-contact button").0;
    let chat = sandbox.act("/sandbox/api/reply", json!({ "user": user, "text": share })).await;
    let contact =
        chat["messages"].as_array().unwrap().iter().find(|m| m["kind"] == "contact").expect("a contact");
    assert_eq!(contact["from_bot"], false);
    assert_eq!(contact["contact"], format!("7701555{user}"), "the simulated user's own number");
    assert_eq!(keyboard(&chat).len(), 5, "the main menu:\n{}", transcript(&chat));
    chat
}

#[tokio::test]
async fn a_fresh_sandbox_is_seeded_and_the_first_user_is_an_admin() {
    let sandbox = spawn_sandbox().await;
    let campaigns: i64 =
        sqlx::query_scalar("SELECT count(*) FROM campaigns").fetch_one(&sandbox.db.pool).await.unwrap();
    assert_eq!(campaigns, 1, "the empty database got the demo data");
    let staff: i64 =
        sqlx::query_scalar("SELECT count(*) FROM staff").fetch_one(&sandbox.db.pool).await.unwrap();
    assert_eq!(staff, 0, "the sandbox admin lives in memory: a real user 1001 never becomes an admin");

    let users = sandbox.get_json("/sandbox/api/users").await;
    let users = users["users"].as_array().unwrap();
    assert_eq!(users.len(), 5);
    assert_eq!(users[0]["id"], 1001);
    assert_eq!(users[0]["admin"], true);
    assert!(users[1..].iter().all(|u| u["admin"] == false));

    let page = sandbox.get("/").await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("/sandbox/chat.js") && html.contains("id=\"reply-keyboard\""));
    for asset in ["/sandbox/chat.js", "/sandbox/sandbox.css"] {
        assert_eq!(sandbox.get(asset).await.status(), 200, "{asset}");
    }
    let js = sandbox.get("/sandbox/chat.js").await.text().await.unwrap();
    for sink in [".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write"] {
        assert!(!js.contains(sink), "the page renders text with textContent only, never {sink}");
    }

    // A page left open across a restart is ahead of the new chat: it is answered at once,
    // with the new process's instance, instead of waiting out the long poll.
    let started = std::time::Instant::now();
    let chat = sandbox.get_json("/sandbox/api/chat?user=1001&after=999&answers=5").await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(chat["activity"], 0);
    assert!(chat["instance"].as_str().is_some_and(|i| !i.is_empty()));

    // The emulated Bot API answers on the same server, with the sandbox token only.
    let me = sandbox.get_json("/bot123456:TEST/getMe").await;
    assert_eq!(me["ok"], true);
    assert_eq!(sandbox.get("/bot1:WRONG/getMe").await.status(), 401);
    assert_eq!(sandbox.post("/sandbox/api/send", json!({ "user": 42, "text": "hi" })).await.status(), 404);
    assert_eq!(sandbox.post("/sandbox/api/send", json!({ "user": 1001, "text": "  " })).await.status(), 400);
}

#[tokio::test]
async fn the_page_api_registers_an_applicant_who_pays_with_kaspi() {
    let sandbox = spawn_sandbox().await;
    let user = 1003;
    let chat = onboard(&sandbox, user, "alina@mail.kz").await;
    assert_eq!(chat["user"]["language_code"], "ru");

    // The long poll answers as soon as the bot does something in the chat.
    let activity = chat["activity"].as_u64().unwrap();
    let answers = chat["answers"].as_u64().unwrap();
    let poll = {
        let http = sandbox.http.clone();
        let url = format!("{}/sandbox/api/chat?user={user}&after={activity}&answers={answers}", sandbox.base);
        tokio::spawn(async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!poll.is_finished(), "nothing happened yet: the poll waits");
    let started = std::time::Instant::now();
    sandbox.act("/sandbox/api/reply", json!({ "user": user, "text": "📝 Подать заявление" })).await;
    let polled =
        tokio::time::timeout(Duration::from_secs(10), poll).await.expect("the poll answered").unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(polled["activity"].as_u64().unwrap() > activity);

    // The wizard, as the page presses its buttons.
    sandbox.press(user, "Выпускник школы 2027 года").await;
    sandbox.press(user, "Русский язык").await;
    sandbox.press(user, "Физика – Математика").await;
    let chat = sandbox.press(user, "Караганда").await;
    let date = last_buttons(&chat)[0].clone();
    let chat = sandbox.press(user, &date).await;
    let time = last_buttons(&chat)[0].clone();
    sandbox.press(user, &time).await;
    let chat = sandbox.press(user, "✅ Правила прочитаны, подтверждаю").await;
    assert!(bot_texts(&chat).iter().any(|t| t.starts_with("Заявление №")), "{}", transcript(&chat));
    let edited = chat["messages"].as_array().unwrap().iter().filter(|m| m["edited"] == true).count();
    assert!(edited >= 1, "the wizard's message was edited in place");

    // Kaspi: the order is listed for the page, paid on the sandbox page through /payments/kaspi.
    sandbox.press(user, "Kaspi").await;
    let orders = sandbox.get_json(&format!("/sandbox/api/orders?user={user}")).await;
    let order = &orders["orders"][0];
    assert_eq!(order["method"], "kaspi");
    assert_eq!(order["status"], "pending");
    assert_eq!(order["amount_tenge"], 5640);
    let number = order["order_number"].as_str().unwrap().to_string();

    let page = sandbox.get(&format!("/pay/{number}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&number) && html.contains("5\u{a0}640\u{a0}₸"), "{html}");
    assert!(html.contains("value=\"kaspi\""), "a «Pay in Kaspi» button");
    assert!(!html.contains("value=\"pay\""), "no card buttons on a Kaspi order");

    let paid = sandbox
        .http
        .post(format!("{}/pay/{number}", sandbox.base))
        .form(&[("action", "kaspi")])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200);
    let html = paid.text().await.unwrap();
    assert!(html.contains("GET /payments/kaspi?command=check"), "{html}");
    assert!(html.contains("command=pay") && html.contains("txn_date="), "{html}");
    assert!(html.contains("&quot;result&quot;:0"), "our endpoint accepted it: {html}");
    assert!(html.contains("id=\"status\" class=\"status-paid\">paid<"), "{html}");

    // The confirmation reaches the chat through the outbox worker.
    let mut chat = sandbox.chat(user).await;
    for _ in 0..20 {
        if bot_texts(&chat).iter().any(|t| t.contains("Оплата получена")) {
            break;
        }
        let url =
            format!("/sandbox/api/chat?user={user}&after={}&answers={}", chat["activity"], chat["answers"]);
        chat = sandbox.get_json(&url).await;
    }
    assert!(bot_texts(&chat).iter().any(|t| t.contains("Оплата получена")), "{}", transcript(&chat));
    let orders = sandbox.get_json(&format!("/sandbox/api/orders?user={user}")).await;
    assert_eq!(orders["orders"][0]["status"], "paid");

    // An old payment button is answered with a toast, which the page shows.
    let before = chat["callback_answers"].as_array().unwrap().len();
    let chat = sandbox.press(user, "Kaspi").await;
    let answers = chat["callback_answers"].as_array().unwrap();
    assert_eq!(answers.len(), before + 1);
    assert_eq!(answers[before]["text"], "Это заявление уже оплачено ✅", "{answers:?}");
    assert_eq!(answers[before]["show_alert"], false);
}

#[tokio::test]
async fn the_card_page_declines_and_pays_with_a_valid_signature() {
    let sandbox = spawn_sandbox().await;
    let user = 1002;
    // The page's language selector: what the Telegram client reports from now on.
    let response =
        sandbox.post("/sandbox/api/language", json!({ "user": user, "language_code": "ru" })).await;
    assert_eq!(response.status(), 200);
    let chat: Value = response.json().await.unwrap();
    assert_eq!(chat["user"]["language_code"], "ru");
    let bad = sandbox.post("/sandbox/api/language", json!({ "user": user, "language_code": "<x>" })).await;
    assert_eq!(bad.status(), 400);
    onboard(&sandbox, user, "daulet@mail.kz").await;
    sandbox.act("/sandbox/api/reply", json!({ "user": user, "text": "📝 Подать заявление" })).await;
    sandbox.press(user, "Выпускник школы 2027 года").await;
    sandbox.press(user, "Русский язык").await;
    sandbox.press(user, "Физика – Математика").await;
    let chat = sandbox.press(user, "Астана").await;
    let date = last_buttons(&chat)[0].clone();
    let chat = sandbox.press(user, &date).await;
    let time = last_buttons(&chat)[0].clone();
    sandbox.press(user, &time).await;
    sandbox.press(user, "✅ Правила прочитаны, подтверждаю").await;
    let chat = sandbox.press(user, "💳 Банковская карта").await;

    // The bot's link button points at the sandbox payment page.
    let url = chat["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| {
            m["inline_keyboard"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter())
        })
        .find_map(|b| b["url"].as_str())
        .expect("a payment link")
        .to_string();
    let path = url.strip_prefix(&sandbox.base).unwrap_or_else(|| panic!("{url} is on this server"));
    assert!(path.starts_with("/pay/"), "{url}");
    let html = sandbox.get(path).await.text().await.unwrap();
    assert!(html.contains("value=\"pay\"") && html.contains("value=\"decline\""), "{html}");

    let declined =
        sandbox.http.post(&url).form(&[("action", "decline")]).send().await.unwrap().text().await.unwrap();
    assert!(declined.contains("POST /payments/card/check") && declined.contains("POST /payments/card/fail"));
    assert!(declined.contains("Content-HMAC: "), "signed");
    assert!(declined.contains("class=\"status-pending\""), "a declined card leaves the order payable");

    let paid = sandbox.http.post(&url).form(&[("action", "pay")]).send().await.unwrap().text().await.unwrap();
    assert!(paid.contains("POST /payments/card/pay"), "{paid}");
    assert!(paid.contains("&quot;code&quot;:0"), "accepted: the app checks the same sandbox secret: {paid}");
    assert!(paid.contains("class=\"status-paid\""), "{paid}");

    // Paying again is refused by our own endpoint, and the page says so.
    let again =
        sandbox.http.post(&url).form(&[("action", "pay")]).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("class=\"result warn\""), "{again}");

    assert_eq!(sandbox.get("/pay/999999999999").await.status(), 404);
    assert_eq!(sandbox.get("/pay/not-an-order").await.status(), 404);
}

#[tokio::test]
async fn the_mailbox_page_escapes_and_sandboxes_email_html() {
    let sandbox = spawn_sandbox().await;
    let empty = sandbox.get("/mailbox").await.text().await.unwrap();
    assert!(empty.contains("No emails yet"));

    sandbox.send(1004, "/start").await;
    sandbox.press(1004, "Қазақша").await;
    // The email's own HTML must reach the page only as an escaped `srcdoc`.
    sandbox.send(1004, "erlan@mail.kz").await;
    let page = sandbox.get("/mailbox").await;
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("erlan@mail.kz"));
    assert!(html.contains("ҰБТ-ға тіркелу: растау коды"), "the subject");
    assert!(html.contains("<iframe sandbox=\"\""), "HTML shown only in a fully sandboxed frame");
    assert!(html.contains("srcdoc=\"&lt;p&gt;"), "the email HTML is escaped into srcdoc: {html}");
    assert!(!html.contains("<b style"), "no email markup in the page itself");
}

#[tokio::test]
async fn the_sandbox_admin_runs_staff_commands_from_memory() {
    let sandbox = spawn_sandbox().await;
    let chat = sandbox.act("/sandbox/api/send", json!({ "user": 1001, "text": "/stats" })).await;
    let last = chat["messages"].as_array().unwrap().last().unwrap()["text"].as_str().unwrap().to_string();
    assert!(!last.contains("/help"), "a staff answer, not the unknown-command one: {last}");
    let staff: i64 =
        sqlx::query_scalar("SELECT count(*) FROM staff").fetch_one(&sandbox.db.pool).await.unwrap();
    assert_eq!(staff, 0);
}

#[tokio::test]
async fn the_sandbox_refuses_a_database_with_data_it_did_not_write() {
    let db = TestDb::new().await;
    ent_bot::db::migrate(&db.pool).await.unwrap();
    sqlx::query(
        "INSERT INTO campaigns (code, name_kk, name_ru, registration_opens_at, registration_closes_at, fee_tenge, payment_window_minutes)
         VALUES ('real-2027-01', 'ҰБТ', 'ЕНТ', now(), now() + interval '9 days', 5640, 60)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let env: HashMap<&str, String> =
        HashMap::from([("DATABASE_URL", db.url.clone()), ("HTTP_ADDR", "127.0.0.1:0".to_string())]);
    let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let options = Options { pool: Some(db.pool.clone()), ..Options::default() };
    let refused = ent_bot::sandbox::start(config, options).await.err().expect("refused");
    assert!(refused.downcast_ref::<ent_bot::config::Refusal>().is_some(), "{refused:#}");
    assert!(format!("{refused:#}").contains("DATABASE_URL"), "{refused:#}");
    let marker: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sandbox_marker").fetch_one(&db.pool).await.unwrap();
    assert_eq!(marker, 0, "nothing was written");
}

#[tokio::test]
async fn serve_without_a_token_exits_2_and_points_at_the_sandbox() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ent-bot"))
        .arg("serve")
        .env("BOT_TOKEN", "")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("HTTP_ADDR", "127.0.0.1:0")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("BOT_TOKEN") && stderr.contains("ent-bot sandbox"), "{stderr}");
}
