//! Broadcast sending: 100,000 queued messages against the Bot API emulator.
//! 1. Telegram's limit (30 messages/s) enforced, the sender at its default budget
//!    (`SEND_RATE_PER_SEC` 25, kept under Telegram's limit so jitter never trips it): the
//!    achieved rate as a fraction of the configured one, and the 429s served (aim: ≥ 0.95, 0).
//! 2. The limits raised to 1,000/s: the sender's own throughput, next to a bare client
//!    sending to the same emulator in the same run (the baseline).
//!
//! Run: `scripts/bench.sh broadcast`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ent_bot::app::{App, Options};
use ent_bot::config::Config;
use ent_bot::db::notifications::Audience;
use telegram_emulator::{Emulator, EmulatorConfig};
use teloxide::prelude::*;

const RECIPIENTS: u64 = 100_000;
const CONFIGURED: u32 = 25;
const WINDOW_AT_30: Duration = Duration::from_secs(60);
const WINDOW_AT_1000: Duration = Duration::from_secs(15);

mod common;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::with_scratch_database("ent_bench_broadcast", |url| async move { run(&url).await }).await
}

async fn start(db_url: &str, emulator: &Emulator, rate: u32) -> anyhow::Result<App> {
    let env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", db_url.to_string()),
        ("BOT_TOKEN", emulator.token().to_string()),
        ("TELEGRAM_API_URL", emulator.api_url().to_string()),
        ("HTTP_ADDR", "127.0.0.1:0".to_string()),
        ("SEND_RATE_PER_SEC", rate.to_string()),
        ("DATABASE_MAX_CONNECTIONS", "40".to_string()),
    ]);
    let config = Config::from_lookup(|k| env.get(k).cloned())?;
    App::build(config, Options::default()).await
}

async fn run(db_url: &str) -> anyhow::Result<()> {
    let emulator_config = EmulatorConfig {
        global_rate_per_sec: Some(30),
        per_chat_rate_per_sec: Some(1),
        ..Default::default()
    };
    let (emulator, _) = Emulator::serve(emulator_config).await?;
    for id in 1..=RECIPIENTS {
        emulator.user(id, "User", Some("ru"));
    }
    let app = start(db_url, &emulator, CONFIGURED).await?;
    sqlx::query(
        "INSERT INTO telegram_users (id, chat_id, locale) SELECT g, g, 'ru' FROM generate_series(1, $1) g",
    )
    .bind(RECIPIENTS as i64)
    .execute(&app.ctx.db)
    .await?;

    let queued_at = Instant::now();
    let (_, queued) =
        ent_bot::services::notifications::broadcast(&app.ctx, 0, &Audience::All, "Бенчмарк", None).await?;
    let queue_time = queued_at.elapsed();

    // Phase 1: Telegram's limit.
    let (sent0, tmr0) = (emulator.sent_count(), emulator.too_many_requests_served());
    tokio::time::sleep(WINDOW_AT_30).await;
    let sent = emulator.sent_count() - sent0;
    let rate_30 = sent as f64 / WINDOW_AT_30.as_secs_f64();
    let tmr_30 = emulator.too_many_requests_served() - tmr0;
    app.stop().await;

    // Phase 2: limits raised; the baseline is a bare client on the same emulator.
    emulator.set_rate_limits(Some(1000), None);
    let bot = Bot::new(emulator.token()).set_api_url(emulator.api_url());
    let baseline_started = Instant::now();
    let mut baseline_sent = 0u64;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..16u64 {
        let bot = bot.clone();
        tasks.spawn(async move {
            let mut n = 0u64;
            for i in 0..150u64 {
                let chat = ((worker * 150 + i) % RECIPIENTS) as i64 + 1;
                if bot.send_message(ChatId(chat), "baseline").await.is_ok() {
                    n += 1;
                }
            }
            n
        });
    }
    while let Some(n) = tasks.join_next().await {
        baseline_sent += n?;
    }
    let baseline_rate = baseline_sent as f64 / baseline_started.elapsed().as_secs_f64();

    let app = start(db_url, &emulator, 1000).await?;
    let sent0 = emulator.sent_count();
    tokio::time::sleep(WINDOW_AT_1000).await;
    let rate_1000 = (emulator.sent_count() - sent0) as f64 / WINDOW_AT_1000.as_secs_f64();
    app.stop().await;

    println!(
        "broadcast benchmark: {queued} messages queued in {:.2} s (one INSERT … SELECT)\n",
        queue_time.as_secs_f64()
    );
    println!("| phase | configured | achieved msg/s | ratio | 429s |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| Telegram limit 30/s, {}s window | {CONFIGURED} | {rate_30:.1} | {:.3} | {tmr_30} |",
        WINDOW_AT_30.as_secs(),
        rate_30 / f64::from(CONFIGURED)
    );
    println!("| bare client, 16 tasks (baseline) | — | {baseline_rate:.0} | 1.000 | — |");
    println!(
        "| sender at 1000/s, {}s window | 1000 | {rate_1000:.0} | {:.3} of baseline | — |",
        WINDOW_AT_1000.as_secs(),
        rate_1000 / baseline_rate
    );
    Ok(())
}
