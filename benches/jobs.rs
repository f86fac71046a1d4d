//! Due-job latency and Kaspi callback throughput, each next to a baseline measured in the
//! same run.
//!
//! - Latency: 10,000 jobs are pending; 200 payment reminders fall due 50 ms apart (below
//!   the 25 messages/s send budget). Measured from a job's due time to the moment the Bot
//!   API emulator accepted its message: the running app's runner (woken at the due time),
//!   its transaction, the outbox NOTIFY, the sender's pace and the HTTP call. Baseline: a
//!   bare `SELECT 1` round trip.
//! - Throughput: Kaspi `check` (read) and `pay` (write: payment, application, jobs, outbox in
//!   one transaction) from 32 concurrent clients over HTTP. Baseline: `GET /healthz`, which
//!   is one `SELECT 1` behind the same server.
//!
//! Run: `scripts/bench.sh jobs` (or `cargo bench --bench jobs`). DATABASE_URL (else
//! TEST_DATABASE_URL) names the PostgreSQL server; the benchmark creates its own scratch
//! database there and drops it afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use ent_bot::app::App;
use ent_bot::payments::Method;
use sqlx::PgPool;
use telegram_emulator::{Emulator, EmulatorConfig};

const PENDING_JOBS: i64 = 10_000;
const SAMPLES: usize = 200;
const SPACING: Duration = Duration::from_millis(50);
const LEAD: Duration = Duration::from_secs(3);
const HTTP_REQUESTS: usize = 3_000;
const HTTP_CLIENTS: usize = 32;
const FIRST_USER: i64 = 1_000_000;

struct Stats {
    n: usize,
    p50: Duration,
    p99: Duration,
    per_sec: Option<f64>,
}

impl Stats {
    fn of(mut samples: Vec<Duration>, elapsed: Option<Duration>) -> Stats {
        samples.sort();
        let n = samples.len();
        Stats {
            n,
            p50: samples[n / 2],
            p99: samples[(n * 99 / 100).min(n - 1)],
            per_sec: elapsed.map(|e| n as f64 / e.as_secs_f64()),
        }
    }
}

mod common;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::with_scratch_database("ent_bench_jobs", |url| async move { run(&url).await }).await
}

