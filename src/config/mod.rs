//! Typed settings from the environment (DESIGN §3). `.env` is read in development.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use chrono_tz::Tz;
pub use secrecy::{ExposeSecret, SecretString};
pub use token::BotToken;

mod token;

/// A start the operator must fix (a missing setting, the wrong database): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// Where Telegram POSTs updates in webhook mode, under `PUBLIC_URL`.
pub const WEBHOOK_PATH: &str = "/telegram/webhook";

/// The payment window of a campaign created without one (`seed demo`, the sandbox) when
/// `PAYMENT_DEADLINE_MINUTES` is not set. Each campaign keeps its own window
/// (`campaigns.payment_window_minutes`), which is what booking uses.
pub const DEFAULT_PAYMENT_DEADLINE_MINUTES: u32 = 60;

/// Limits of the HTTP listeners against clients that hold connections without using them
/// (slowloris): the webhook and the payment callbacks face the internet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// From the first byte of a request until its headers are complete.
    pub header_timeout: std::time::Duration,
    /// From the headers until the whole request body is in.
    pub body_timeout: std::time::Duration,
    /// A connection with no request in progress (just opened, or kept alive) is closed after this.
    pub idle_timeout: std::time::Duration,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
}

/// The settings, grouped by what they configure. Parsed once ([`Config::from_lookup`]) and
/// never changed afterwards; secrets are `SecretString`, so `{config:?}` prints none.
#[derive(Clone, Debug)]
pub struct Config {
    pub database: DatabaseConfig,
    pub telegram: TelegramConfig,
    pub http: HttpConfig,
    pub mail: MailConfig,
    pub payments: PaymentsConfig,
    pub notices: NoticesConfig,
    pub console: ConsoleConfig,
    /// Telegram ids made admins at start (only those never staff or removed).
    pub admin_ids: Vec<i64>,
    /// Dates and times are shown in this zone.
    pub timezone: Tz,
    /// How applicants reach NCT support (shown in help and when an IIN cannot be bound).
    pub support_contact: String,
    /// Set only by `ent-bot sandbox`: the Bot API is emulated in-process.
    pub sandbox: bool,
    /// Sandbox users who act as admins. Kept in memory, never in the `staff` table, so a
    /// sandbox run can never make a real Telegram user an admin.
    pub sandbox_admins: Vec<i64>,
}

#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    pub url: SecretString,
    /// Pool size per process: at least twice `update_workers` plus 2.
    pub max_connections: u32,
}

#[derive(Clone, Debug)]
pub struct TelegramConfig {
    /// `serve` refuses to start without one; `ent-bot sandbox` refuses one.
    pub bot_token: BotToken,
    pub api_url: url::Url,
    /// Set: webhook mode (Telegram sends it back in a header); unset: long polling.
    pub webhook_secret: Option<SecretString>,
    /// Updates handled at once by this process (each holds two pool connections).
    pub update_workers: usize,
}

#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub addr: SocketAddr,
    pub public_url: url::Url,
    /// How the public listener treats slow, idle and too many connections.
    pub limits: HttpLimits,
    /// `METRICS_ADDR`: `/metrics` on a listener of its own (and no longer on `HTTP_ADDR`).
    pub metrics_addr: Option<SocketAddr>,
    /// `METRICS_TOKEN`: the bearer token `/metrics` asks for; without `METRICS_ADDR` it is
    /// what lets `/metrics` onto the public listener at all.
    pub metrics_token: Option<SecretString>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (the Kaspi allow-list check).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `serve` refuses to start without it; the sandbox keeps mail in memory.
    pub smtp_url: Option<SecretString>,
    pub from: String,
}

/// The bot token of the sandbox's emulated Telegram.
pub const SANDBOX_TOKEN: &str = "123456:TEST";

