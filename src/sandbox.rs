//! Sandbox mode (DESIGN §3): without `BOT_TOKEN` the binary plays Telegram itself.
//!
//! This is wiring: [`start`] connects and migrates the database, seeds it when empty, and
//! builds the [`App`] with the Bot API emulator and the sandbox pages
//! ([`crate::http::sandbox`]) mounted on its own HTTP server. The bot polls
//! `http://HTTP_ADDR/bot<SANDBOX_TOKEN>/…` as it would api.telegram.org.

use crate::app::{App, Options, SANDBOX_TOKEN};
use crate::clock::Clock;
use crate::config::Config;
use crate::http::sandbox::{Sandbox, USERS};

/// Signs the sandbox's card notifications when `CARD_API_SECRET` is empty; [`start`] gives
/// the app the same secret, so the real signature check runs and passes.
pub const SANDBOX_CARD_SECRET: &str = "sandbox-card-api-secret";

/// Starts the whole app in sandbox mode: what `ent-bot serve` does without `BOT_TOKEN`,
/// and what the tests start. Returns the running app and the sandbox (its emulator).
pub async fn start(mut config: Config, mut options: Options) -> anyhow::Result<(App, Sandbox)> {
    anyhow::ensure!(config.is_sandbox(), "sandbox mode runs only without BOT_TOKEN");
    if config.card_api_secret.is_empty() {
        config.card_api_secret = SANDBOX_CARD_SECRET.to_owned();
    }
    let admin = USERS[0].id as i64;
    if !config.admin_ids.contains(&admin) {
        config.admin_ids.push(admin);
    }

    let pool = match options.pool.take() {
        Some(pool) => pool,
        None => crate::db::connect(&config.database_url, config.database_max_connections).await?,
    };
    crate::db::migrate(&pool).await?;
    let clock = options.clock.clone().unwrap_or(Clock::System);
    if database_is_empty(&pool).await? {
        let report = crate::seed::seed_demo(&pool, clock.now(), config.timezone).await?;
        tracing::info!(%report, "sandbox: empty database seeded with demo data");
    }
    options.pool = Some(pool);

    let sandbox = Sandbox::new(SANDBOX_TOKEN);
    let routes = sandbox.router();
    options.extra_routes = Some(match options.extra_routes.take() {
        Some(extra) => extra.merge(routes),
        None => routes,
    });
    let app = App::build(config, options).await?;
    sandbox.attach(app.ctx.clone(), app.probe.clone(), app.http_addr);
    Ok((app, sandbox))
}

/// No campaign means nothing was ever seeded or imported: a fresh machine.
async fn database_is_empty(pool: &sqlx::PgPool) -> anyhow::Result<bool> {
    Ok(sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM campaigns)").fetch_one(pool).await?)
}
