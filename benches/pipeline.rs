//! The update pipeline end to end (issue #12): simulated applicants register by chatting
//! with the bot through the Bot API emulator — onboarding with the code read from an SMTP
//! sink, the wizard, then Kaspi's `pay` callback over HTTP — against one and two bot
//! processes (`App`s with their own pools) on one PostgreSQL, in webhook and in long-polling
//! mode. The baseline, measured in the same run against the same emulator: a minimal
//! teloxide echo bot (long-polling `Dispatcher`, one `sendMessage` per message), driven by
//! as many users sending as many messages.
//!
//! Phases, each on a fresh emulator and (for the bot) a fresh scratch database:
//! 1. echo bot, closed loop: N users × 16 messages, every user waits for each answer;
//! 2. the bot, closed loop (maximum load): N applicants, 1 and 2 processes × webhook and
//!    polling; before the load one applicant walks alone and the SQL statements of each of
//!    his steps are counted (again with UPDATE_WORKERS=1, to separate the handlers' own
//!    statements from the idle workers that every `NOTIFY inbox` wakes);
//! 3. open loop at half the maximum of "1 process, webhook": applicants arrive at random
//!    (exponential gaps) so that updates arrive at half that rate; the echo bot gets the same
//!    arrival rate;
//! 4. resident memory of the real binary (`ent-bot serve`, a child process) with 10,000
//!    live dialogues (users who sent /start and picked a language).
//!
//! Latency of an update: from the emulator accepting the user's update to the bot having
//! handled it (`UpdateProbe`; the reply is accepted by the emulator before that). The echo
//! bot records the same probe right after its `sendMessage` returned. Both are observed by
//! one waiter task that looks every millisecond, so both carry the same ≤ ~1 ms of
//! observation delay. Round trips: SQL statements (sqlx's statement events, counted, never
//! printed; the bench's pools are `db::pool_options` with statement logging on), per handled
//! update. The pools send no liveness ping before a checkout, so statements are all the
//! round trips.
//!
//! Settings: BENCH_USERS (2,000), BENCH_RSS_DIALOGUES (10,000), BENCH_OPEN_SECS (60: how
//! long applicants keep arriving in the open-loop phase), BENCH_ANALYZE_SECS (10: how often the
//! scratch database is analysed, as autovacuum would; 0 = never), BENCH_WORKERS (UPDATE_WORKERS, 16),
//! BENCH_DB_CONNECTIONS (per process, 40), BENCH_PHASES (all of
//! `echo,w1,w2,p1,p2,half,rss`), BENCH_LOG (stderr log filter, `warn,sqlx=error`).
//!
//! The simulated applicants, the SMTP sink and the load engine are `ent-bot rehearse`'s
//! (`src/rehearse/`): one harness, which here waits for each update's commit (the probe)
//! where the rehearsal waits for the bot's replies.
//!
//! Run: `scripts/bench.sh pipeline`.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use ent_bot::app::{App, Options};
use ent_bot::config::Config;
use ent_bot::rehearse::journey::{Trace, UserRun};
use ent_bot::rehearse::load::percentile;
use ent_bot::rehearse::waiter::Waiter;
use ent_bot::rehearse::{self, Arrivals, Behaviour, Completion, Drive, Journey, Mailbox, STEP_NAMES, STEPS};
use ent_bot::runtime::probe::UpdateProbe;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use telegram_emulator::{EmuUser, Emulator, EmulatorConfig};

mod common;

/// How long one update may take before the applicant gives up (closed loop queues deep).
const HANDLED_WITHIN: Duration = Duration::from_secs(180);
const SECRET: &str = "bench-webhook-secret";
/// Any free port on loopback.
const LOOPBACK: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

// ---------------------------------------------------------------- settings

#[derive(Clone)]
struct Settings {
    users: usize,
    rss_dialogues: usize,
    open_secs: f64,
    /// How often the scratch database is analysed (0: never), see `keep_statistics`.
    analyze_secs: u64,
    workers: usize,
    connections: u32,
    phases: Vec<String>,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

impl Settings {
    fn from_env() -> Settings {
        let phases = std::env::var("BENCH_PHASES").unwrap_or_else(|_| "echo,w1,w2,p1,p2,half,rss".into());
        Settings {
            users: env_or("BENCH_USERS", 2_000usize).max(1),
            rss_dialogues: env_or("BENCH_RSS_DIALOGUES", 10_000usize),
            open_secs: env_or("BENCH_OPEN_SECS", 60.0f64).max(1.0),
            analyze_secs: env_or("BENCH_ANALYZE_SECS", 10u64),
            workers: env_or("BENCH_WORKERS", 16usize).max(1),
            connections: env_or("BENCH_DB_CONNECTIONS", 40u32).max(4),
            phases: phases.split(',').map(|p| p.trim().to_string()).collect(),
        }
    }