#[derive(Clone, Debug)]
pub struct PaymentsConfig {
    /// The payment window given to a new campaign (each keeps its own).
    pub deadline_minutes: u32,
    /// Reminders, as minutes left before the deadline.
    pub reminder_minutes: Vec<u32>,
    /// Unpaid seat holds an applicant may take in 24 hours (`HOLDS_PER_DAY`): a hold that
    /// is cancelled or runs out still counts, so seats cannot be kept held without paying.
    pub holds_per_day: u32,
    /// How long a seat freed for the first in the waitlist is kept for him
    /// (`WAITLIST_OFFER_MINUTES`, default 10): then it goes to the next.
    pub waitlist_offer_minutes: u32,
    /// The only addresses that may call the Kaspi endpoint (its protocol has no signature:
    /// the allow-list is its authentication). `serve` refuses to start without it.
    pub kaspi_allowed_ips: Vec<std::net::IpAddr>,
    /// `KASPI_ALLOW_LOOPBACK=true`: a loopback caller may call the Kaspi endpoint too
    /// (development, the sandbox's payment page). Never behind a same-host reverse proxy:
    /// every internet caller it relays is loopback.
    pub kaspi_allow_loopback: bool,
    /// `KASPI_BASIC_AUTH=user:password`: a second factor when the contract with Kaspi
    /// provides one; every Kaspi request must then carry it.
    pub kaspi_basic_auth: Option<SecretString>,
    /// The name to type in Kaspi.kz «Payments» to find the NCT (one name, both languages).
    pub kaspi_service_name: String,
    pub card_api_url: Option<url::Url>,
    pub card_public_id: String,
    pub card_api_secret: SecretString,
    /// `CARD_PAYMENTS=off` hides the card button (no gateway configured): Kaspi only.
    pub card_payments: bool,
    /// `CARD_TEST_PAYMENTS=true`: a card `Pay` marked `TestMode=1` (the gateway's test cards)
    /// pays like a real one. Staging against a test terminal and the sandbox; never production.
    pub card_test_payments: bool,
    /// Days a provider's callback is kept in `payment_callbacks` (the idempotency record and
    /// what the provider said); older ones are purged. The payment itself stays in `payments`.
    pub callbacks_retention_days: u32,
    /// Where applicants send refund documents.
    pub refund_email: String,
}

#[derive(Clone, Debug)]
pub struct NoticesConfig {
    /// Outgoing budget for notifications and broadcasts, messages per second.
    pub send_rate_per_sec: u32,
    /// Bulk messages (broadcasts, notices, the evening sweep) go with `allow_paid_broadcast`
    /// (Telegram charges Stars for each) at up to `paid_broadcast_rate_per_sec`.
    pub paid_broadcast: bool,
    pub paid_broadcast_rate_per_sec: u32,
    /// Local hour (in `TIMEZONE`) from which the day-before test reminders go out.
    pub test_day_reminder_hour: u32,
}

#[derive(Clone, Debug)]
pub struct ConsoleConfig {
    /// Signs the staff console's one-time sign-in links (HMAC); the same in every process.
    /// `serve` refuses an empty one; the sandbox and tests make a random one at start.
    pub secret: SecretString,
    /// Attendance exports built at once by this process; the next one is asked to retry.
    pub exports_at_once: u32,
}

impl Config {
    pub fn is_sandbox(&self) -> bool {
        self.sandbox
    }

    /// The token the bot talks to the Bot API with: the sandbox's emulator has its own.
    pub fn effective_bot_token(&self) -> &str {
        if self.sandbox { SANDBOX_TOKEN } else { self.telegram.bot_token.expose() }
    }

