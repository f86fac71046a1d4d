//! Booking throughput: the production booking statement on one hot slot and spread over
//! 500 slots, with 1, 16 and 64 concurrent clients, next to a bare `SELECT 1` round trip
//! measured in the same run. Run: `scripts/bench.sh booking` (or `cargo bench --bench booking`
//! with TEST_DATABASE_URL pointing at a PostgreSQL server).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use ent_bot::db::applications::{Booked, HoldCap, NewApplication, book};
use sqlx::PgPool;

const OPS_PER_RUN: usize = 3_000;
const CLIENTS: [usize; 3] = [1, 16, 64];

struct Sample {
    ops_per_sec: f64,
    p50: Duration,
    p99: Duration,
}

mod common;

/// Each simulated applicant books once: the cap on unpaid holds never bites.
const NO_CAP: HoldCap = HoldCap { holds: 1_000_000, window: chrono::Duration::hours(24) };

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::with_scratch_database("ent_bench_booking", |url| async move {
        let pool = ent_bot::db::connect(&url, 70).await?;
        ent_bot::db::migrate(&pool).await?;
        ent_bot::seed::seed_demo(&pool, Utc::now(), chrono_tz::Asia::Almaty).await?;
        let result = run(pool.clone()).await;
        pool.close().await;
        result
    })
    .await
}

async fn run(pool: PgPool) -> anyhow::Result<()> {
    let pool = &pool;
    let applicants = (OPS_PER_RUN * CLIENTS.len() * 2) as i64;
    sqlx::query("INSERT INTO telegram_users (id, chat_id) SELECT g, g FROM generate_series(1, $1) g")
        .bind(applicants)
        .execute(pool)
        .await?;
    sqlx::query(
        "WITH people AS (
             INSERT INTO persons (iin, last_name, first_name)
             SELECT lpad(g::text, 12, '0'), 'Bench', 'Bench' FROM generate_series(1, $1) g
             RETURNING iin)
         -- Booking needs a bound IIN (the registry does not check the digits).
         INSERT INTO applicants (telegram_user_id, iin, full_name, birth_date)
         SELECT iin::bigint, iin, 'Bench Bench', DATE '2008-01-01' FROM people",
    )
    .bind(applicants)
    .execute(pool)
    .await?;
    let campaign: i64 = sqlx::query_scalar("SELECT id FROM campaigns LIMIT 1").fetch_one(pool).await?;
    let (category, combination): (i16, i16) =
        sqlx::query_as("SELECT (SELECT min(id) FROM categories), (SELECT min(id) FROM subject_combinations)")
            .fetch_one(pool)
            .await?;
    let hot: Vec<i64> = sqlx::query_scalar(
        "UPDATE slots SET capacity = 1000000 WHERE id = (SELECT min(id) FROM slots) RETURNING id",
    )
    .fetch_all(pool)
    .await?;
    let starts: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT max(starts_at) FROM slots").fetch_one(pool).await?;
    let spread: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO slots (campaign_id, venue_id, starts_at, capacity)
         SELECT $1, (SELECT min(id) FROM venues), $2 + make_interval(mins => g), 100000 FROM generate_series(1, 500) g
         RETURNING id",
    )
    .bind(campaign)
    .bind(starts)
    .fetch_all(pool)
    .await?;

    let next_user = Arc::new(AtomicI64::new(1));
    println!("booking benchmark: {OPS_PER_RUN} operations per row, PostgreSQL on this machine\n");
    println!("| clients | workload | ops/s | p50 ms | p99 ms | vs SELECT 1 |");
    println!("|---:|---|---:|---:|---:|---:|");
    for clients in CLIENTS {
        let base_pool = pool.clone();
        let base = measure(clients, move |_| {
            let pool = base_pool.clone();
            async move {
                sqlx::query("SELECT 1").execute(&pool).await?;
                Ok(())
            }
        })
        .await?;
        print_row(clients, "SELECT 1 (baseline)", &base, &base);
        for (label, slots) in [("one hot slot", hot.clone()), ("500 slots", spread.clone())] {
            let slots = Arc::new(slots);
            let pool = pool.clone();
            let next_user = next_user.clone();
            let sample = measure(clients, move |i| {
                let pool = pool.clone();
                let slots = slots.clone();
                let user = next_user.fetch_add(1, Ordering::Relaxed);
                async move {
                    let now = Utc::now();
                    let a = NewApplication {
                        telegram_user_id: user,
                        campaign_id: campaign,
                        category_id: category,
                        test_language: "kk",
                        combination_id: combination,
                        slot_id: slots[i % slots.len()],
                        now,
                        payment_deadline: now + chrono::Duration::minutes(60),
                        reminder_minutes: &[30, 10],
                    };
                    anyhow::ensure!(
                        matches!(book(&pool, &a, NO_CAP).await?, Booked::Booked(_)),
                        "a seat was expected"
                    );
                    Ok(())
                }
            })
            .await?;
            print_row(clients, label, &sample, &base);
        }
    }
    let oversold: i64 =
        sqlx::query_scalar("SELECT count(*) FROM slots WHERE booked <> (SELECT count(*) FROM applications a WHERE a.slot_id = slots.id)")
            .fetch_one(pool)
            .await?;
    anyhow::ensure!(oversold == 0, "booked counts drifted from applications");
    Ok(())
}

fn print_row(clients: usize, label: &str, s: &Sample, base: &Sample) {
    println!(
        "| {clients} | {label} | {:.0} | {:.2} | {:.2} | {:.2} |",
        s.ops_per_sec,
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3,
        s.ops_per_sec / base.ops_per_sec
    );
}

/// Runs `OPS_PER_RUN` operations spread over `clients` concurrent tasks.
async fn measure<F, Fut>(clients: usize, op: F) -> anyhow::Result<Sample>
where
    F: Fn(usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let counter = Arc::new(AtomicI64::new(0));
    let started = Instant::now();
    let mut tasks = vec![];
    for _ in 0..clients {
        let op = op.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = vec![];
            loop {
                let i = counter.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= OPS_PER_RUN {
                    return anyhow::Ok(latencies);
                }
                let t = Instant::now();
                op(i).await?;
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = started.elapsed();
    all.sort();
    Ok(Sample {
        ops_per_sec: OPS_PER_RUN as f64 / elapsed.as_secs_f64(),
        p50: all[all.len() / 2],
        p99: all[all.len() * 99 / 100],
    })
}
