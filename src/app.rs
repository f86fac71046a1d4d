//! Wires configuration, database, bot and HTTP server together; used by `main` and tests.

use std::net::SocketAddr;
use std::sync::Arc;

use sqlx::PgPool;
use teloxide::Bot;
use tokio::task::JoinHandle;

use crate::bot::probe::UpdateProbe;
use crate::clock::Clock;
use crate::config::Config;
use crate::i18n::I18n;
use crate::mail::Mailer;
use crate::services::Ctx;

/// A running instance: the bot, the HTTP server and the workers.
pub struct App {
    pub ctx: Ctx,
    pub probe: UpdateProbe,
    pub http_addr: SocketAddr,
    pub bot: Bot,
    tasks: Vec<JoinHandle<()>>,
}

/// Set by tests: a clock they move, a pool on their fresh database, extra HTTP routes.
pub struct Options {
    pub clock: Option<Clock>,
    pub pool: Option<PgPool>,
    pub extra_routes: Option<axum::Router>,
    /// Kept across restarts by tests that wait on handled updates.
    pub probe: Option<UpdateProbe>,
    /// Run the due-job runner and the outbox sender. Tests that single-step them
    /// (`workers::jobs::run_due`, `workers::outbox::send_due`) turn this off.
    pub workers: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { clock: None, pool: None, extra_routes: None, probe: None, workers: true }
    }
}

impl App {
    pub async fn build(mut config: Config, options: Options) -> anyhow::Result<App> {
        let listener = tokio::net::TcpListener::bind(config.http_addr).await?;
        let http_addr = listener.local_addr()?;
        if config.http_addr.port() == 0 && config.public_url.port() == Some(0) {
            // Bound to any free port (tests): links and the webhook must name the real one.
            config.public_url = format!("http://{http_addr}/").parse()?;
        }
        let db = match options.pool {
            Some(pool) => pool,
            None => crate::db::connect(&config.database_url, config.database_max_connections).await?,
        };
        crate::db::migrate(&db).await?;
        crate::db::staff::bootstrap_admins(&db, &config.admin_ids).await?;
        let ctx = Ctx {
            db,
            clock: options.clock.unwrap_or(Clock::System),
            i18n: Arc::new(I18n::load()?),
            mailer: Mailer::new(config.smtp_url.as_deref(), &config.mail_from)?,
            config: Arc::new(config),
        };

        let router = crate::http::router(ctx.clone());
        let (router, webhook) = match ctx.config.webhook_secret.clone() {
            Some(secret) => {
                let (route, listener) = crate::bot::webhook::listener(secret);
                (router.merge(route), Some(listener))
            }
            None => (router, None),
        };
        let router = match options.extra_routes {
            Some(extra) => router.merge(extra),
            None => router,
        };
        let http = tokio::spawn(async move {
            if let Err(e) =
                axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await
            {
                tracing::error!(error = %e, "HTTP server stopped");
            }
        });

        let api_url = if ctx.config.is_sandbox() {
            // The emulated Bot API is mounted on our own HTTP server.
            format!("http://{http_addr}/").parse()?
        } else {
            ctx.config.telegram_api_url.clone()
        };
        let token =
            if ctx.config.is_sandbox() { SANDBOX_TOKEN.to_string() } else { ctx.config.bot_token.clone() };
        // teloxide's default client gives up after 17 s, but the long poll asks Telegram to
        // hold getUpdates for 25 s (bot::run): every idle poll ended in a timeout error.
        let client = teloxide::net::default_reqwest_settings().timeout(BOT_API_TIMEOUT).build()?;
        let bot = Bot::with_client(token, client).set_api_url(api_url);
        let probe = options.probe.unwrap_or_default();
        let updates = tokio::spawn(crate::bot::run(bot.clone(), ctx.clone(), probe.clone(), webhook));

        let mut tasks = vec![http, updates];
        if options.workers {
            tasks.push(tokio::spawn(crate::workers::jobs::run(ctx.clone())));
            tasks.push(tokio::spawn(crate::workers::outbox::run(ctx.clone(), bot.clone())));
            tasks.push(tokio::spawn(crate::workers::notices::run(ctx.clone(), bot.clone())));
        }

        Ok(App { ctx, probe, http_addr, bot, tasks })
    }

    /// Stops everything at once, as a killed process would: what is in the database stays.
    pub async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// The Bot API client's whole-request timeout: longer than the 25-second long poll.
const BOT_API_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(40);

/// The token the in-process emulator accepts in sandbox mode.
pub const SANDBOX_TOKEN: &str = "123456:TEST";

/// `ent-bot serve`: runs until Ctrl-C.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let sandbox = config.is_sandbox();
    let app = if sandbox {
        // Demo data if the database is empty, the emulated Bot API and the sandbox pages.
        crate::http::sandbox::start(config, Options::default()).await?.0
    } else {
        App::build(config, Options::default()).await?
    };
    if sandbox {
        println!("ent-bot sandbox is running: open http://{}/", app.http_addr);
        println!("  mailbox: http://{}/mailbox", app.http_addr);
    } else {
        tracing::info!(addr = %app.http_addr, "ent-bot is running");
    }
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    app.stop().await;
    Ok(())
}