    /// Where the Mini App is served (`PUBLIC_URL` + `app/`), when Telegram can open it:
    /// an HTTPS address, or anything in the sandbox, whose emulator opens it itself.
    pub fn mini_app_url(&self) -> Option<url::Url> {
        let public = &self.http.public_url;
        (public.scheme() == "https" || self.sandbox).then(|| public.join("app/").ok()).flatten()
    }

    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so tests can configure without touching the process env.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let http_addr: SocketAddr = var("HTTP_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("HTTP_ADDR must be host:port, e.g. 127.0.0.1:8080")?;
        let public_url = match var("PUBLIC_URL") {
            Some(u) => u.parse().context("PUBLIC_URL must be a URL")?,
            None => format!("http://{http_addr}").parse()?,
        };
        let timezone: Tz = var("TIMEZONE")
            .unwrap_or_else(|| "Asia/Almaty".into())
            .parse()
            .map_err(|e| anyhow::anyhow!("TIMEZONE: {e}"))?;
        let admin_ids = list(var("ADMIN_IDS"))
            .map(|s| s.parse::<i64>().with_context(|| format!("ADMIN_IDS: `{s}` is not a Telegram id")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let payment_reminder_minutes = list(var("PAYMENT_REMINDER_MINUTES").or(Some("30,10".into())))
            .map(|s| s.parse::<u32>().with_context(|| format!("PAYMENT_REMINDER_MINUTES: `{s}`")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let kaspi_allowed_ips = list(var("KASPI_ALLOWED_IPS"))
            .map(|s| s.parse().with_context(|| format!("KASPI_ALLOWED_IPS: `{s}` is not an IP address")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let trusted_proxies = list(var("TRUSTED_PROXIES"))
            .map(|s| s.parse().with_context(|| format!("TRUSTED_PROXIES: `{s}` is not an IP address")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let payment_deadline_minutes = number(
            var("PAYMENT_DEADLINE_MINUTES"),
            DEFAULT_PAYMENT_DEADLINE_MINUTES,
            "PAYMENT_DEADLINE_MINUTES",
        )?;
        let database_max_connections =
            number(var("DATABASE_MAX_CONNECTIONS"), 40, "DATABASE_MAX_CONNECTIONS")?;
        let update_workers = number(var("UPDATE_WORKERS"), 16, "UPDATE_WORKERS")?;
        // Each worker keeps a connection for its claims, and its handler takes another.
        if database_max_connections < 2 * update_workers + 2 {
            bail!(
                "DATABASE_MAX_CONNECTIONS ({database_max_connections}) must be at least twice \
                 UPDATE_WORKERS plus 2 ({}): each worker keeps a connection and its handler needs another",
                2 * update_workers + 2
            );
        }
        if payment_deadline_minutes > 1440 {
            bail!("PAYMENT_DEADLINE_MINUTES must be at most 1440 (a day), got {payment_deadline_minutes}");
        }
        if payment_reminder_minutes.iter().any(|m| *m == 0 || *m >= payment_deadline_minutes) {
            bail!(
                "PAYMENT_REMINDER_MINUTES must be minutes left before the deadline, between 1 and {}",
                payment_deadline_minutes - 1
            );
        }

        let webhook_secret = var("WEBHOOK_SECRET");
        // Telegram refuses any other secret, and setWebhook would then fail for ever.
        if let Some(secret) = &webhook_secret
            && !(secret.len() <= 256
                && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        {
            bail!(
                "WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, `_` and `-` (Telegram \
                 refuses any other), got {} characters",
                secret.chars().count()
            );
        }
        let secs = |name: &str, default: u32| {
            number(var(name), default, name).map(|n| std::time::Duration::from_secs(n.into()))
        };
        let http_limits = HttpLimits {
            header_timeout: secs("HTTP_HEADER_TIMEOUT_SECS", 10)?,
            body_timeout: secs("HTTP_BODY_TIMEOUT_SECS", 30)?,
            idle_timeout: secs("HTTP_IDLE_TIMEOUT_SECS", 30)?,
            max_connections: number(var("HTTP_MAX_CONNECTIONS"), 512, "HTTP_MAX_CONNECTIONS")? as usize,
        };
        let metrics_addr = var("METRICS_ADDR")
            .map(|a| a.parse().context("METRICS_ADDR must be host:port, e.g. 127.0.0.1:9090"))
            .transpose()?;
        let metrics_token = var("METRICS_TOKEN");
        if metrics_token.as_ref().is_some_and(|t| t.chars().count() < 16) {
            bail!("METRICS_TOKEN must be at least 16 characters (a long random string)");
        }

        Ok(Config {
            database: DatabaseConfig {
                url: var("DATABASE_URL")
                    .unwrap_or_else(|| "postgres://postgres:postgres@127.0.0.1:5432/ent_bot".into())
                    .into(),
                max_connections: database_max_connections,
            },
            telegram: TelegramConfig {
                bot_token: BotToken::new(var("BOT_TOKEN").unwrap_or_default()),
                api_url: var("TELEGRAM_API_URL")
                    .unwrap_or_else(|| "https://api.telegram.org".into())
                    .parse()
                    .context("TELEGRAM_API_URL must be a URL")?,
                webhook_secret: webhook_secret.map(SecretString::from),
                update_workers: update_workers as usize,
            },
            http: HttpConfig {
                addr: http_addr,
                public_url,
                limits: http_limits,
                metrics_addr,
                metrics_token: metrics_token.map(SecretString::from),
                trusted_proxies,
            },
            mail: MailConfig {
                smtp_url: var("SMTP_URL").map(SecretString::from),
                from: var("MAIL_FROM").unwrap_or_else(|| "ENT bot <no-reply@ent-bot.local>".into()),
            },
            payments: PaymentsConfig {
                deadline_minutes: payment_deadline_minutes,
                reminder_minutes: payment_reminder_minutes,
                holds_per_day: number(var("HOLDS_PER_DAY"), 3, "HOLDS_PER_DAY")?,
                waitlist_offer_minutes: number(var("WAITLIST_OFFER_MINUTES"), 10, "WAITLIST_OFFER_MINUTES")?,
                kaspi_allowed_ips,
                kaspi_allow_loopback: flag(var("KASPI_ALLOW_LOOPBACK"), "KASPI_ALLOW_LOOPBACK")?,
                kaspi_basic_auth: match var("KASPI_BASIC_AUTH") {
                    Some(v) if v.split_once(':').is_some_and(|(u, p)| !u.is_empty() && !p.is_empty()) => {
                        Some(v.into())
                    }
                    Some(_) => bail!("KASPI_BASIC_AUTH must be user:password, both non-empty"),
                    None => None,
                },
                kaspi_service_name: var("KASPI_SERVICE_NAME")
                    .unwrap_or_else(|| "Национальный центр тестирования".into()),
                card_api_url: var("CARD_API_URL")
                    .map(|u| u.parse().context("CARD_API_URL must be a URL"))
                    .transpose()?,
                card_public_id: var("CARD_PUBLIC_ID").unwrap_or_default(),
                card_api_secret: var("CARD_API_SECRET").unwrap_or_default().into(),
                card_payments: match var("CARD_PAYMENTS").as_deref() {
                    None | Some("on") => true,
                    Some("off") => false,
                    Some(other) => bail!("CARD_PAYMENTS must be `on` or `off`, got `{other}`"),
                },
                card_test_payments: flag(var("CARD_TEST_PAYMENTS"), "CARD_TEST_PAYMENTS")?,
                callbacks_retention_days: match number(
                    var("PAYMENT_CALLBACKS_RETENTION_DAYS"),
                    400,
                    "PAYMENT_CALLBACKS_RETENTION_DAYS",
                )? {
                    // Providers repeat a notification for days; its record must outlive them.
                    n if n >= 30 => n,
                    n => bail!("PAYMENT_CALLBACKS_RETENTION_DAYS must be at least 30, got {n}"),
                },
                refund_email: var("REFUND_EMAIL").unwrap_or_else(|| "uto@testcenter.kz".into()),
            },
            notices: NoticesConfig {
                send_rate_per_sec: number(var("SEND_RATE_PER_SEC"), 25, "SEND_RATE_PER_SEC")?,
                paid_broadcast: flag(var("PAID_BROADCAST"), "PAID_BROADCAST")?,
                paid_broadcast_rate_per_sec: match number(
                    var("PAID_BROADCAST_RATE_PER_SEC"),
                    1000,
                    "PAID_BROADCAST_RATE_PER_SEC",
                )? {
                    n if n <= 1000 => n,
                    n => bail!("PAID_BROADCAST_RATE_PER_SEC is at most 1000 (Telegram's limit), got {n}"),
                },
                test_day_reminder_hour: match var("TEST_DAY_REMINDER_HOUR") {
                    None => 18,
                    Some(h) => match h.parse::<u32>() {
                        Ok(h) if h < 24 => h,
                        _ => bail!("TEST_DAY_REMINDER_HOUR must be an hour from 0 to 23, got `{h}`"),
                    },
                },
            },
            console: ConsoleConfig {
                secret: var("CONSOLE_SECRET").unwrap_or_default().into(),
                exports_at_once: number(var("EXPORTS_AT_ONCE"), 2, "EXPORTS_AT_ONCE")?,
            },
            admin_ids,
            timezone,
            support_contact: var("SUPPORT_CONTACT").unwrap_or_else(|| "uto@testcenter.kz".into()),
            sandbox: false,
            sandbox_admins: vec![],
        })
    }
}

fn list(v: Option<String>) -> impl Iterator<Item = String> {
    v.unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

fn flag(v: Option<String>, name: &str) -> anyhow::Result<bool> {
    match v.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0" | "no" | "off") => Ok(false),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some(other) => bail!("{name} must be true or false, got `{other}`"),
    }
}

fn number(v: Option<String>, default: u32, name: &str) -> anyhow::Result<u32> {
    match v {
        None => Ok(default),
        Some(s) => match s.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!("{name} must be a positive whole number, got `{s}`"),
        },
    }
}

#[cfg(test)]
mod tests;