    fn runs(&self, phase: &str) -> bool {
        self.phases.iter().any(|p| p == phase)
    }
}

// ---------------------------------------------------------------- counting SQL

static STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// Counts sqlx's per-statement events; prints nothing.
struct CountStatements;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountStatements {
    fn on_event(&self, _: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        STATEMENTS.fetch_add(1, Ordering::Relaxed);
    }
}

fn init_tracing() {
    use tracing_subscriber::prelude::*;
    let log = std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn,sqlx=error".into());
    let only_statements = tracing_subscriber::filter::filter_fn(|m| m.target() == "sqlx::query");
    tracing_subscriber::registry()
        .with(CountStatements.with_filter(only_statements))
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(tracing_subscriber::EnvFilter::new(log)),
        )
        .init();
}

fn sql_now() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}

/// A bot process's pool as `ent_bot::db::connect` makes it, except that statements are
/// logged (to be counted).
async fn counted_pool(url: &str, max: u32) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse()?;
    Ok(ent_bot::db::pool_options(max).connect_with(options).await?)
}

/// An emulator without Telegram's rate limits: the bot's own ceiling is what is measured.
async fn unlimited_emulator() -> anyhow::Result<(Emulator, SocketAddr)> {
    Emulator::serve(EmulatorConfig {
        global_rate_per_sec: None,
        per_chat_rate_per_sec: None,
        ..Default::default()
    })
    .await
}

// ---------------------------------------------------------------- CPU shares

#[derive(Clone, Copy, Default)]
struct CpuSnap {
    total: u64,
    idle: u64,
    me: u64,
    postgres: u64,
}

#[derive(Clone, Copy, Default)]
struct CpuUse {
    busy: f64,
    me: f64,
    postgres: f64,
}

fn process_ticks(stat: &str) -> Option<(String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat[open + 1..close].to_string();
    let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

fn cpu_snap() -> CpuSnap {
    let mut snap = CpuSnap::default();
    if let Ok(stat) = std::fs::read_to_string("/proc/stat")
        && let Some(line) = stat.lines().next()
    {
        let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
        snap.total = v.iter().take(8).sum();
        snap.idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    }
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
        snap.me = process_ticks(&stat).map_or(0, |(_, t)| t);
    }
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let name = entry.file_name();
            if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
                && let Some((comm, ticks)) = process_ticks(&stat)
                && comm == "postgres"
            {
                snap.postgres += ticks;
            }
        }
    }
    snap
}

/// Cores in use between two snapshots: the whole machine, this process, PostgreSQL.
fn cpu_use(a: CpuSnap, b: CpuSnap) -> CpuUse {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as f64;
    let total = b.total.saturating_sub(a.total).max(1) as f64;
    let share = |d: u64| d as f64 / total * cores;
    CpuUse {
        busy: share(b.total.saturating_sub(a.total).saturating_sub(b.idle.saturating_sub(a.idle))),
        me: share(b.me.saturating_sub(a.me)),
        postgres: share(b.postgres.saturating_sub(a.postgres)),
    }
}

// ---------------------------------------------------------------- load balancer