async fn run(database_url: &str) -> anyhow::Result<()> {
    let pool = ent_bot::db::connect(database_url, 60).await?;
    ent_bot::db::migrate(&pool).await?;
    ent_bot::seed::seed_demo(&pool, Utc::now(), chrono_tz::Asia::Almaty).await?;
    let applications = hold_seats(&pool).await?;
    filler_jobs(&pool).await?;

    // The reminders fall due from LEAD on, SPACING apart; the app starts after this, so
    // its runner first sleeps until the first of them.
    let (t0_utc, t0) = (Utc::now(), Instant::now());
    let mut due = Vec::with_capacity(SAMPLES);
    for (i, application) in applications.iter().enumerate() {
        let offset = LEAD + SPACING * i as u32;
        sqlx::query(
            "UPDATE scheduled_jobs SET due_at = $2
             WHERE application_id = $1 AND kind = 'payment_reminder' AND payload->>'minutes_left' = '30'",
        )
        .bind(application)
        .bind(t0_utc + chrono::Duration::from_std(offset)?)
        .execute(&pool)
        .await?;
        due.push(t0 + offset);
    }
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM scheduled_jobs WHERE status = 'pending'")
        .fetch_one(&pool)
        .await?;

    let (emulator, _) = Emulator::serve(EmulatorConfig::default()).await?;
    for i in 0..SAMPLES as i64 {
        // A chat Telegram knows: the applicant wrote to the bot before.
        emulator.user((FIRST_USER + i) as u64, "Bench", Some("ru"));
    }
    // The benchmark plays Kaspi from loopback.
    let app =
        common::start_app(database_url, &emulator, pool.clone(), &[("KASPI_ALLOW_LOOPBACK", "true")]).await?;

    let mut waiters = vec![];
    for (i, due_at) in due.iter().copied().enumerate() {
        let emulator = emulator.clone();
        let chat = FIRST_USER + i as i64;
        waiters.push(tokio::spawn(async move {
            let delivered = emulator.wait_chat_activity(chat, 0, Duration::from_secs(120)).await;
            anyhow::ensure!(delivered, "reminder {i} never arrived");
            Ok(Instant::now().saturating_duration_since(due_at))
        }));
    }
    let mut latencies = vec![];
    for w in waiters {
        latencies.push(w.await??);
    }
    let latency = Stats::of(latencies, None);
    let select_1 = select_1(&pool).await?;

    let base = format!("http://{}", app.http_addr);
    let orders = orders(&app, &applications).await?;
    ready(&base).await?;
    let healthz = {
        let url = format!("{base}/healthz");
        hammer(HTTP_REQUESTS, move |_| client_get(url.clone())).await?
    };
    let check = {
        let (base, orders) = (base.clone(), orders.clone());
        hammer(HTTP_REQUESTS, move |i| {
            let order = &orders[i % orders.len()];
            client_get(format!("{base}/payments/kaspi?command=check&txn_id=c{i}&account={order}&sum=5640.00"))
        })
        .await?
    };
    let pay = {
        let (base, orders) = (base.clone(), orders.clone());
        hammer(orders.len(), move |i| {
            let order = &orders[i];
            client_get(format!(
                "{base}/payments/kaspi?command=pay&txn_id=p{i}&txn_date=20261222101500&account={order}&sum=5640.00"
            ))
        })
        .await?
    };
    let paid: i64 = sqlx::query_scalar("SELECT count(*) FROM applications WHERE status = 'paid'")
        .fetch_one(&pool)
        .await?;
    anyhow::ensure!(paid == orders.len() as i64, "every pay applied once: {paid} paid");

    println!(
        "jobs benchmark: PostgreSQL and the Bot API emulator on this machine, workers as in production\n"
    );
    println!(
        "{pending} pending jobs; {SAMPLES} reminders due {} ms apart; send budget 25/s\n",
        SPACING.as_millis()
    );
    println!("| measurement | n | p50 ms | p99 ms | per s | baseline | ratio |");
    println!("|---|---:|---:|---:|---:|---|---:|");
    row("SELECT 1 round trip", &select_1, "", None);
    row(
        "due time → message accepted",
        &latency,
        "SELECT 1 p50",
        Some(latency.p50.as_secs_f64() / select_1.p50.as_secs_f64()),
    );
    row(&format!("GET /healthz, {HTTP_CLIENTS} clients"), &healthz, "", None);
    let per = |s: &Stats| s.per_sec.unwrap_or_default();
    row("Kaspi check", &check, "/healthz per s", Some(per(&check) / per(&healthz)));
    row("Kaspi pay (applies)", &pay, "/healthz per s", Some(per(&pay) / per(&healthz)));

    app.stop().await;
    pool.close().await;
    Ok(())
}

fn row(label: &str, s: &Stats, baseline: &str, ratio: Option<f64>) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let per = s.per_sec.map(|p| format!("{p:.0}")).unwrap_or_default();
    let ratio = ratio.map(|r| format!("{r:.2}")).unwrap_or_default();
    println!("| {label} | {} | {:.2} | {:.2} | {per} | {baseline} | {ratio} |", s.n, ms(s.p50), ms(s.p99));
}

