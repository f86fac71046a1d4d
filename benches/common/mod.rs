//! What every benchmark needs: a scratch database on the local server, dropped afterwards;
//! and, for those that run the whole app against the emulator, the app.

use std::future::Future;

use sqlx::{Connection, Executor, PgConnection};

/// Runs `body` with the URL of a fresh database named `<prefix>_<random>` (without TLS unless
/// `TEST_DATABASE_URL` sets `sslmode`), then drops it, whatever `body` returned.
pub async fn with_scratch_database<F, Fut>(prefix: &str, body: F) -> anyhow::Result<()>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let server = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into());
    let name = format!("{prefix}_{}", rand::random::<u32>());
    let mut admin = PgConnection::connect(&server).await?;
    admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await?;
    let mut url = url::Url::parse(&server)?;
    url.set_path(&name);
    // The server is on this machine: TLS would only add its cost (about an eighth of the
    // pipeline's throughput) to what is measured. A URL that asks for TLS keeps it.
    if !url.query_pairs().any(|(k, _)| k == "sslmode") {
        url.query_pairs_mut().append_pair("sslmode", "disable");
    }
    let result = body(url.to_string()).await;
    admin.execute(format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#).as_str()).await?;
    result
}

/// The app on a free port against `emulator`, on `pool`, with `extra` settings (how the
/// benchmark plays Kaspi). Only the benchmarks that run the whole app use it.
#[allow(dead_code)]
pub async fn start_app(
    database_url: &str,
    emulator: &telegram_emulator::Emulator,
    pool: sqlx::PgPool,
    extra: &[(&'static str, &str)],
) -> anyhow::Result<ent_bot::app::App> {
    let mut env: std::collections::HashMap<&str, String> = std::collections::HashMap::from([
        ("DATABASE_URL", database_url.to_string()),
        ("BOT_TOKEN", emulator.token().to_string()),
        ("TELEGRAM_API_URL", emulator.api_url().to_string()),
        ("HTTP_ADDR", "127.0.0.1:0".to_string()),
        ("CARD_API_SECRET", "bench".to_string()),
    ]);
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let config = ent_bot::config::Config::from_lookup(|k| env.get(k).cloned())?;
    let options = ent_bot::app::Options { pool: Some(pool), ..ent_bot::app::Options::default() };
    ent_bot::app::App::build(config, options).await
}

/// Holds a seat for each of `users` (applicants with a bound IIN) on `slot`, made large
/// enough, through the production booking statement; their payment jobs are what the
/// benchmarks that use it measure. Returns the application ids.
#[allow(dead_code)]
pub async fn hold_seats_on(
    pool: &sqlx::PgPool,
    slot: i64,
    users: std::ops::Range<i64>,
) -> anyhow::Result<Vec<i64>> {
    use ent_bot::db::applications::{Booked, HoldCap, NewApplication, book};
    // Each simulated applicant books once: the cap on unpaid holds never bites.
    let no_cap = HoldCap { holds: 1_000_000, window: chrono::Duration::hours(24) };
    let (campaign, category, combination): (i64, i16, i16) = sqlx::query_as(
        "SELECT (SELECT min(id) FROM campaigns), (SELECT min(id) FROM categories),
                (SELECT min(id) FROM subject_combinations)",
    )
    .fetch_one(pool)
    .await?;
    sqlx::query("UPDATE slots SET capacity = 100000 WHERE id = $1").bind(slot).execute(pool).await?;
    let mut ids = vec![];
    for user in users {
        let now = chrono::Utc::now();
        let a = NewApplication {
            telegram_user_id: user,
            campaign_id: campaign,
            category_id: category,
            test_language: "ru",
            combination_id: combination,
            slot_id: slot,
            now,
            payment_deadline: now + chrono::Duration::minutes(60),
            reminder_minutes: &[30, 10],
        };
        match book(pool, &a, no_cap).await? {
            Booked::Booked(id) => ids.push(id),
            other => anyhow::bail!("no seat: {other:?}"),
        }
    }
    Ok(ids)
}
