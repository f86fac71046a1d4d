//! The update pipeline at scale and under faults: several processes on one database in
//! webhook and in long-polling mode, a process killed mid-run, a graceful stop of the real
//! binary, outages of Telegram and of the database, repeated deliveries, an update that
//! keeps failing, and the update kinds the bot leaves alone.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::cluster::{LoadBalancer, one_heavy_test_at_a_time};
use crate::helpers::{TestApp, TestUser, spawn_app, spawn_app_with};

const SECRET: &str = "webhook-secret";
/// Applicants who start at the same moment in the crowd tests.
const CROWD: u64 = 100;

fn webhook_mode(public_url: &str) -> Vec<(&'static str, String)> {
    vec![("WEBHOOK_SECRET", SECRET.to_string()), ("PUBLIC_URL", public_url.to_string())]
}

async fn spawn_webhook_app(public_url: &str) -> TestApp {
    let settings = webhook_mode(public_url);
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(&borrowed).await
}

/// A count; asked again when the pool handed out a connection a test had cut (the pool
/// pings only connections idle for a while, and drops one that failed).
async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut tries = 0;
    loop {
        match sqlx::query_scalar(sql).fetch_one(app.pool()).await {
            Ok(n) => return n,
            Err(e) if tries < 30 => {
                tries += 1;
                tracing::debug!(error = %e, "count failed; asking again");
            }
            Err(e) => panic!("{sql}: {e}"),
        }
    }
}

/// Everyone reached the main menu, each is one applicant, and the inbox is empty.
async fn assert_all_onboarded(app: &TestApp, users: &[TestUser]) {
    for user in users {
        assert_eq!(
            user.keyboard().len(),
            5,
            "user {} is not at the main menu:\n{}",
            user.id(),
            user.transcript()
        );
    }
    let n = users.len() as i64;
    assert_eq!(count(app, "SELECT count(*) FROM applicants").await, n, "one applicant row each");
    assert_eq!(count(app, "SELECT count(DISTINCT telegram_user_id) FROM applicants").await, n);
    assert_eq!(count(app, "SELECT count(*) FROM inbox WHERE handled_at IS NULL").await, 0, "nothing left");
    assert_eq!(
        count(app, "SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL").await,
        0,
        "nothing parked"
    );
}

fn crowd(app: &TestApp, first: u64, n: u64) -> impl Future<Output = Vec<TestUser>> + '_ {
    join_all((first..first + n).map(|id| app.onboard_by_chat(id)))
}

/// An update as Telegram would POST it (ids far above the emulator's own).
fn private_text(update_id: i64, user: i64, text: &str) -> Value {
    let mut message = json!({
        "message_id": update_id % 100_000, "date": 1_766_000_000,
        "chat": {"id": user, "type": "private", "first_name": "Айгерім"},
        "from": {"id": user, "is_bot": false, "first_name": "Айгерім", "language_code": "ru"},
        "text": text,
    });
    if text.starts_with('/') {
        message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": text.len()}]);
    }
    json!({"update_id": update_id, "message": message})
}

async fn post_update(app: &TestApp, update: &Value) -> StatusCode {
    reqwest::Client::new()
        .post(app.http_url(ent_bot::http::webhook::PATH))
        .header("x-telegram-bot-api-secret-token", SECRET)
        .json(update)
        .send()
        .await
        .expect("the webhook answers")
        .status()
}

async fn wait_until(what: &str, within: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "{what} did not happen within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ── several processes ─────────────────────────────────────────────────────

/// Two processes behind a balancer that knows nothing of chats; the emulator delivers
/// like Telegram (chats in parallel, each in order, 2xx only after the update is stored).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_webhook_processes_onboard_a_crowd_without_a_stuck_user() {
    let _heavy = one_heavy_test_at_a_time().await;
    let lb = LoadBalancer::start().await;
    let app = spawn_webhook_app(&lb.url()).await;
    let peer = app.spawn_peer().await;
    lb.set_backends(vec![app.app.as_ref().unwrap().http_addr, peer.http_addr]);

    let users = crowd(&app, 60_000, CROWD).await;

    assert_all_onboarded(&app, &users).await;
    assert_eq!(
        app.emulator.webhook_deliveries().1,
        0,
        "no delivery failed: {:?}",
        app.emulator.webhook_deliveries()
    );
    peer.stop().await;
}

