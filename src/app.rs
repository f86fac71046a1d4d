//! Wires configuration, database, bot, HTTP server and workers together, runs them, and
//! stops them: gracefully on SIGTERM, or all at once as a crash would (tests). Used by
//! `main` and the tests; nothing else imports it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use teloxide::Bot;
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::config::{Config, ExposeSecret, SecretString};
use crate::i18n::I18n;
use crate::mail::Mailer;
use crate::runtime::probe::UpdateProbe;
use crate::runtime::shutdown::{self, Shutdown, Trigger};
use crate::services::Ctx;

/// How long a graceful stop waits for handlers and workers to finish what they hold.
pub const STOP_WITHIN: Duration = Duration::from_secs(10);

/// A running instance: the bot, the HTTP server and the workers.
pub struct App {
    pub ctx: Ctx,
    pub probe: UpdateProbe,
    pub http_addr: SocketAddr,
    /// The private `/metrics` listener (`METRICS_ADDR`), once bound.
    pub metrics_addr: Option<SocketAddr>,
    pub bot: Bot,
    tasks: JoinSet<(&'static str, anyhow::Result<()>)>,
    trigger: Trigger,
    shutdown: Shutdown,
    owns_pool: bool,
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
    /// Handle updates from the inbox in this process (intake runs regardless).
    pub handlers: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { clock: None, pool: None, extra_routes: None, probe: None, workers: true, handlers: true }
    }
}

/// A Bot API client whose own timeout outlasts the long poll it asks Telegram for.
pub fn bot_client(token: String, api_url: url::Url) -> anyhow::Result<Bot> {
    let poll = Duration::from_secs(u64::from(crate::bot::polling::POLL_TIMEOUT_SECS));
    let client = teloxide::net::default_reqwest_settings().timeout(poll + Duration::from_secs(10)).build()?;
    Ok(Bot::with_client(token, client).set_api_url(api_url))
}

/// `ADMIN_IDS` adds admins who were never staff; what `/staff` did since stands, and a
/// listed id it removed is named in the log, so the operator knows the list is stale.
async fn bootstrap_admins(db: &PgPool, ids: &[i64]) -> anyhow::Result<()> {
    use crate::db::staff::Bootstrapped;
    for (id, what) in crate::db::staff::bootstrap_admins(db, ids).await? {
        match what {
            Bootstrapped::Added => tracing::info!(telegram_user_id = id, "ADMIN_IDS: made an admin"),
            Bootstrapped::Removed => tracing::warn!(
                telegram_user_id = id,
                "ADMIN_IDS lists a user whom /staff remove took out: not made staff again \
                 (another admin's /staff add brings him back); drop him from ADMIN_IDS"
            ),
            Bootstrapped::Kept(role) if role != crate::db::staff::Role::Admin => tracing::warn!(
                telegram_user_id = id,
                role = role.as_str(),
                "ADMIN_IDS lists a staff member /staff made no admin: his role stays"
            ),
            Bootstrapped::Kept(_) => {}
        }
    }
    Ok(())
}

