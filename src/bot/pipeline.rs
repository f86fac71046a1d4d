//! Handling from the inbox: any number of workers in any number of processes claim the
//! oldest unhandled update of a chat nobody else holds, run the handler tree on it and
//! mark it handled together with the chat's new dialogue state. A crash rolls the claim
//! back and the update runs again elsewhere; a failure is retried with a backoff and, after
//! a few tries, parked with its error and the user gets one apology.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use teloxide::dispatching::UpdateHandler;
use teloxide::types::{Me, Update, UpdateKind};
use tracing::Instrument;

use super::dialogue::UpdateStorage;
use super::replies::TgBot;
use super::state::State;
use crate::services::Ctx;
use crate::services::inbox::{self, Claimed, StateWrite};
use crate::services::probe::UpdateProbe;
use crate::shutdown::Shutdown;

/// What every handling worker of a process shares.
pub struct Pipeline {
    pub ctx: Ctx,
    pub bot: TgBot,
    pub me: Me,
    pub probe: UpdateProbe,
    schema: UpdateHandler<anyhow::Error>,
}

impl Pipeline {
    pub fn new(ctx: Ctx, bot: TgBot, me: Me, probe: UpdateProbe) -> Arc<Self> {
        Arc::new(Pipeline { ctx, bot, me, probe, schema: super::schema() })
    }
}

/// One worker: handles updates until shutdown, then returns once the update it holds is
/// done (the caller bounds how long it waits).
pub async fn run_worker(pipeline: Arc<Pipeline>, mut shutdown: Shutdown) {
    let wakeups = pipeline.ctx.wakeups.clone();
    let notify = wakeups.channel("inbox");
    while !shutdown.is_triggered() {
        // Registered before looking, so a NOTIFY that comes while we look is not lost.
        let woken = notify.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        match handle_next(&pipeline).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "update pipeline");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        // A retry due later is not notified: look again by then at the latest.
        let pause = match inbox::next_retry_in(&pipeline.ctx).await {
            Ok(Some(d)) => d.clamp(Duration::from_millis(20), Duration::from_secs(2)),
            _ => Duration::from_secs(2),
        };
        tokio::select! {
            _ = &mut woken => {}
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.triggered() => {}
        }
    }
}

/// The single step: claims one update and handles it. False when none was waiting.
pub async fn handle_next(p: &Pipeline) -> anyhow::Result<bool> {
    let Some(claimed) = inbox::claim(&p.ctx).await? else {
        return Ok(false);
    };
    let step = claimed.state.as_ref().and_then(|s| s.get("step")).and_then(|s| s.as_str()).unwrap_or("start");
    let span = tracing::info_span!(
        "update",
        update_id = claimed.update_id,
        kind = %claimed.kind,
        step = %step,
        attempt = claimed.attempts + 1,
    );
    handle(p, claimed).instrument(span).await?;
    Ok(true)
}

async fn handle(p: &Pipeline, claimed: Claimed) -> anyhow::Result<()> {
    let started = Instant::now();
    let update_id = claimed.update_id;
    let kind = claimed.kind.clone();
    // From text, as teloxide parses it: its `Update` does not deserialize from a `Value`.
    let update: Update = match serde_json::from_str(&claimed.payload.to_string()) {
        Ok(u) => u,
        Err(e) => {
            // Nothing can be done with it; retrying would fail the same way.
            tracing::warn!(error = %e, "update does not parse; skipped");
            inbox::finish(claimed, StateWrite::Keep).await?;
            p.probe.record(update_id as u32, true);
            return Ok(());
        }
    };
    let storage = UpdateStorage::<State>::load(claimed.state.clone(), claimed.chat_id);
    let routed = route(p, &update, storage.clone()).await;
    match routed.and_then(|()| storage.outcome()) {
        Ok(write) => {
            if inbox::finish(claimed, write).await? {
                crate::metrics::update_handled(&kind, started.elapsed(), true);
                p.probe.record(update_id as u32, true);
            } else {
                tracing::warn!("the chat's state changed under this handler; the update runs again");
            }
        }
        Err(e) => {
            let error = format!("{e:#}");
            crate::metrics::update_handled(&kind, started.elapsed(), false);
            let outage = is_outage(&e);
            if inbox::fail(claimed, &error, outage).await? {
                tracing::error!(error, "update failed again; parked for staff");
                crate::metrics::update_parked();
                super::start::apologise(&p.bot, &p.ctx, &update).await;
                p.probe.record(update_id as u32, false);
            } else {
                tracing::warn!(error, outage, "update failed; it will be retried");
            }
        }
    }
    Ok(())
}

/// A failure of the world rather than of the update: the Bot API or the database did not
/// answer (network, a 5xx page, a connection cut, a pool without connections).
fn is_outage(error: &anyhow::Error) -> bool {
    let telegram_down = error.chain().any(|cause| {
        cause.downcast_ref::<teloxide::RequestError>().is_some_and(|e| {
            matches!(
                e,
                teloxide::RequestError::Network(_)
                    | teloxide::RequestError::Io(_)
                    | teloxide::RequestError::InvalidJson { .. }
            )
        })
    });
    telegram_down || inbox::is_database_outage(error)
}

/// Only private chats, only the kinds we use; everything else is acknowledged and left.
async fn route(p: &Pipeline, update: &Update, storage: Arc<UpdateStorage<State>>) -> anyhow::Result<()> {
    if let Some(chat) = update.chat()
        && !chat.is_private()
    {
        tracing::debug!("not a private chat; ignored");
        return Ok(());
    }
    match &update.kind {
        UpdateKind::MyChatMember(m) => {
            let user = i64::try_from(m.from.id.0)?;
            crate::services::users::set_reachable(&p.ctx, user, !m.new_chat_member.is_banned()).await
        }
        UpdateKind::Message(_) | UpdateKind::EditedMessage(_) | UpdateKind::CallbackQuery(_) => {
            let deps = dptree::deps![update.clone(), p.bot.clone(), p.me.clone(), p.ctx.clone(), storage];
            match p.schema.dispatch(deps).await {
                ControlFlow::Break(result) => result,
                ControlFlow::Continue(_) => Ok(()),
            }
        }
        UpdateKind::Error(_) => {
            tracing::warn!("update of a kind this teloxide does not know; ignored");
            Ok(())
        }
        _ => Ok(()),
    }
}