/// Round robin over the webhook endpoints of the processes, as nginx in front of them. Its
/// address is the processes' PUBLIC_URL, so it starts first; `backends` is filled once they
/// have bound their ports.
async fn load_balancer(backends: Arc<Mutex<Vec<SocketAddr>>>) -> anyhow::Result<SocketAddr> {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};

    #[derive(Clone)]
    struct Lb {
        backends: Arc<Mutex<Vec<SocketAddr>>>,
        next: Arc<AtomicUsize>,
        client: reqwest::Client,
    }

    async fn forward(State(lb): State<Lb>, headers: HeaderMap, body: Bytes) -> StatusCode {
        let backend = {
            let backends = lb.backends.lock().unwrap();
            if backends.is_empty() {
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            backends[lb.next.fetch_add(1, Ordering::Relaxed) % backends.len()]
        };
        let mut request = lb
            .client
            .post(format!("http://{backend}{}", ent_bot::http::webhook::PATH))
            .header("content-type", "application/json")
            .body(body);
        if let Some(secret) = headers.get("x-telegram-bot-api-secret-token") {
            request = request.header("x-telegram-bot-api-secret-token", secret);
        }
        match request.send().await {
            Ok(r) => StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
            Err(_) => StatusCode::BAD_GATEWAY,
        }
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = Lb { backends, next: Arc::default(), client: reqwest::Client::new() };
    let router = axum::Router::new()
        .route(ent_bot::http::webhook::PATH, axum::routing::post(forward))
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(addr)
}

// ---------------------------------------------------------------- the simulated users

/// How the users of a phase arrive: everyone at once (closed loop, the maximum load) or
/// at random at a rate (open loop).
type Load = Arrivals;

/// The engine's outcome with what this benchmark adds: SQL statements and CPU.
struct LoadResult {
    users: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    kaspi: Vec<Duration>,
    registrations: u64,
    errors: Vec<(u64, String)>,
    statements: u64,
    cpu: CpuUse,
}

async fn run_load(drive: Arc<Drive>, ids: Vec<u64>, load: Load, journey: Journey) -> LoadResult {
    let (sql0, cpu0) = (sql_now(), cpu_snap());
    let outcome = rehearse::run_load(drive, ids, load, journey).await;
    let statements = sql_now() - sql0;
    LoadResult {
        users: outcome.users,
        elapsed: outcome.elapsed,
        latencies: outcome.latencies(),
        kaspi: outcome.kaspi,
        registrations: outcome.registrations,
        errors: outcome.errors,
        statements,
        cpu: cpu_use(cpu0, cpu_snap()),
    }
}

// ---------------------------------------------------------------- phases

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Webhook,
    Polling,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Webhook => "webhook",
            Mode::Polling => "polling",
        }
    }
}

struct Row {
    phase: String,
    users: usize,
    processes: String,
    mode: &'static str,
    bot: bool,
    updates: u64,
    registrations: u64,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    kaspi_p50: Duration,
    kaspi_p99: Duration,
    round_trips: Option<u64>,
    cpu: CpuUse,
    errors: usize,
    failed_updates: u64,
    parked: i64,
    offered: Option<f64>,
}

impl Row {
    fn updates_per_sec(&self) -> f64 {
        self.updates as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// One line for the progress log, so a run that fails later keeps what it measured.
    fn progress(&self) -> String {
        let trips = match self.round_trips {
            Some(st) if self.updates > 0 => st as f64 / self.updates as f64,
            _ => 0.0,
        };
        format!(
            "  → {}, {} process(es), {}: {} updates in {:.1} s = {:.0}/s, {} registrations, p50 {:.1} ms, \
             p99 {:.1} ms, {trips:.1} round trips/update, CPU busy {:.2} (bench {:.2}, PostgreSQL {:.2}), {} errors",
            self.phase,
            self.processes,
            self.mode,
            self.updates,
            self.elapsed.as_secs_f64(),
            self.updates_per_sec(),
            self.registrations,
            ms(self.p50),
            ms(self.p99),
            self.cpu.busy,
            self.cpu.me,
            self.cpu.postgres,
            self.errors
        )
    }

    fn from(phase: String, processes: String, mode: &'static str, bot: bool, mut r: LoadResult) -> Row {
        r.latencies.sort();
        r.kaspi.sort();
        for (id, e) in r.errors.iter().take(3) {
            eprintln!("  {phase}: user {id} failed: {e}");
        }
        Row {
            users: r.users,
            processes,
            mode,
            bot,
            updates: r.latencies.len() as u64,
            registrations: r.registrations,
            elapsed: r.elapsed,
            p50: percentile(&r.latencies, 0.50),
            p99: percentile(&r.latencies, 0.99),
            kaspi_p50: percentile(&r.kaspi, 0.50),
            kaspi_p99: percentile(&r.kaspi, 0.99),
            round_trips: bot.then_some(r.statements),
            cpu: r.cpu,
            errors: r.errors.len(),
            failed_updates: 0,
            parked: 0,
            offered: None,
            phase,
        }
    }
}

/// Runs `body` in a fresh scratch database that is dropped afterwards.
async fn in_scratch<T, F, Fut>(body: F) -> anyhow::Result<T>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let mut out = None;
    let slot = &mut out;
    common::with_scratch_database("ent_bench_pipeline", |url| async move {
        *slot = Some(body(url).await?);
        Ok(())
    })
    .await?;
    out.context("the phase returned nothing")
}