impl App {
    pub async fn build(mut config: Config, options: Options) -> anyhow::Result<App> {
        let listener = tokio::net::TcpListener::bind(config.http.addr).await?;
        let http_addr = listener.local_addr()?;
        if config.http.addr.port() == 0 && config.http.public_url.port() == Some(0) {
            // Bound to any free port (tests): links and the webhook must name the real one.
            config.http.public_url = format!("http://{http_addr}/").parse()?;
        }
        let console_secret: SecretString = if config.console.secret.expose_secret().is_empty() {
            // `serve` refuses an empty secret; the sandbox and tests run one process.
            tracing::warn!(
                "CONSOLE_SECRET is empty: a random one signs console sign-in links, so a link \
                 is valid only in the process that issued it, until it restarts"
            );
            crate::services::console::random_secret().into()
        } else {
            config.console.secret.clone()
        };
        let owns_pool = options.pool.is_none();
        let db = match options.pool {
            Some(pool) => pool,
            None => {
                crate::db::connect(config.database.url.expose_secret(), config.database.max_connections)
                    .await?
            }
        };
        crate::db::migrate(&db).await?;
        bootstrap_admins(&db, &config.admin_ids).await?;
        let ctx = Ctx {
            db,
            clock: options.clock.unwrap_or(Clock::System),
            i18n: Arc::new(I18n::load()?),
            mailer: Mailer::new(config.mail.smtp_url.as_ref().map(|u| u.expose_secret()), &config.mail.from)?,
            console_secret,
            exports: crate::services::export::Limiter::new(config.console.exports_at_once),
            config: Arc::new(config),
            catalog: Default::default(),
            wakeups: Default::default(),
            health: Default::default(),
            bot_api: Default::default(),
        };
        if let Err(e) = ctx.catalog.reload(&ctx.db).await {
            tracing::warn!(error = %e, "reference data not loaded yet; loaded on first use");
        }
        let (trigger, shutdown) = shutdown::channel();
        let mut tasks = JoinSet::new();

        let metrics = crate::metrics::install();
        // Never on the public listener unless a token guards it: behind a reverse proxy on
        // the same host every caller is loopback, so the address says nothing.
        let public_metrics =
            if ctx.config.http.metrics_addr.is_none() && ctx.config.http.metrics_token.is_some() {
                metrics.clone()
            } else {
                None
            };
        let mut router = crate::http::router(ctx.clone(), public_metrics);
        if let Some(secret) = ctx.config.telegram.webhook_secret.clone() {
            router = router.merge(crate::http::webhook::routes(
                ctx.clone(),
                secret.expose_secret().to_owned(),
                shutdown.clone(),
            ));
        }
        if let Some(extra) = options.extra_routes {
            router = router.merge(extra);
        }
        let limits = ctx.config.http.limits;
        let mut http_stop = shutdown.clone();
        tasks.spawn(async move {
            // Keeps answering (503 on the webhook) until the rest has stopped.
            let stop = async move {
                http_stop.triggered().await;
                tokio::time::sleep(STOP_WITHIN).await;
            };
            let serve = crate::http::server::serve(listener, router, limits, stop);
            ("http server", serve.await.map_err(anyhow::Error::from))
        });
        let metrics_addr = match ctx.config.http.metrics_addr {
            Some(addr) => {
                let listener = tokio::net::TcpListener::bind(addr).await?;
                let bound = listener.local_addr()?;
                let router = crate::http::metrics_router(ctx.clone(), metrics);
                let mut stop = shutdown.clone();
                tasks.spawn(async move {
                    let stop = async move {
                        stop.triggered().await;
                        tokio::time::sleep(STOP_WITHIN).await;
                    };
                    let serve = crate::http::server::serve(listener, router, limits, stop);
                    ("metrics server", serve.await.map_err(anyhow::Error::from))
                });
                Some(bound)
            }
            None => None,
        };

        let api_url = if ctx.config.is_sandbox() {
            // The emulated Bot API is mounted on our own HTTP server.
            format!("http://{http_addr}/").parse()?
        } else {
            ctx.config.telegram.api_url.clone()
        };
        let token = if ctx.config.is_sandbox() {
            SANDBOX_TOKEN.to_string()
        } else {
            ctx.config.telegram.bot_token.expose().to_string()
        };
        let _ = ctx.bot_api.set((api_url.clone(), token.clone().into()));
        let bot = bot_client(token, api_url)?;
        let probe = options.probe.unwrap_or_default();

        let wakeups = ctx.wakeups.clone();
        let (pool, stop) = (ctx.db.clone(), shutdown.clone());
        tasks.spawn(async move {
            wakeups.run(pool, stop).await;
            ("listener", Ok(()))
        });
        tasks.spawn(named("catalog", crate::workers::catalog::run(ctx.clone(), shutdown.clone())));
        if options.handlers {
            let workers = ctx.config.telegram.update_workers;
            let run = crate::bot::run(ctx.clone(), bot.clone(), probe.clone(), workers, shutdown.clone());
            tasks.spawn(named("bot", run));
        }
        if options.workers {
            tasks.spawn(named("jobs", crate::workers::jobs::run(ctx.clone(), shutdown.clone())));
            tasks.spawn(named(
                "outbox",
                crate::workers::outbox::run(ctx.clone(), bot.clone(), shutdown.clone()),
            ));
            tasks.spawn(named(
                "notices",
                crate::workers::notices::run(ctx.clone(), bot.clone(), shutdown.clone()),
            ));
        }

        Ok(App { ctx, probe, http_addr, metrics_addr, bot, tasks, trigger, shutdown, owns_pool })
    }

    /// Stops everything at once, as a killed process would: what is in the database stays.
    pub async fn stop(mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        if self.owns_pool {
            // Its connections die with it, taking their locks and open transactions along.
            self.ctx.db.close().await;
        }
    }

    /// A graceful stop (SIGTERM): intake refuses new updates (the webhook answers 503),
    /// handlers and workers finish what they hold and release their leases, within `within`;
    /// whatever is still running then is aborted and left to the next process.
    pub async fn shutdown(mut self, within: Duration) {
        tracing::info!("stopping: no new updates; finishing what is in hand");
        self.ctx.health.set_stopping();
        self.trigger.fire();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.tasks.join_next()).await {
                Ok(Some(Ok((name, Err(e))))) => {
                    tracing::warn!(task = name, error = %format!("{e:#}"), "stopped with an error")
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(left = self.tasks.len(), "stop took too long; aborting the rest");
                    self.tasks.abort_all();
                    while self.tasks.join_next().await.is_some() {}
                    break;
                }
            }
        }
        tracing::info!("stopped");
    }

    /// Resolves when a task that must run for the life of the process ended: the process
    /// is then no use and should exit non-zero so its supervisor restarts it.
    pub async fn vital_task_ended(&mut self) -> anyhow::Error {
        match self.tasks.join_next().await {
            Some(Ok((name, Ok(())))) => anyhow::anyhow!("the {name} task stopped"),
            Some(Ok((name, Err(e)))) => e.context(format!("the {name} task failed")),
            Some(Err(e)) => anyhow::anyhow!("a task died: {e}"),
            None => anyhow::anyhow!("no task is running"),
        }
    }

    pub fn is_stopping(&self) -> bool {
        self.shutdown.is_triggered()
    }
}

async fn named(
    name: &'static str,
    task: impl Future<Output = anyhow::Result<()>>,
) -> (&'static str, anyhow::Result<()>) {
    (name, task.await)
}

/// The token the in-process emulator accepts in sandbox mode.
pub const SANDBOX_TOKEN: &str = "123456:TEST";
