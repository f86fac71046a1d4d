//! Waitlist offer latency next to the due-job latency of the same run (#25).
//!
//! 10,000 applicants wait across 500 full slots (20 in each line). The running app (its
//! job runner and outbox sender, as in production) is then handed 200 freed seats, one a
//! slot, 50 ms apart (below the 25 messages/s send budget), each by a plain
//! `UPDATE slots SET booked = booked - 1`: the `slots` trigger holds the seat for the first
//! in line and queues the offer in that transaction. Measured from the moment before the
//! freeing statement to the Bot API emulator accepting the offer in that applicant's chat.
//! Then, on the same database and app, 200 payment reminders fall due 50 ms apart and are
//! measured from their due time to the emulator accepting them (as `scripts/bench.sh jobs`
//! does); and a bare `SELECT 1` round trip as the baseline of both.
//!
//! Run: `scripts/bench.sh waitlist`. TEST_DATABASE_URL names the PostgreSQL server; the
//! benchmark creates its own scratch database there and drops it afterwards.

use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::PgPool;
use telegram_emulator::{Emulator, EmulatorConfig};

mod common;

const WAITING: i64 = 10_000;
const SLOTS: i64 = 500;
const SAMPLES: usize = 200;
const SPACING: Duration = Duration::from_millis(50);
const LEAD: Duration = Duration::from_secs(2);
/// The waiting applicants are FIRST.., the reminded ones REMINDED..
const FIRST: i64 = 2_000_000;
const REMINDED: i64 = 3_000_000;

struct Stats {
    n: usize,
    p50: Duration,
    p99: Duration,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Stats {
        samples.sort();
        let n = samples.len();
        Stats { n, p50: samples[n / 2], p99: samples[(n * 99 / 100).min(n - 1)] }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::with_scratch_database("ent_bench_waitlist", |url| async move { run(&url).await }).await
}

async fn run(database_url: &str) -> anyhow::Result<()> {
    let pool = ent_bot::db::connect(database_url, 60).await?;
    ent_bot::db::migrate(&pool).await?;
    ent_bot::seed::seed_demo(&pool, Utc::now(), chrono_tz::Asia::Almaty).await?;
    // The demo week has 322 slots: a second week makes more than SLOTS.
    sqlx::query(
        "INSERT INTO slots (campaign_id, venue_id, starts_at, capacity)
         SELECT campaign_id, venue_id, starts_at + interval '7 days', capacity FROM slots",
    )
    .execute(&pool)
    .await?;
    let slots = waiting_lines(&pool).await?;
    let reminded = hold_seats(&pool).await?;

    let (emulator, _) = Emulator::serve(EmulatorConfig::default()).await?;
    for k in 0..SLOTS {
        emulator.user((FIRST + k) as u64, "Bench", Some("ru"));
    }
    for i in 0..SAMPLES as i64 {
        emulator.user((REMINDED + i) as u64, "Bench", Some("ru"));
    }
    let app = common::start_app(database_url, &emulator, pool.clone(), &[("KASPI_ALLOWED_IPS", "127.0.0.1")])
        .await?;

    // Offers: a seat of a different slot freed every SPACING.
    let mut waiters = vec![];
    for k in 0..SAMPLES as i64 {
        let emulator = emulator.clone();
        waiters.push(tokio::spawn(async move {
            let arrived = emulator.wait_chat_activity(FIRST + k, 0, Duration::from_secs(120)).await;
            anyhow::ensure!(arrived, "the offer of slot {k} never arrived");
            Ok(Instant::now())
        }));
    }
    let start = tokio::time::Instant::now() + LEAD;
    let mut freed = vec![];
    for (i, slot) in slots.iter().take(SAMPLES).enumerate() {
        tokio::time::sleep_until(start + SPACING * i as u32).await;
        freed.push(Instant::now());
        sqlx::query("UPDATE slots SET booked = booked - 1 WHERE id = $1").bind(slot).execute(&pool).await?;
    }
    let mut offers = vec![];
    for (w, at) in waiters.into_iter().zip(&freed) {
        offers.push(w.await??.saturating_duration_since(*at));
    }
    let offer = Stats::of(offers);
    check_offers(&pool, &slots[..SAMPLES]).await?;

    // Due jobs in the same run: payment reminders due SPACING apart.
    let (t0_utc, t0) = (Utc::now(), Instant::now());
    let mut due = vec![];
    for (i, application) in reminded.iter().enumerate() {
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
    // The runner sleeps until the next due time it knew of: a NOTIFY as a new job would.
    sqlx::query("SELECT pg_notify('jobs', '')").execute(&pool).await?;
    let mut waiters = vec![];
    for (i, due_at) in due.iter().copied().enumerate() {
        let emulator = emulator.clone();
        let chat = REMINDED + i as i64;
        waiters.push(tokio::spawn(async move {
            let arrived = emulator.wait_chat_activity(chat, 0, Duration::from_secs(120)).await;
            anyhow::ensure!(arrived, "reminder {i} never arrived");
            Ok(Instant::now().saturating_duration_since(due_at))
        }));
    }
    let mut jobs = vec![];
    for w in waiters {
        jobs.push(w.await??);
    }
    let jobs = Stats::of(jobs);
    let select_1 = select_1(&pool).await?;

    println!(
        "waitlist benchmark: PostgreSQL and the Bot API emulator on this machine, workers as in production\n"
    );
    println!(
        "{WAITING} waiting across {SLOTS} full slots; {SAMPLES} seats freed (and {SAMPLES} reminders due) {} ms apart; \
         send budget 25/s\n",
        SPACING.as_millis()
    );
    println!("| measurement | n | p50 ms | p99 ms | vs SELECT 1 p50 |");
    println!("|---|---:|---:|---:|---:|");
    let ratio = |s: &Stats| s.p50.as_secs_f64() / select_1.p50.as_secs_f64();
    row("SELECT 1 round trip (baseline)", &select_1, 1.0);
    row("seat freed → offer accepted by the Bot API", &offer, ratio(&offer));
    row("due time → reminder accepted (due-job latency)", &jobs, ratio(&jobs));
    app.stop().await;
    pool.close().await;
    Ok(())
}

fn row(label: &str, s: &Stats, ratio: f64) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("| {label} | {} | {:.2} | {:.2} | {ratio:.0} |", s.n, ms(s.p50), ms(s.p99));
}

/// WAITING applicants in line, 20 for each of SLOTS slots made full; returns the slots,
/// whose first in line is applicant FIRST + its index.
async fn waiting_lines(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let slots: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM slots ORDER BY id LIMIT $1").bind(SLOTS).fetch_all(pool).await?;
    anyhow::ensure!(slots.len() as i64 == SLOTS, "the demo data has {} slots", slots.len());
    sqlx::query("UPDATE slots SET booked = capacity WHERE id = ANY($1)").bind(&slots).execute(pool).await?;
    applicants(pool, FIRST, WAITING).await?;
    sqlx::query(
        "WITH s AS (SELECT sl.id, row_number() OVER (ORDER BY sl.id) - 1 AS k, sl.campaign_id, sl.starts_at,
                           v.city_id, (sl.starts_at AT TIME ZONE 'Asia/Almaty')::date AS day
                    FROM slots sl JOIN venues v ON v.id = sl.venue_id WHERE sl.id = ANY($1))
         INSERT INTO waitlist_entries (applicant_id, campaign_id, category_id, test_language, combination_id,
                                       city_id, test_date, day_from, day_to, slot_id, created_at)
         SELECT ap.id, s.campaign_id, (SELECT min(id) FROM categories), 'ru', (SELECT min(id) FROM subject_combinations),
                s.city_id, s.day, s.day::timestamp AT TIME ZONE 'Asia/Almaty',
                (s.day + 1)::timestamp AT TIME ZONE 'Asia/Almaty', s.id, now()
         FROM generate_series(0, $3 - 1) g
         JOIN s ON s.k = g % $4
         JOIN applicants ap ON ap.telegram_user_id = $2 + g
         ORDER BY g",
    )
    .bind(&slots)
    .bind(FIRST)
    .bind(WAITING)
    .bind(SLOTS)
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE waitlist_entries").execute(pool).await?;
    Ok(slots)
}