async fn echo_phase(s: &Settings, load: Load, name: &str) -> anyhow::Result<Row> {
    use teloxide::prelude::*;

    let (emulator, _) = unlimited_emulator().await?;
    let probe = UpdateProbe::default();
    let bot = Bot::new(emulator.token()).set_api_url(emulator.api_url());
    let handler = Update::filter_message().endpoint(
        |bot: Bot, message: Message, update: Update, probe: UpdateProbe| async move {
            bot.send_message(message.chat.id, message.text().unwrap_or("…").to_string()).await?;
            probe.record(update.id.0, true);
            respond(())
        },
    );
    let mut dispatcher = Dispatcher::builder(bot, handler).dependencies(dptree::deps![probe.clone()]).build();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    let drive = Arc::new(Drive {
        emulator: emulator.clone(),
        completion: Completion::Handled(Waiter::spawn(probe.clone())),
        mailbox: Mailbox::start(LOOPBACK).await?,
        http: reqwest::Client::new(),
        kaspi_urls: vec![],
        kaspi_basic_auth: None,
        iins: HashMap::new(),
        behaviour: Behaviour::default(),
        within: HANDLED_WITHIN,
        counter: None,
    });
    // Warm-up: the dispatcher answers.
    let mut warm = UserRun::default();
    drive.chat(u64::MAX / 4, &mut warm).await.context("the echo bot does not answer")?;

    let users = users_for(s, load);
    let result = run_load(drive, (1..=users as u64).collect(), load, Journey::Echo).await;
    let mut row = Row::from(name.to_string(), "1".into(), "polling", false, result);
    row.failed_updates = probe.failed();
    if let Load::Open { users_per_sec } = load {
        row.offered = Some(users_per_sec * STEPS as f64);
    }
    // Not `ShutdownToken::shutdown().await`: the dispatcher may finish and notify before
    // that future is first polled, and it then waits forever.
    running.abort();
    let _ = running.await;
    eprintln!("{}", row.progress());
    Ok(row)
}

fn users_for(s: &Settings, load: Load) -> usize {
    match load {
        Load::Closed => s.users,
        Load::Open { users_per_sec } => s.users.min((users_per_sec * s.open_secs).ceil() as usize).max(1),
        Load::Ramp { .. } => s.users,
    }
}

/// Does what autovacuum does on a healthy server: keeps the planner's statistics current.
/// A scratch database is new, and autovacuum on this shared server may not reach it during a
/// phase; the inbox claim, planned without statistics (`reltuples = -1`) under a backlog of
/// 2,000 updates, then takes 25–275 ms instead of under 1 ms (BENCH_ANALYZE_SECS=0 shows it).
fn keep_statistics(admin: &PgPool, every: u64) -> Option<tokio::task::JoinHandle<()>> {
    if every == 0 {
        return None;
    }
    let admin = admin.clone();
    Some(tokio::spawn(async move {
        loop {
            if let Err(e) = sqlx::query("ANALYZE").execute(&admin).await {
                tracing::warn!(error = %e, "ANALYZE failed");
            }
            tokio::time::sleep(Duration::from_secs(every)).await;
        }
    }))
}

fn bot_env(
    db_url: &str,
    emulator: &Emulator,
    smtp: &str,
    s: &Settings,
    public_url: Option<String>,
) -> HashMap<&'static str, String> {
    let mut env = HashMap::from([
        ("DATABASE_URL", db_url.to_string()),
        ("BOT_TOKEN", emulator.token().to_string()),
        ("TELEGRAM_API_URL", emulator.api_url().to_string()),
        ("HTTP_ADDR", "127.0.0.1:0".to_string()),
        ("SMTP_URL", smtp.to_string()),
        ("MAIL_FROM", "ENT <no-reply@ent.test>".to_string()),
        ("SUPPORT_CONTACT", "support@ent.test".to_string()),
        ("CARD_PAYMENTS", "off".to_string()),
        ("CONSOLE_SECRET", "bench-console-secret".to_string()),
        // The benchmark plays Kaspi from loopback.
        ("KASPI_ALLOW_LOOPBACK", "true".to_string()),
        ("DATABASE_MAX_CONNECTIONS", s.connections.to_string()),
        ("UPDATE_WORKERS", s.workers.to_string()),
    ]);
    if let Some(url) = public_url {
        env.insert("WEBHOOK_SECRET", SECRET.to_string());
        env.insert("PUBLIC_URL", url);
    }
    env
}

