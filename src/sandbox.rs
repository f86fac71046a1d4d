//! Sandbox mode (DESIGN §3, `ent-bot sandbox`): the binary plays Telegram itself. It is never
//! entered by accident: `serve` without `BOT_TOKEN` refuses to start, and the sandbox refuses
//! a database that holds anything but sandbox data (no marker row, see `seed`).
//!
//! This is wiring: [`start`] connects and migrates the database, seeds it when empty, and
//! builds the [`App`] with the Bot API emulator and the sandbox pages
//! ([`crate::http::sandbox`]) mounted on its own HTTP server. The bot polls
//! `http://HTTP_ADDR/bot<SANDBOX_TOKEN>/…` as it would api.telegram.org.

use crate::app::{App, Options, SANDBOX_TOKEN};
use crate::clock::Clock;
use crate::config::ExposeSecret;
use crate::config::{Config, Refusal};
use crate::http::sandbox::{Sandbox, USERS};

/// Signs the sandbox's card notifications when `CARD_API_SECRET` is empty; [`start`] gives
/// the app the same secret, so the real signature check runs and passes.
pub const SANDBOX_CARD_SECRET: &str = "sandbox-card-api-secret";

/// Starts the whole app in sandbox mode: what `ent-bot sandbox` runs, and what the tests
/// start. Returns the running app and the sandbox (its emulator).
pub async fn start(mut config: Config, mut options: Options) -> anyhow::Result<(App, Sandbox)> {
    if !config.telegram.bot_token.is_empty() {
        return Err(Refusal("the sandbox plays Telegram itself: unset BOT_TOKEN to run it".into()).into());
    }
    config.sandbox = true;
    // The payment page calls the Kaspi endpoint of this very server.
    config.payments.kaspi_allow_loopback = true;
    if config.payments.card_api_secret.expose_secret().is_empty() {
        config.payments.card_api_secret = SANDBOX_CARD_SECRET.into();
    }
    // Its payment page pays as the gateway's test terminal does: `TestMode=1`.
    config.payments.card_test_payments = true;
    // A handful of people trying the bot: a few workers, each keeping a connection, do.
    config.telegram.update_workers = config.telegram.update_workers.min(4);
    // Admins of the sandbox live in memory only: never written to `staff`.
    config.admin_ids.clear();
    config.sandbox_admins = vec![USERS[0].id as i64];

    let pool = match options.pool.take() {
        Some(pool) => pool,
        None => {
            crate::db::connect(config.database.url.expose_secret(), config.database.max_connections).await?
        }
    };
    crate::db::migrate(&pool).await?;
    let clock = options.clock.clone().unwrap_or(Clock::System);
    if database_is_empty(&pool).await? {
        let window = config.payments.deadline_minutes;
        let report = crate::seed::seed_demo_with_window(&pool, clock.now(), config.timezone, window).await?;
        tracing::info!(%report, "sandbox: empty database seeded with demo data");
    } else if !crate::seed::is_sandbox_database(&pool).await? {
        return Err(Refusal(
            "this database holds data that `ent-bot seed demo` or the sandbox did not write; \
             the sandbox runs only on an empty or a demo database (set DATABASE_URL to another one)"
                .into(),
        )
        .into());
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
    Ok(crate::db::reference::no_campaign(pool).await?)
}
