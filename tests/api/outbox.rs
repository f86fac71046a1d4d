//! The outbox sender under Telegram's limits: transactional messages overtake a running
//! broadcast, a 429 pauses the whole sender, paid broadcasts, broadcast progress edits.

use std::time::Duration;

use chrono::Utc;
use ent_bot::app::{App, Options};
use ent_bot::db::outbox::{self, NewMessage};
use ent_bot::i18n::Locale;
use ent_bot::services::notifications::{self, Audience};
use teloxide::prelude::*;

use crate::helpers::{TestApp, spawn_app_with};

const BROADCAST: &str = "Пункт №1 открывается в 8:00.";

/// `n` reachable users, ids from `first`, each with a chat in the emulator (no applicant
/// data: a broadcast to everyone reaches them).
async fn users(app: &TestApp, first: i64, n: i64) -> Vec<i64> {
    sqlx::query(
        "INSERT INTO telegram_users (id, chat_id, first_name, locale)
         SELECT g, g, 'Test', 'ru' FROM generate_series($1::bigint, $2::bigint) g",
    )
    .bind(first)
    .bind(first + n - 1)
    .execute(app.pool())
    .await
    .unwrap();
    let ids: Vec<i64> = (first..first + n).collect();
    for id in &ids {
        app.emulator.user(*id as u64, "Test", Some("ru"));
    }
    ids
}

async fn broadcast(app: &TestApp, progress: Option<(i64, i32)>) -> i64 {
    let (id, _) =
        notifications::broadcast(app.ctx(), 9001, &Audience::All, BROADCAST, progress).await.unwrap();
    id
}

/// A transactional message (as a payment reminder is) due now.
async fn transactional(app: &TestApp, user: i64, text: &str) {
    let mut conn = app.pool().acquire().await.unwrap();
    let m = NewMessage {
        telegram_user_id: user,
        text,
        reply_markup: None,
        // Each message of its own: the tests queue several to one user.
        dedup_key: format!("test:{}", next_key()),
        not_before: app.clock.now(),
        bulk: false,
    };
    assert!(outbox::enqueue(&mut conn, &m).await.unwrap());
}