/// Migrates, seeds the demo campaign (open now) and puts a person into the registry for
/// each applicant id; returns their IINs.
async fn prepare_database(
    admin: &PgPool,
    ids: impl Iterator<Item = u64>,
) -> anyhow::Result<HashMap<u64, String>> {
    ent_bot::db::migrate(admin).await?;
    ent_bot::seed::seed_demo(admin, Utc::now(), chrono_tz::Asia::Almaty).await?;
    let taken: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT iin::text FROM persons")
        .fetch_all(admin)
        .await?
        .into_iter()
        .collect();
    let first = NaiveDate::from_ymd_opt(2007, 1, 1).expect("a date");
    let mut iins = HashMap::new();
    for id in ids {
        let birth = first + chrono::Duration::days((id % 365) as i64);
        let base = ((id / 365) * 12) as u16;
        let iin = (0..12u16)
            .filter_map(|k| ent_bot::domain::Iin::from_parts(birth, ent_bot::domain::Sex::Male, base + k))
            .map(|iin| iin.as_str().to_string())
            .find(|iin| !taken.contains(iin))
            .context("no free IIN")?;
        iins.insert(id, iin);
    }
    let (list, last, first_names): (Vec<String>, Vec<&str>, Vec<&str>) =
        iins.values().map(|iin| (iin.clone(), rehearse::journey::PERSON_LAST_NAME, "Тест")).collect();
    sqlx::query(
        "INSERT INTO persons (iin, last_name, first_name)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(&list)
    .bind(&last)
    .bind(&first_names)
    .execute(admin)
    .await?;
    Ok(iins)
}

struct BotPhase {
    /// `None` for a trace-only run.
    row: Option<Row>,
    trace: Option<(Trace, f64)>,
}

async fn bot_phase(
    db_url: String,
    s: &Settings,
    processes: usize,
    mode: Mode,
    load: Option<Load>,
    name: &str,
    traced: bool,
) -> anyhow::Result<BotPhase> {
    let users = load.map_or(0, |load| users_for(s, load));
    let trace_ids = [users as u64 + 1, users as u64 + 2];
    let admin = ent_bot::db::connect(&db_url, 4).await?;
    let iins = prepare_database(&admin, (1..=users as u64).chain(trace_ids)).await?;
    let statistics = keep_statistics(&admin, s.analyze_secs);

    let (emulator, _) = unlimited_emulator().await?;
    let mailbox = Mailbox::start(LOOPBACK).await?;
    let probe = UpdateProbe::default();

    // Webhook mode: through the balancer, with one process too, so 1 and 2 compare alike.
    let backends: Arc<Mutex<Vec<SocketAddr>>> = Arc::default();
    let public_url = match mode {
        Mode::Webhook => Some(format!("http://{}/", load_balancer(backends.clone()).await?)),
        Mode::Polling => None,
    };
    let mut apps = Vec::new();
    let mut pools = Vec::new();
    for _ in 0..processes {
        let env = bot_env(&db_url, &emulator, &mailbox.url(), s, public_url.clone());
        let config = Config::from_lookup(|k| env.get(k).cloned())?;
        let pool = counted_pool(&db_url, s.connections).await?;
        let options = Options { pool: Some(pool.clone()), probe: Some(probe.clone()), ..Options::default() };
        apps.push(App::build(config, options).await?);
        pools.push(pool);
    }
    let servers: Vec<SocketAddr> = apps.iter().map(|a| a.http_addr).collect();
    backends.lock().unwrap().extend(servers.iter().copied());
    let deadline = Instant::now() + Duration::from_secs(30);
    while !apps.iter().all(|a| a.ctx.health.bot_ready()) {
        if Instant::now() > deadline {
            bail!("the bot did not connect to the emulator");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let drive = Arc::new(Drive {
        emulator: emulator.clone(),
        completion: Completion::Handled(Waiter::spawn(probe.clone())),
        mailbox,
        http: reqwest::Client::new(),
        kaspi_urls: servers.iter().map(|s| format!("http://{s}/payments/kaspi")).collect(),
        kaspi_basic_auth: None,
        iins,
        behaviour: Behaviour::default(),
        within: HANDLED_WITHIN,
        counter: Some(sql_now),
    });

    // Warm-up, and the statements of each step of one applicant walking alone.
    let mut trace = None;
    for (i, id) in trace_ids.into_iter().enumerate() {
        let mut run = UserRun::default();
        let mut steps = (traced && i == 1).then(Vec::new);
        let idle_rate = if steps.is_some() {
            let before = sql_now();
            tokio::time::sleep(Duration::from_secs(2)).await;
            let after = sql_now();
            (after - before) as f64 / 2.0
        } else {
            0.0
        };
        drive.register(id, &mut run, &mut steps).await.with_context(|| {
            format!("warm-up applicant failed:\n{}", emulator.render_transcript(id as i64))
        })?;
        if let Some(steps) = steps {
            trace = Some((steps, idle_rate));
        }
    }

    let mut row = None;
    if let Some(load) = load {
        let (handled0, failed0) = (probe.handled(), probe.failed());
        let result = run_load(drive.clone(), (1..=users as u64).collect(), load, Journey::Register).await;
        let mut r = Row::from(name.to_string(), processes.to_string(), mode.name(), true, result);
        r.failed_updates = probe.failed() - failed0;
        if let Load::Open { users_per_sec } = load {
            r.offered = Some(users_per_sec * STEPS as f64);
        }
        r.parked = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL")
            .fetch_one(&admin)
            .await?;
        let paid: i64 = sqlx::query_scalar("SELECT count(*) FROM applications WHERE status = 'paid'")
            .fetch_one(&admin)
            .await?;
        eprintln!(
            "  {name}: {} updates handled by the probe, {} applications paid (incl. 2 warm-up), {} errors",
            probe.handled() - handled0,
            paid,
            r.errors
        );
        eprintln!("{}", r.progress());
        row = Some(r);
    }
    if let Some(task) = statistics {
        task.abort();
    }
    for app in apps {
        app.stop().await;
    }
    for pool in pools {
        pool.close().await;
    }
    admin.close().await;
    Ok(BotPhase { row, trace })
}

// ---------------------------------------------------------------- RSS of the real binary

struct Rss {
    dialogues: usize,
    idle_kb: u64,
    live_kb: u64,
    peak_kb: u64,
    stored: i64,
    steps: Vec<(String, i64)>,
    waves: Vec<(String, u64, Duration)>,
    parked: i64,
}

fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn rss_phase(db_url: String, s: &Settings) -> anyhow::Result<Option<Rss>> {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_ent-bot"));
    if !bin.exists() {
        eprintln!("  rss: {} is not built; RSS not measured", bin.display());
        return Ok(None);
    }
    let admin = ent_bot::db::connect(&db_url, 4).await?;
    ent_bot::db::migrate(&admin).await?;
    ent_bot::seed::seed_demo(&admin, Utc::now(), chrono_tz::Asia::Almaty).await?;
    let statistics = keep_statistics(&admin, s.analyze_secs);
    let (emulator, _) = unlimited_emulator().await?;
    let mailbox = Mailbox::start(LOOPBACK).await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let env = bot_env(&db_url, &emulator, &mailbox.url(), s, None);
    // Its logs (stdout) go to our stderr, so the report on stdout stays clean.
    let logs = std::os::fd::AsFd::as_fd(&std::io::stderr()).try_clone_to_owned()?;
    let mut child = std::process::Command::new(bin)
        .arg("serve")
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::from(logs))
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let pid = child.id();
    let outcome = async {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = http.get(format!("http://127.0.0.1:{port}/healthz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            if Instant::now() > deadline {
                bail!("ent-bot serve did not become healthy");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let idle_kb = status_kb(pid, "VmRSS:").context("no VmRSS")?;
        let n = s.rss_dialogues;
        let users: Vec<EmuUser> = (1..=n as u64).map(|id| emulator.user(id, "Айгерім", Some("ru"))).collect();
        let mut waves = Vec::new();
        let mut peak_kb = idle_kb;
        let started = Instant::now();
        for user in &users {
            user.send_command("/start");
        }
        peak_kb = peak_kb.max(drained(&admin, n as i64, pid).await?);
        waves.push(("/start".to_string(), n as u64, started.elapsed()));
        let started = Instant::now();
        let mut pressed = 0u64;
        for user in &users {
            if user.press_button("Русский").is_ok() {
                pressed += 1;
            }
        }
        peak_kb = peak_kb.max(drained(&admin, n as i64 + pressed as i64, pid).await?);
        waves.push(("language".to_string(), pressed, started.elapsed()));
        tokio::time::sleep(Duration::from_secs(2)).await;
        let live_kb = status_kb(pid, "VmRSS:").context("no VmRSS")?;
        peak_kb = peak_kb.max(status_kb(pid, "VmHWM:").unwrap_or(0));
        let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM dialogue_states").fetch_one(&admin).await?;
        let steps: Vec<(String, i64)> = sqlx::query_as(
            "SELECT coalesce(state->>'step', state::text), count(*) FROM dialogue_states GROUP BY 1 ORDER BY 2 DESC",
        )
        .fetch_all(&admin)
        .await?;
        let parked: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL")
            .fetch_one(&admin)
            .await?;
        Ok(Rss { dialogues: n, idle_kb, live_kb, peak_kb, stored, steps, waves, parked })
    }
    .await;
    if let Some(task) = statistics {
        task.abort();
    }
    let _ = child.kill();
    let _ = child.wait();
    admin.close().await;
    outcome.map(Some)
}

/// Waits until `total` updates are stored and none is left unhandled; returns the highest
/// RSS seen meanwhile.
async fn drained(admin: &PgPool, total: i64, pid: u32) -> anyhow::Result<u64> {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut peak = 0;
    loop {
        peak = peak.max(status_kb(pid, "VmRSS:").unwrap_or(0));
        let (stored, open): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE handled_at IS NULL AND parked_at IS NULL) FROM inbox",
        )
        .fetch_one(admin)
        .await?;
        if stored >= total && open == 0 {
            return Ok(peak);
        }
        if Instant::now() > deadline {
            bail!("{stored} of {total} updates stored, {open} unhandled after 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// ---------------------------------------------------------------- report

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn print_report(
    s: &Settings,
    rows: &[Row],
    traces: &[(usize, Trace, f64)],
    rss: Option<&Rss>,
    wall: Duration,
) {
    let echo = rows.iter().find(|r| !r.bot && r.offered.is_none()).map(Row::updates_per_sec);
    println!();
    println!(
        "pipeline benchmark: {} applicants per closed-loop phase ({STEPS} updates + 1 Kaspi pay each), \
         UPDATE_WORKERS={}, DATABASE_MAX_CONNECTIONS={} per process, {}, wall time {:.0} s",
        s.users,
        s.workers,
        s.connections,
        match s.analyze_secs {
            0 => "planner statistics never refreshed (BENCH_ANALYZE_SECS=0)".to_string(),
            n => format!("ANALYZE every {n} s (as autovacuum would)"),
        },
        wall.as_secs_f64()
    );
    println!();
    println!(
        "| phase | processes | mode | updates/s | registrations/min | p50 ms | p99 ms | round trips/update | vs echo |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let rate = r.updates_per_sec();
        let regs = if r.bot {
            format!("{:.0}", r.registrations as f64 / r.elapsed.as_secs_f64() * 60.0)
        } else {
            "—".into()
        };
        let trips = match r.round_trips {
            Some(st) if r.updates > 0 => format!("{:.1}", st as f64 / r.updates as f64),
            _ => "—".into(),
        };
        let vs = match (echo, r.offered) {
            (Some(e), None) => format!("{:.2}", rate / e),
            _ => "—".into(),
        };
        let phase = match r.offered {
            Some(o) => format!("{} (offered {o:.0}/s)", r.phase),
            None => r.phase.clone(),
        };
        println!(
            "| {phase} | {} | {} | {rate:.0} | {regs} | {:.1} | {:.1} | {trips} | {vs} |",
            r.processes,
            r.mode,
            ms(r.p50),
            ms(r.p99)
        );
    }
    println!();
    println!("Details per phase (CPU in cores of this machine; \"other\" is everything else running):");
    println!();
    println!(
        "| phase | processes | mode | users | updates | wall s | errors | failed/parked | Kaspi pay p50/p99 ms | SQL statements per update | CPU busy | bench process | PostgreSQL | other |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let sql = match r.round_trips {
            Some(st) if r.updates > 0 => format!("{:.1}", st as f64 / r.updates as f64),
            _ => "—".into(),
        };
        let kaspi =
            if r.bot { format!("{:.0} / {:.0}", ms(r.kaspi_p50), ms(r.kaspi_p99)) } else { "—".into() };
        println!(
            "| {} | {} | {} | {} | {} | {:.1} | {} | {}/{} | {kaspi} | {sql} | {:.2} | {:.2} | {:.2} | {:.2} |",
            r.phase,
            r.processes,
            r.mode,
            r.users,
            r.updates,
            r.elapsed.as_secs_f64(),
            r.errors,
            r.failed_updates,
            r.parked,
            r.cpu.busy,
            r.cpu.me,
            r.cpu.postgres,
            (r.cpu.busy - r.cpu.me - r.cpu.postgres).max(0.0)
        );
    }
    if !traces.is_empty() {
        println!();
        println!(
            "SQL statements of one applicant walking alone (1 process, webhook): each step \
             counts intake, claim, handler, finish and whatever the wakeup set off in the next 100 ms \
             (idle background: {}):",
            traces
                .iter()
                .map(|(w, _, idle)| format!("{idle:.0}/s with {w} worker(s)"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!();
        let names: Vec<&str> = STEP_NAMES.iter().copied().chain(["Kaspi pay (HTTP)"]).collect();
        let header: Vec<String> =
            traces.iter().map(|(w, _, _)| format!("UPDATE_WORKERS={w}: statements")).collect();
        println!("| step | {} |", header.join(" | "));
        println!("|---|{}", "---:|".repeat(traces.len()));
        let cell = |st: u64| st.to_string();
        for (i, name) in names.iter().enumerate() {
            let cells: Vec<String> =
                traces.iter().map(|(_, steps, _)| steps.get(i).copied().map_or("?".into(), cell)).collect();
            println!("| {name} | {} |", cells.join(" | "));
        }
        for (label, range, n) in
            [("onboarding, per update", 0..7, 7.0), ("wizard + payment choice, per update", 7..STEPS, 9.0)]
        {
            let cells: Vec<String> = traces
                .iter()
                .map(|(_, steps, _)| {
                    let st: u64 = steps[range.clone()].iter().sum();
                    format!("{:.1}", st as f64 / n)
                })
                .collect();
            println!("| {label} | {} |", cells.join(" | "));
        }
    }
    if let Some(rss) = rss {
        println!();
        println!(
            "RSS of `ent-bot serve` (a child process, long polling): {:.1} MB idle after start, \
             {:.1} MB with {} live dialogues ({} rows in dialogue_states: {}), peak {:.1} MB; {} parked updates",
            rss.idle_kb as f64 / 1024.0,
            rss.live_kb as f64 / 1024.0,
            rss.dialogues,
            rss.stored,
            rss.steps.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", "),
            rss.peak_kb as f64 / 1024.0,
            rss.parked
        );
        for (what, n, took) in &rss.waves {
            println!(
                "  wave {what}: {n} updates in {:.1} s ({:.0} updates/s, all sent at once)",
                took.as_secs_f64(),
                *n as f64 / took.as_secs_f64()
            );
        }
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    println!();
    println!(
        "Machine: {cores} cores ({model}); PostgreSQL, the bot processes, the emulator, the load \
         generator and anything else running (a fuzzer) share them."
    );
}

// ---------------------------------------------------------------- main

/// The bot binary's allocator (src/main.rs), so the bot hosted here runs as deployed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let settings = Settings::from_env();
    let s = &settings;
    let wall = Instant::now();
    let mut rows = Vec::new();
    // (workers, steps, idle background statements/s)
    let mut traces: Vec<(usize, Trace, f64)> = Vec::new();
    let mut rss = None;

    if s.runs("echo") {
        eprintln!("phase: echo bot, closed loop");
        rows.push(echo_phase(s, Load::Closed, "echo bot (baseline), max load").await?);
    }
    let configurations = [
        ("w1", 1, Mode::Webhook),
        ("w2", 2, Mode::Webhook),
        ("p1", 1, Mode::Polling),
        ("p2", 2, Mode::Polling),
    ];
    for (key, processes, mode) in configurations {
        if !s.runs(key) {
            continue;
        }
        eprintln!("phase: full path, {processes} process(es), {}, closed loop", mode.name());
        let traced = key == "w1";
        let phase = in_scratch(|url| async move {
            bot_phase(url, s, processes, mode, Some(Load::Closed), "full path, max load", traced).await
        })
        .await?;
        if let Some((steps, idle)) = phase.trace {
            traces.push((s.workers, steps, idle));
        }
        rows.extend(phase.row);
        if traced && s.workers > 1 {
            // The same lone walk with one handling worker: what the handlers themselves cost.
            eprintln!("phase: one applicant alone, UPDATE_WORKERS=1");
            let one = Settings { workers: 1, ..s.clone() };
            let one = &one;
            let phase =
                in_scratch(
                    |url| async move { bot_phase(url, one, 1, Mode::Webhook, None, "trace", true).await },
                )
                .await?;
            if let Some((steps, idle)) = phase.trace {
                traces.push((1, steps, idle));
            }
        }
    }
    if s.runs("half") {
        // Half of the maximum of 1 process, webhook (or of the best measured if it was skipped).
        let max = rows
            .iter()
            .find(|r| r.bot && r.processes == "1" && r.mode == "webhook")
            .or_else(|| {
                rows.iter()
                    .filter(|r| r.bot)
                    .max_by(|a, b| a.updates_per_sec().total_cmp(&b.updates_per_sec()))
            })
            .map(Row::updates_per_sec)
            .unwrap_or(200.0);
        let users_per_sec = max / 2.0 / STEPS as f64;
        eprintln!("phase: full path at half of {max:.0} updates/s, open loop");
        let load = Load::Open { users_per_sec };
        let phase = in_scratch(|url| async move {
            bot_phase(url, s, 1, Mode::Webhook, Some(load), "full path, half of max load", false).await
        })
        .await?;
        rows.extend(phase.row);
        if s.runs("echo") {
            eprintln!("phase: echo bot at the same arrival rate, open loop");
            rows.push(echo_phase(s, load, "echo bot, same arrival rate").await?);
        }
    }
    if s.runs("rss") && s.rss_dialogues > 0 {
        eprintln!("phase: RSS of ent-bot serve with {} dialogues", s.rss_dialogues);
        rss = in_scratch(|url| async move { rss_phase(url, s).await }).await?;
    }
    print_report(s, &rows, &traces, rss.as_ref(), wall.elapsed());
    Ok(())
}
