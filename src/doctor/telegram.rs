//! Telegram: the token (`getMe`), where Telegram delivers (`getWebhookInfo`), and a
//! `PUBLIC_URL` it can deliver to.

use serde::Deserialize;
use serde_json::Value;

use super::{Check, TIMEOUT};
use crate::config::{Config, WEBHOOK_PATH};

/// A delivery error older than this is history, not the present state.
const RECENT_ERROR_SECS: i64 = 3600;

#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    result: Option<Value>,
    description: Option<String>,
    error_code: Option<u16>,
}

async fn call(config: &Config, method: &str) -> Result<Value, String> {
    let base = config.telegram.api_url.as_str().trim_end_matches('/');
    let url = format!("{base}/bot{}/{method}", config.telegram.bot_token.expose());
    let client = reqwest::Client::builder().timeout(super::TIMEOUT).build().map_err(|e| e.to_string())?;
    // `without_url`: the URL carries the token.
    let response = client.get(url).send().await.map_err(|e| {
        let e = e.without_url();
        if e.is_timeout() { format!("no answer within {} s", TIMEOUT.as_secs()) } else { e.to_string() }
    })?;
    let status = response.status();
    let envelope: Envelope =
        response.json().await.map_err(|_| format!("HTTP {status}, not a Bot API answer"))?;
    match envelope {
        Envelope { ok: true, result: Some(result), .. } => Ok(result),
        Envelope { description, error_code, .. } => Err(format!(
            "{} {}",
            error_code.map_or(status.as_u16(), |c| c),
            description.unwrap_or_else(|| "no description".into())
        )),
    }
}

pub(super) async fn checks(config: &Config, max_pending: u64) -> Vec<Check> {
    let mut out = vec![public_url(config)];
    if config.telegram.bot_token.is_empty() {
        out.push(Check::fail(
            "bot token",
            "BOT_TOKEN is empty",
            "set BOT_TOKEN to the token @BotFather gave",
        ));
        out.push(Check::skip("webhook", "no bot token"));
        return out;
    }
    match call(config, "getMe").await {
        Ok(me) => out.push(Check::pass(
            "bot token",
            format!(
                "valid: @{} (id {}) at {}",
                me["username"].as_str().unwrap_or("?"),
                me["id"].as_i64().unwrap_or_default(),
                config.telegram.api_url
            ),
        )),
        Err(e) => {
            let fix = if e.starts_with("401") {
                "Telegram refused the token: copy it again from @BotFather (/token), or it was revoked"
            } else {
                "check TELEGRAM_API_URL and that this machine reaches it"
            };
            out.push(Check::fail("bot token", format!("getMe failed: {e}"), fix));
            out.push(Check::skip("webhook", "getMe failed"));
            return out;
        }
    }
    out.push(match call(config, "getWebhookInfo").await {
        Ok(info) => webhook(config, &info, max_pending),
        Err(e) => Check::fail("webhook", format!("getWebhookInfo failed: {e}"), "check TELEGRAM_API_URL"),
    });
    out
}

fn public_url(config: &Config) -> Check {
    let url = &config.http.public_url;
    if url.scheme() != "https" {
        return Check::fail(
            "public url",
            format!("PUBLIC_URL is {url}"),
            "set PUBLIC_URL to the https:// address of the reverse proxy: Telegram delivers only to https, and console cookies are Secure only there",
        );
    }
    if url
        .host_str()
        .is_none_or(|h| h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()))
    {
        return Check::fail(
            "public url",
            format!("PUBLIC_URL is {url}"),
            "use the name the internet reaches",
        );
    }
    Check::pass("public url", format!("{url} (https)"))
}

fn webhook(config: &Config, info: &Value, max_pending: u64) -> Check {
    let url = info["url"].as_str().unwrap_or_default();
    let pending = info["pending_update_count"].as_u64().unwrap_or_default();
    let expected = config.http.public_url.join(WEBHOOK_PATH.trim_start_matches('/')).map(|u| u.to_string());
    let expected = expected.unwrap_or_default();
    let last_error = info["last_error_message"].as_str().map(|m| {
        let age = info["last_error_date"].as_i64().map(|d| chrono::Utc::now().timestamp() - d);
        (m.to_string(), age.unwrap_or(0))
    });
    let mut found = match (config.telegram.webhook_secret.is_some(), url.is_empty()) {
        (true, true) => {
            return Check::fail(
                "webhook",
                format!(
                    "webhook mode (WEBHOOK_SECRET set), but no webhook is registered; {pending} updates wait"
                ),
                "start `ent-bot serve` (it registers PUBLIC_URL/telegram/webhook at start), then run doctor again",
            );
        }
        (true, false) if url != expected => {
            return Check::fail(
                "webhook",
                format!("Telegram delivers to {url}, PUBLIC_URL says {expected}"),
                "another deployment uses this token, or PUBLIC_URL is wrong: correct PUBLIC_URL and restart serve",
            );
        }
        (true, false) => format!("Telegram delivers to {url}; {pending} updates pending"),
        (false, true) => format!("long polling (no webhook set); {pending} updates pending"),
        (false, false) => {
            return Check::fail(
                "webhook",
                format!("this configuration polls (no WEBHOOK_SECRET) but a webhook is set to {url}"),
                "another deployment uses this token: stop it, or set WEBHOOK_SECRET and PUBLIC_URL to match",
            );
        }
    };
    if let Some((message, age)) = &last_error {
        if *age < RECENT_ERROR_SECS {
            return Check::fail(
                "webhook",
                format!("{found}; the last delivery failed {} min ago: {message}", age / 60),
                "check that nginx and every process answer on PUBLIC_URL (curl it from outside; journalctl -u 'ent-bot@*')",
            );
        }
        found.push_str(&format!("; last error {} h ago ({message})", age / 3600));
    }
    if pending > max_pending {
        return Check::fail(
            "webhook",
            found,
            format!("more than {max_pending} updates wait at Telegram: are the processes up and reachable?"),
        );
    }
    Check::pass("webhook", found)
}
