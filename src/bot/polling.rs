//! Long polling into the inbox. One process polls (the one holding the poller lock); every
//! process handles. The `getUpdates` offset moves past an update only after it is stored,
//! so a crash between the two makes Telegram give it again, and the inbox ignores the
//! repeat.

use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;

use crate::runtime::health::Intake;
use crate::runtime::leader::{self, Contender, Leader};
use crate::runtime::shutdown::Shutdown;
use crate::services::Ctx;
use crate::services::inbox;

/// How long Telegram holds a `getUpdates` call open when there is nothing new.
pub const POLL_TIMEOUT_SECS: u32 = 25;

/// Failed polls in a row (about 7 s of backoff) before `/healthz` says updates do not arrive.
const FAILURES_BEFORE_UNHEALTHY: u32 = 3;

/// `inbox::KINDS` as teloxide names them, for `getUpdates` and `setWebhook`: one list.
pub fn allowed_updates() -> Vec<AllowedUpdate> {
    inbox::KINDS
        .iter()
        .map(|kind| {
            serde_json::from_value(serde_json::json!(kind)).expect("inbox::KINDS holds Bot API update kinds")
        })
        .collect()
}

pub async fn run(ctx: Ctx, bot: Bot, mut shutdown: Shutdown) -> anyhow::Result<()> {
    let mut contender = Contender::new(leader::POLLER);
    // While another process polls, this one handles from the shared inbox, so updates reach
    // it; it takes over soon after the poller goes away.
    let every = Duration::from_secs(2);
    let ready = || ctx.health.set_intake(Intake::Ready);
    while let Some(mut lock) = contender.lead(&ctx.db, every, &mut shutdown, ready).await {
        tracing::info!("this process polls Telegram for updates");
        poll_while_leader(&ctx, &bot, &mut lock, &mut shutdown).await;
    }
    Ok(())
}

async fn poll_while_leader(ctx: &Ctx, bot: &Bot, lock: &mut Leader, shutdown: &mut Shutdown) {
    let mut offset: Option<i64> = None;
    let mut failures = 0u32;
    let mut checked = std::time::Instant::now();
    while !shutdown.is_triggered() {
        let result = tokio::select! {
            r = get_updates(bot, offset) => r,
            // Unconfirmed updates are given again to whoever polls next.
            _ = shutdown.triggered() => return,
        };
        match result {
            Ok(updates) => {
                let last = updates.iter().filter_map(|u| u.get("update_id")?.as_i64()).max();
                let described: Vec<_> = updates.iter().filter_map(inbox::describe).collect();
                match inbox::intake(ctx, described).await {
                    Ok(_) => {
                        failures = 0;
                        if let Some(last) = last {
                            offset = Some(last + 1);
                        }
                    }
                    Err(e) => {
                        // Not confirmed: the next call gets the same updates again.
                        failures += 1;
                        tracing::error!(error = %format!("{e:#}"), "updates not stored; polling them again");
                    }
                }
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(error = %format!("{e:#}"), "getUpdates failed");
            }
        }
        // Updates arrive while getUpdates answers; a few failures in a row say they do not.
        match failures {
            0 => ctx.health.set_intake(Intake::Ready),
            1..FAILURES_BEFORE_UNHEALTHY => {}
            _ => ctx.health.set_intake(Intake::PollingFails),
        }
        if failures > 0 {
            let pause = Duration::from_millis(500) * 2u32.pow(failures.min(5));
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.triggered() => return,
            }
        }
        if failures > 0 || checked.elapsed() > Duration::from_secs(30) {
            checked = std::time::Instant::now();
            if !lock.still_held().await {
                tracing::warn!("lost the poller lock's connection");
                return;
            }
        }
    }
}

/// `getUpdates` as raw JSON: what is stored is what Telegram sent, fields this version of
/// teloxide does not know included.
async fn get_updates(bot: &Bot, offset: Option<i64>) -> anyhow::Result<Vec<serde_json::Value>> {
    // As teloxide builds method URLs (a token contains a colon: never join it bare).
    let url = bot.api_url().join(&format!("/bot{}/getUpdates", bot.token()))?;
    let kinds: Vec<&str> = inbox::KINDS.to_vec();
    let mut body = serde_json::json!({ "timeout": POLL_TIMEOUT_SECS, "allowed_updates": kinds });
    if let Some(offset) = offset {
        body["offset"] = offset.into();
    }
    // The URL holds the token: teloxide strips it from its own calls' errors, not from this one.
    let response: serde_json::Value =
        crate::runtime::bot_api::json(bot.client().post(url).json(&body)).await?;
    if response["ok"].as_bool() != Some(true) {
        anyhow::bail!(
            "Telegram refused getUpdates: {} {}",
            response["error_code"],
            response["description"].as_str().unwrap_or_default()
        );
    }
    Ok(response["result"].as_array().cloned().unwrap_or_default())
}