/// One of the two processes is killed mid-run (its tasks dropped, its connections cut, as
/// `kill -9` would) and another starts in its place: everyone still finishes, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_process_killed_mid_run_loses_nothing() {
    let _heavy = one_heavy_test_at_a_time().await;
    let lb = LoadBalancer::start().await;
    let app = spawn_webhook_app(&lb.url()).await;
    let first = app.app.as_ref().unwrap().http_addr;
    let victim = app.spawn_peer().await;
    lb.set_backends(vec![first, victim.http_addr]);

    let total_updates = CROWD * 7;
    let crash = async {
        wait_until("a third of the work", Duration::from_secs(60), async || {
            app.probe.handled() >= total_updates / 3
        })
        .await;
        let handled_at_crash = app.probe.handled();
        victim.stop().await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let replacement = app.spawn_peer().await;
        lb.set_backends(vec![first, replacement.http_addr]);
        (handled_at_crash, replacement)
    };
    let (users, (handled_at_crash, replacement)) = tokio::join!(crowd(&app, 61_000, CROWD), crash);

    assert!(
        handled_at_crash < total_updates,
        "the crash came mid-run ({handled_at_crash} of {total_updates})"
    );
    assert!(
        app.emulator.webhook_deliveries().1 > 0,
        "deliveries to the dead process failed and were retried"
    );
    assert_all_onboarded(&app, &users).await;
    replacement.stop().await;
}

/// Long polling with two processes: one polls (the leader), both handle. The first one
/// is killed mid-run; the other takes over polling, and nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_polling_processes_survive_the_loss_of_one() {
    let _heavy = one_heavy_test_at_a_time().await;
    let mut app = spawn_app().await;
    // The process to kill owns its pool, so that its connections die with it as in a
    // crash (the harness's own process shares the test's pool: a claim it held would stay
    // locked in an idle connection). The harness's process stops before any work.
    app.app.take().unwrap().stop().await;
    let first = app.spawn_peer().await;
    let second = app.spawn_peer().await;

    let total_updates = CROWD * 7;
    let crash = async {
        wait_until("a third of the work", Duration::from_secs(60), async || {
            app.probe.handled() >= total_updates / 3
        })
        .await;
        first.stop().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        app.spawn_peer().await
    };
    let (users, third) = tokio::join!(crowd(&app, 62_000, CROWD), crash);

    assert_all_onboarded(&app, &users).await;
    second.stop().await;
    third.stop().await;
}