fn next_key() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Polls (the sender runs on its own) until `done`, for at most `within`.
async fn eventually(what: &str, within: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn pending(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status = 'pending'")
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_transactional_message_overtakes_a_running_broadcast() {
    let app = spawn_app_with(&[("SEND_RATE_PER_SEC", "25")]).await;
    // Telegram's own limit for a bot: 30 messages a second.
    app.emulator.set_rate_limits(Some(30), None);
    users(&app, 10_000, 150).await;
    broadcast(&app, None).await;
    eventually("the broadcast under way", Duration::from_secs(30), async || app.emulator.sends().len() >= 25)
        .await;

    // A payment reminder falls due in the middle of the broadcast.
    let reminder_user = users(&app, 20_000, 1).await[0];
    let due = Utc::now();
    let bulk_before = app.emulator.sends().len();
    transactional(&app, reminder_user, "⏰ Осталось 10 минут").await;
    eventually("the reminder sent", Duration::from_secs(30), async || {
        app.emulator.sends().iter().any(|s| s.chat_id == reminder_user)
    })
    .await;

    eventually("the broadcast sent", Duration::from_secs(60), async || pending(&app).await == 0).await;
    let sends = app.emulator.sends();
    let reminder = sends.iter().find(|s| s.chat_id == reminder_user).unwrap();
    let overtaken_by =
        sends[bulk_before..].iter().filter(|s| s.seq < reminder.seq && s.text == BROADCAST).count();
    let delay = reminder.at - due;
    eprintln!(
        "reminder sent {} ms after it fell due; {overtaken_by} broadcast messages went out in between",
        delay.num_milliseconds()
    );
    // Ordering, not wall time: at most two seconds of the configured budget (25/s) went to
    // broadcast messages that were pending when the reminder fell due.
    assert!(overtaken_by <= 50, "{overtaken_by} broadcast messages went before the reminder");
    assert!(
        sends.iter().any(|s| s.seq > reminder.seq && s.text == BROADCAST),
        "the broadcast was still running"
    );
    assert!(delay < chrono::Duration::seconds(10), "a generous bound for a loaded machine: {delay}");
    assert!(app.emulator.spec_violations().is_empty());
}

#[tokio::test]
async fn flood_control_pauses_the_whole_sender_and_every_message_goes_once() {
    let app = spawn_app_with(&[("SEND_RATE_PER_SEC", "25")]).await;
    // Telegram allows 5 a second here, a fifth of the sender's budget.
    app.emulator.set_rate_limits(Some(5), None);
    let recipients = users(&app, 10_000, 40).await;
    broadcast(&app, None).await;
    eventually("the broadcast sent", Duration::from_secs(60), async || pending(&app).await == 0).await;

    let served = app.emulator.too_many_requests_served();
    let windows = recipients.len().div_ceil(5) as u64;
    eprintln!("{served} × 429 for {} recipients ({windows} one-second windows)", recipients.len());
    assert!(served <= 2 * windows + 3, "{served} × 429 for {windows} flood windows");
    let sends = app.emulator.sends();
    for id in &recipients {
        let copies = sends.iter().filter(|s| s.chat_id == *id).count();
        assert_eq!(copies, 1, "user {id}");
    }
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status = 'sent'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(sent, recipients.len() as i64);
}

#[tokio::test]
async fn paid_broadcasts_are_flagged_and_transactional_messages_are_not() {
    let app = spawn_app_with(&[("PAID_BROADCAST", "true")]).await;
    app.emulator.set_rate_limits(Some(30), None);
    let recipients = users(&app, 10_000, 60).await;
    let reminder_user = users(&app, 20_000, 1).await[0];
    transactional(&app, reminder_user, "✅ Оплата получена").await;
    broadcast(&app, None).await;
    eventually("everything sent", Duration::from_secs(30), async || pending(&app).await == 0).await;

    let sends = app.emulator.sends();
    // The broadcast reaches everyone, the reminder's recipient too.
    assert_eq!(sends.len(), recipients.len() + 2);
    for s in &sends {
        assert_eq!(s.paid_broadcast, s.text == BROADCAST, "{s:?}");
    }
    // Beyond the free 30 a second, and no 429 for it.
    assert_eq!(app.emulator.too_many_requests_served(), 0);
    assert!(app.emulator.spec_violations().is_empty());
}

/// The app without its workers: the test single-steps the sender and the progress pass.
async fn quiet(app: &mut TestApp) {
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

#[tokio::test]
async fn progress_is_edited_only_when_it_changed_and_the_final_report_is_retried() {
    let mut app = spawn_app_with(&[]).await;
    quiet(&mut app).await;
    let bot = app.app.as_ref().unwrap().bot.clone();
    let admin = users(&app, 9001, 1).await[0];
    users(&app, 10_000, 3).await;
    // The confirm handler turns its preview into the first progress line.
    let preview = bot.send_message(ChatId(admin), "preview").await.unwrap();
    let id = broadcast(&app, Some((admin, preview.id.0))).await;
    let args = [
        ("id", id.into()),
        ("sent", 0.into()),
        ("total", 4.into()),
        ("failed", 0.into()),
        ("unreachable", 0.into()),
    ];
    let first = app.ctx().i18n.f(Locale::Ru, "broadcast-progress", &args);
    bot.edit_message_text(ChatId(admin), preview.id, first).await.unwrap();
    // Past the moments in which the progress pass leaves a new broadcast to the handler.
    sqlx::query("UPDATE broadcasts SET created_at = created_at - interval '1 minute'")
        .execute(app.pool())
        .await
        .unwrap();

    let progress = ent_bot::workers::notices::broadcast_progress;
    let activity = app.emulator.chat_activity(admin);
    assert_eq!(progress(app.ctx(), &bot).await.unwrap(), 0);
    assert_eq!(app.emulator.chat_activity(admin), activity, "nothing moved: no edit");

    ent_bot::workers::outbox::send_due(app.ctx(), &bot).await.unwrap();
    // Telegram refuses the final report's edit (flood control): it is tried again.
    app.emulator.set_rate_limits(None, Some(0));
    let activity = app.emulator.chat_activity(admin);
    assert_eq!(progress(app.ctx(), &bot).await.unwrap(), 1);
    assert_eq!(app.emulator.chat_activity(admin), activity, "the edit was refused");
    app.emulator.set_rate_limits(None, None);
    progress(app.ctx(), &bot).await.unwrap();
    let report = app.emulator.transcript(admin).into_iter().find(|m| m.message_id == preview.id.0).unwrap();
    assert!(
        report.text.starts_with(&format!("✅ Рассылка №{id} завершена: отправлено 4 из 4")),
        "{}",
        report.text
    );
    let activity = app.emulator.chat_activity(admin);
    progress(app.ctx(), &bot).await.unwrap();
    assert_eq!(app.emulator.chat_activity(admin), activity, "reported once");
    assert!(app.emulator.spec_violations().is_empty());
}