async fn applicants(pool: &PgPool, first: i64, n: i64) -> anyhow::Result<()> {
    let last = first + n - 1;
    sqlx::query(
        "INSERT INTO telegram_users (id, chat_id, locale) SELECT g, g, 'ru' FROM generate_series($1::bigint, $2) g",
    )
    .bind(first)
    .bind(last)
    .execute(pool)
    .await?;
    sqlx::query(
        "WITH people AS (
             INSERT INTO persons (iin, last_name, first_name)
             SELECT lpad(g::text, 12, '0'), 'Bench', 'Bench' FROM generate_series($1::bigint, $2) g
             RETURNING iin)
         INSERT INTO applicants (telegram_user_id, iin, full_name, birth_date)
         SELECT iin::bigint, iin, 'Bench Bench', DATE '2008-01-01' FROM people",
    )
    .bind(first)
    .bind(last)
    .execute(pool)
    .await?;
    Ok(())
}

/// Every freed seat was offered once, to the first in its line, and is still held.
async fn check_offers(pool: &PgPool, freed: &[i64]) -> anyhow::Result<()> {
    let (offers, firsts, full): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM waitlist_offers),
                (SELECT count(*) FROM waitlist_offers f JOIN waitlist_entries w ON w.id = f.entry_id
                 JOIN applicants ap ON ap.id = w.applicant_id
                 JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM slots WHERE id = ANY($1)) s
                   ON s.id = f.slot_id
                 WHERE ap.telegram_user_id = $2 + s.k),
                (SELECT count(*) FROM slots WHERE id = ANY($1) AND booked = capacity)",
    )
    .bind(freed)
    .bind(FIRST)
    .fetch_one(pool)
    .await?;
    anyhow::ensure!(offers == freed.len() as i64, "{offers} offers for {} freed seats", freed.len());
    anyhow::ensure!(firsts == offers, "only {firsts} of {offers} offers went to the first in line");
    anyhow::ensure!(full == freed.len() as i64, "a freed seat was left free");
    Ok(())
}

/// SAMPLES other applicants with a seat held by the booking statement (their reminders
/// are the due jobs measured), on a slot of their own.
async fn hold_seats(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    applicants(pool, REMINDED, SAMPLES as i64).await?;
    let slot: i64 =
        sqlx::query_scalar("SELECT id FROM slots ORDER BY id DESC LIMIT 1").fetch_one(pool).await?;
    common::hold_seats_on(pool, slot, REMINDED..REMINDED + SAMPLES as i64).await
}

async fn select_1(pool: &PgPool) -> anyhow::Result<Stats> {
    let mut samples = vec![];
    for _ in 0..1_000 {
        let t = Instant::now();
        sqlx::query("SELECT 1").execute(pool).await?;
        samples.push(t.elapsed());
    }
    Ok(Stats::of(samples))
}