/// A process waiting to lead (long polling, the outbox sender) asks again every second or
/// two on one connection kept between tries, not on a new connection each time.
#[tokio::test]
async fn a_process_waiting_to_lead_keeps_its_connection() {
    let app = spawn_app().await;
    let peer = app.spawn_peer().await;
    // Sessions ever opened to this database (PostgreSQL counts them at connect).
    let sessions = async || -> i64 {
        sqlx::query_scalar("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            .fetch_one(app.pool())
            .await
            .unwrap()
    };
    // Both settled: one polls and sends, the other waits for its turn.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = sessions().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let opened = sessions().await - before;
    // Asking on a new connection each time opened about seven in these five seconds.
    assert!(opened <= 1, "{opened} connections opened while nothing happened");
    peer.stop().await;
}

// ── one process ───────────────────────────────────────────────────────────

/// Telegram delivers an update again when it did not see our 200 in time: the inbox
/// stores it once and the bot answers once.
#[tokio::test]
async fn a_repeated_delivery_is_handled_once() {
    let app = spawn_webhook_app("http://127.0.0.1:0/").await;
    let user = app.user(63_001, Some("ru"));
    let start = private_text(9_000_001, user.id(), "/start");

    assert_eq!(post_update(&app, &start).await, StatusCode::OK);
    assert!(app.probe.wait(9_000_001, Duration::from_secs(15)).await, "handled");
    assert_eq!(post_update(&app, &start).await, StatusCode::OK, "a repeat is acknowledged");
    assert_eq!(count(&app, "SELECT count(*) FROM inbox WHERE update_id = 9000001").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM inbox WHERE handled_at IS NULL").await, 0);
    // Had the repeat been stored, it would be handled by now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(user.messages().len(), 1, "one answer: {:#?}", user.messages());

    // Not an update at all, or without the secret: refused or dropped, nothing stored.
    let stored = count(&app, "SELECT count(*) FROM inbox").await;
    let forged = reqwest::Client::new()
        .post(app.http_url(ent_bot::http::webhook::PATH))
        .json(&private_text(9_000_002, user.id(), "/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(post_update(&app, &json!({"hello": "world"})).await, StatusCode::OK);
    assert_eq!(count(&app, "SELECT count(*) FROM inbox").await, stored);
}

/// PostgreSQL's `jsonb` refuses a NUL character; a message carrying one is still stored
/// (the NUL read as U+FFFD) and answered, instead of being refused with 503 forever.
#[tokio::test]
async fn a_message_with_a_nul_character_is_stored_and_answered() {
    let app = spawn_webhook_app("http://127.0.0.1:0/").await;
    let user = app.user(63_002, Some("ru"));
    let update = private_text(9_000_101, user.id(), "привет\u{0}");
    assert_eq!(post_update(&app, &update).await, StatusCode::OK);
    assert!(app.probe.wait(9_000_101, Duration::from_secs(15)).await, "handled");
    let text: String =
        sqlx::query_scalar("SELECT payload #>> '{message,text}' FROM inbox WHERE update_id = 9000101")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(text, "привет\u{FFFD}");
    assert_eq!(user.messages().len(), 1, "answered: {:#?}", user.messages());
}

/// Handled updates are kept a day (to absorb a late repeat), then forgotten; parked ones
/// stay for staff.
#[tokio::test]
async fn handled_updates_are_forgotten_after_a_day() {
    let mut app = spawn_app().await;
    sqlx::query(
        "INSERT INTO inbox (update_id, chat_id, kind, payload, handled_at, parked_at) VALUES
             (8000001, 1, 'message', '{}', now() - interval '2 days', NULL),
             (8000002, 1, 'message', '{}', now() - interval '1 hour', NULL),
             (8000003, 2, 'message', '{}', NULL, now() - interval '3 days')",
    )
    .execute(app.pool())
    .await
    .unwrap();
    // A process prunes soon after it starts, and every ten minutes after.
    app.restart().await;
    wait_until("the old update forgotten", Duration::from_secs(15), async || {
        count(&app, "SELECT count(*) FROM inbox WHERE update_id = 8000001").await == 0
    })
    .await;
    let kept: Vec<i64> = sqlx::query_scalar("SELECT update_id FROM inbox ORDER BY update_id")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert_eq!(kept, vec![8000002, 8000003]);
}

/// An update that fails on every try is parked after three, the user is told once, the
/// chat goes on with his next message, and staff see it in /stats.
#[tokio::test]
async fn an_update_that_keeps_failing_is_parked_and_the_chat_goes_on() {
    let app = spawn_app_with(&[("ADMIN_IDS", "63100")]).await;
    app.seed().await;
    // A fault only this address meets, below the bot, as a broken constraint would be.
    app.fail_email_verifications_for("boom@mail.kz").await;
    let user = app.user(63_101, Some("ru"));
    user.send("/start").await.press("Русский").await;

    user.send("boom@mail.kz").await;

    let (attempts, parked): (i32, bool) =
        sqlx::query_as("SELECT attempts, parked_at IS NOT NULL FROM inbox ORDER BY update_id DESC LIMIT 1")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!((attempts, parked), (3, true));
    let apologies = user.messages().iter().filter(|m| m.text.starts_with("Техническая ошибка")).count();
    assert_eq!(apologies, 1, "one apology:\n{}", user.transcript());
    user.send("aigerim@mail.kz").await;
    assert!(user.last_text().contains("код"), "the chat goes on:\n{}", user.transcript());

    let admin = app.user(63_100, Some("ru"));
    admin.send("/start").await.press("Русский").await;
    admin.send("/stats").await;
    assert!(admin.last_text().contains("отложены после ошибок 1"), "{}", admin.last_text());
}

/// Group chats get no answer and never touch a user's data, an edit gets a hint (not an
/// apology); a block and an unblock mark the user unreachable and back.
#[tokio::test]
async fn other_kinds_and_chats_are_left_alone() {
    let app = spawn_webhook_app("http://127.0.0.1:0/").await;
    let user = app.user(63_201, Some("ru"));
    user.send("/start").await;
    let id = user.id();
    let from = json!({"id": id, "is_bot": false, "first_name": "Айгерім"});
    let group = json!({"update_id": 9_100_001, "message": {
        "message_id": 5, "date": 1_766_000_000, "from": from,
        "chat": {"id": -100_555, "type": "supergroup", "title": "ЕНТ 2027"}, "text": "/start"}});
    let mut edited = private_text(9_100_002, id, "передумал");
    edited["edited_message"] = edited["message"].take();
    edited.as_object_mut().unwrap().remove("message");
    edited["edited_message"]["edit_date"] = json!(1_766_000_100);
    let member = |update_id: i64, status: &str| {
        json!({"update_id": update_id, "my_chat_member": {
            "chat": {"id": id, "type": "private", "first_name": "Айгерім"}, "from": from, "date": 1_766_000_200,
            "old_chat_member": {"user": {"id": 123_456, "is_bot": true, "first_name": "ENT Bot"}, "status": "member"},
            "new_chat_member": {"user": {"id": 123_456, "is_bot": true, "first_name": "ENT Bot"}, "status": status,
                                "until_date": 0}}})
    };

    // An edit is answered with a hint, once; nothing else is said.
    assert_eq!(post_update(&app, &edited).await, StatusCode::OK);
    assert!(app.probe.wait(9_100_002, Duration::from_secs(15)).await);
    assert!(user.last_text().contains("новым сообщением"), "{}", user.transcript());
    let said = user.messages().len();
    for update in [group, member(9_100_003, "kicked")] {
        assert_eq!(post_update(&app, &update).await, StatusCode::OK);
        let update_id = update["update_id"].as_i64().unwrap() as u32;
        assert!(app.probe.wait(update_id, Duration::from_secs(15)).await);
    }
    let unreachable: bool = sqlx::query_scalar("SELECT unreachable FROM telegram_users WHERE id = $1")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(unreachable, "a block marks the user unreachable");
    post_update(&app, &member(9_100_004, "member")).await;
    assert!(app.probe.wait(9_100_004, Duration::from_secs(15)).await);
    let unreachable: bool = sqlx::query_scalar("SELECT unreachable FROM telegram_users WHERE id = $1")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(!unreachable, "an unblock makes him reachable again");

    assert_eq!(user.messages().len(), said, "nothing said:\n{}", user.transcript());
    assert!(app.emulator.transcript(-100_555).is_empty(), "nothing said in the group");
    assert_eq!(count(&app, "SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL").await, 0);
    let chat: i64 = sqlx::query_scalar("SELECT chat_id FROM telegram_users WHERE id = $1")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(chat, id, "the group never became his chat");
}

/// Replies are not paced to a global rate: a chat that Telegram holds back with a 429
/// waits on its own, and the other chats' answers go out meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_for_one_chat_does_not_hold_up_the_others() {
    let app = spawn_app().await;
    let slow = app.user(63_700, Some("ru"));
    slow.send("/start").await;
    // Telegram holds this one chat back for a few seconds: its answer waits them out.
    app.emulator.flood_wait(slow.id(), Duration::from_secs(4));
    let press = slow.emu.press_button("Русский").unwrap();
    wait_until("the slow chat's 429", Duration::from_secs(15), async || {
        app.emulator.too_many_requests_served() >= 1
    })
    .await;
    let others: Vec<TestUser> = (63_701..63_721).map(|id| app.user(id, Some("ru"))).collect();
    let updates: Vec<i32> = others.iter().map(|u| u.emu.send_command("/start")).collect();

    assert!(app.probe.wait(press as u32, Duration::from_secs(15)).await);
    for update in updates {
        assert!(app.probe.wait(update as u32, Duration::from_secs(15)).await);
    }
    let sends = app.emulator.sends();
    let email_ask = sends
        .iter()
        .find(|s| s.chat_id == slow.id() && s.text.contains("адрес электронной почты"))
        .expect("asked");
    let answered_before = sends.iter().filter(|s| s.chat_id != slow.id() && s.seq < email_ask.seq).count();
    assert_eq!(answered_before, others.len(), "every other chat was answered while the slow one waited");
    assert!(
        slow.last_text().contains("адрес электронной почты"),
        "the slow chat got its answer too:\n{}",
        slow.transcript()
    );
}

// ── outages ───────────────────────────────────────────────────────────────

/// The Bot API down when the bot starts: it keeps trying, reports itself unready, and
/// starts handling by itself when Telegram answers again.
#[tokio::test]
async fn the_bot_starts_by_itself_when_telegram_comes_back() {
    let mut app = spawn_app().await;
    app.app.take().unwrap().stop().await;
    app.emulator.set_outage(true);
    app.restart().await;
    let user = app.user(63_301, Some("ru"));
    let update = user.emu.send_command("/start");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let health = reqwest::get(app.http_url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(user.messages().is_empty());

    app.emulator.set_outage(false);

    assert!(app.probe.wait(update as u32, Duration::from_secs(30)).await, "handled once Telegram is back");
    assert!(!user.messages().is_empty());
    wait_until("healthy", Duration::from_secs(10), async || {
        reqwest::get(app.http_url("/healthz")).await.unwrap().status() == StatusCode::OK
    })
    .await;
}

/// Telegram answering 502 for a while mid-run (webhook deliveries go on): replies are
/// retried and the updates wait, none is parked, everyone finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_outage_mid_run_loses_nothing() {
    let _heavy = one_heavy_test_at_a_time().await;
    let app = spawn_webhook_app("http://127.0.0.1:0/").await;
    let outage = async {
        wait_until("some work", Duration::from_secs(60), async || app.probe.handled() >= 40).await;
        app.emulator.set_outage(true);
        tokio::time::sleep(Duration::from_secs(6)).await;
        app.emulator.set_outage(false);
    };
    let (users, ()) = tokio::join!(crowd(&app, 63_400, 30), outage);
    assert_all_onboarded(&app, &users).await;
}

/// Every database connection cut a few times mid-run: the bot reconnects by itself and
/// every update is handled once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_connections_cut_mid_run_lose_nothing() {
    let _heavy = one_heavy_test_at_a_time().await;
    let app = spawn_webhook_app("http://127.0.0.1:0/").await;
    let cuts = async {
        let mut cut = 0;
        for threshold in [30, 80, 140] {
            wait_until("some work", Duration::from_secs(60), async || app.probe.handled() >= threshold).await;
            cut += app.db.terminate_other_connections().await;
        }
        cut
    };
    let (users, cut) = tokio::join!(crowd(&app, 63_500, 30), cuts);
    assert!(cut > 0, "connections were cut");
    assert_all_onboarded(&app, &users).await;
}

// ── the binary ────────────────────────────────────────────────────────────

/// The binary in a child process; its log goes to a file (a pipe nobody reads would
/// block it once full).
pub(crate) fn serve(app: &TestApp, extra: &[(&str, &str)]) -> (Child, std::path::PathBuf) {
    let log = std::env::temp_dir().join(format!("ent-serve-{}.log", rand::random::<u64>()));
    let file = std::fs::File::create(&log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ent-bot"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(app.env_vars())
        .env("CARD_PAYMENTS", "off")
        .env("RUST_LOG", "info")
        .envs(extra.iter().copied())
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::from(file.try_clone().unwrap()))
        .stderr(Stdio::from(file))
        .spawn()
        .expect("the binary starts");
    (child, log)
}

pub(crate) async fn exit_status(
    (mut child, log): (Child, std::path::PathBuf),
    within: Duration,
) -> (std::process::ExitStatus, String) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let _ = std::fs::remove_file(&log);
            return (status, text);
        }
        if tokio::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the process did not exit within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// SIGTERM in the middle of a burst: the process stops taking updates, finishes what it
/// holds and exits 0; the next process handles the rest, and nobody is left unanswered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_burst_exits_cleanly_and_loses_nothing() {
    let _heavy = one_heavy_test_at_a_time().await;
    let mut app = spawn_app().await;
    app.app.take().unwrap().stop().await;
    let child = serve(&app, &[]);
    let users: Vec<TestUser> = (63_600..63_660).map(|id| app.user(id, Some("ru"))).collect();
    for user in &users {
        user.emu.send_command("/start");
    }
    wait_until("some answers", Duration::from_secs(60), async || {
        count(&app, "SELECT count(*) FROM inbox WHERE handled_at IS NOT NULL").await >= 5
    })
    .await;

    let term = Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().unwrap();
    assert!(term.success());
    let (status, log) = exit_status(child, Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0:\n{log}");
    assert!(log.contains("stop requested"), "{log}");

    let next = serve(&app, &[]);
    wait_until("every user answered", Duration::from_secs(60), async || {
        users.iter().all(|u| !u.messages().is_empty())
    })
    .await;
    wait_until("the inbox drained", Duration::from_secs(30), async || {
        count(&app, "SELECT count(*) FROM inbox WHERE handled_at IS NULL").await == 0
    })
    .await;
    assert_eq!(count(&app, "SELECT count(*) FROM inbox").await, users.len() as i64);
    Command::new("kill").args(["-TERM", &next.0.id().to_string()]).status().unwrap();
    let (status, log) = exit_status(next, Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "{status:?}\n{log}");
}

/// A process whose bot cannot work (Telegram refuses its token) does not linger as a
/// zombie that answers HTTP: it exits non-zero so its supervisor restarts it.
#[tokio::test]
async fn a_process_whose_bot_task_dies_exits_non_zero() {
    let mut app = spawn_app().await;
    app.app.take().unwrap().stop().await;
    let child = serve(&app, &[("BOT_TOKEN", "999:WRONG")]);
    let (status, log) = exit_status(child, Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("a vital task ended") && log.contains("Invalid bot token"), "{log}");
}