/// SAMPLES applicants, each with a seat held (and its reminders and expiry queued) by the
/// production booking statement.
async fn hold_seats(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let last = FIRST_USER + SAMPLES as i64 - 1;
    sqlx::query("INSERT INTO telegram_users (id, chat_id, locale) SELECT g, g, 'ru' FROM generate_series($1::bigint, $2) g")
        .bind(FIRST_USER)
        .bind(last)
        .execute(pool)
        .await?;
    sqlx::query(
        "WITH people AS (
             INSERT INTO persons (iin, last_name, first_name)
             SELECT lpad(g::text, 12, '0'), 'Bench', 'Bench' FROM generate_series($1::bigint, $2) g
             RETURNING iin)
         -- Booking needs a bound IIN (the registry does not check the digits).
         INSERT INTO applicants (telegram_user_id, iin, full_name, birth_date)
         SELECT iin::bigint, iin, 'Bench Bench', DATE '2008-01-01' FROM people",
    )
    .bind(FIRST_USER)
    .bind(last)
    .execute(pool)
    .await?;
    let slot: i64 =
        sqlx::query_scalar("SELECT id FROM slots ORDER BY starts_at, id LIMIT 1").fetch_one(pool).await?;
    common::hold_seats_on(pool, slot, FIRST_USER..last + 1).await
}

/// Jobs due tomorrow: they only make the table and its index the size of a busy day.
async fn filler_jobs(pool: &PgPool) -> anyhow::Result<()> {
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM scheduled_jobs").fetch_one(pool).await?;
    sqlx::query(
        "INSERT INTO scheduled_jobs (kind, due_at)
         SELECT 'payment_expiry', $2 + make_interval(secs => g) FROM generate_series(1, $1) g",
    )
    .bind(PENDING_JOBS - have)
    .bind(Utc::now() + chrono::Duration::days(1))
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE scheduled_jobs").execute(pool).await?;
    Ok(())
}

async fn select_1(pool: &PgPool) -> anyhow::Result<Stats> {
    let mut samples = vec![];
    for _ in 0..1_000 {
        let t = Instant::now();
        sqlx::query("SELECT 1").execute(pool).await?;
        samples.push(t.elapsed());
    }
    Ok(Stats::of(samples, None))
}

/// A Kaspi order for each application, made the way the bot makes them.
async fn orders(app: &App, applications: &[i64]) -> anyhow::Result<Vec<String>> {
    let mut orders = vec![];
    for (i, application) in applications.iter().enumerate() {
        let user = FIRST_USER + i as i64;
        let choice = ent_bot::services::payments::choose(
            &app.ctx,
            user,
            ent_bot::i18n::Locale::Ru,
            *application,
            Method::Kaspi,
        )
        .await?;
        match choice {
            ent_bot::services::payments::Choice::Kaspi { order, .. } => orders.push(order),
            other => anyhow::bail!("no Kaspi order: {other:?}"),
        }
    }
    Ok(orders)
}

/// Waits until `/healthz` says the app takes traffic (updates can reach it), as a load
/// balancer would: before that it answers 503 and is no baseline.
async fn ready(base: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = CLIENT.get(format!("{base}/healthz")).send().await?;
        if response.status().is_success() {
            return Ok(());
        }
        let reason = response.text().await?;
        anyhow::ensure!(Instant::now() < deadline, "/healthz never became ready: {reason}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

static CLIENT: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
    reqwest::Client::builder().pool_max_idle_per_host(HTTP_CLIENTS).build().expect("client")
});

async fn client_get(url: String) -> anyhow::Result<()> {
    let response = CLIENT.get(url).send().await?;
    anyhow::ensure!(response.status().is_success(), "HTTP {}", response.status());
    let body = response.text().await?;
    if body.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(&body)?;
        anyhow::ensure!(v["result"].as_i64().unwrap_or(0) == 0, "refused: {body}");
    }
    Ok(())
}

/// `total` requests from HTTP_CLIENTS concurrent clients.
async fn hammer<F, Fut>(total: usize, request: F) -> anyhow::Result<Stats>
where
    F: Fn(usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut clients = vec![];
    for _ in 0..HTTP_CLIENTS {
        let (next, request) = (next.clone(), request.clone());
        clients.push(tokio::spawn(async move {
            let mut latencies = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return anyhow::Ok(latencies);
                }
                let t = Instant::now();
                request(i).await?;
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut all = vec![];
    for c in clients {
        all.extend(c.await??);
    }
    Ok(Stats::of(all, Some(started.elapsed())))
}
