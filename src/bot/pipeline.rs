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
use crate::runtime::probe::UpdateProbe;
use crate::runtime::shutdown::Shutdown;
use crate::services::Ctx;
use crate::services::inbox::{self, Claimed, InboxSession, StateWrite};

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

/// How often a process looks at the inbox with nothing notified: a retry that came due,
/// or a notification lost while the listening connection was down.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// One worker: handles updates until shutdown, then returns once the update it holds is
/// done (the caller bounds how long it waits).
///
/// A notification wakes one waiting worker, and a worker that claimed an update wakes
/// one more before handling it: a burst draws in as many workers as it has chats, and
/// a single update costs one claim, not one per worker. Only the first worker also looks
/// on its own every `LOOK_EVERY`.
///
/// The worker keeps its inbox session (its connection) from one update to the next, and
/// settles it (commits the last update) before it waits or stops.
pub async fn run_worker(pipeline: Arc<Pipeline>, first: bool, mut shutdown: Shutdown) {
    let notify = pipeline.ctx.wakeups.channel("inbox");
    let mut session = inbox::session(&pipeline.ctx);
    let pause = if first { LOOK_EVERY } else { Duration::from_secs(3600) };
    while !shutdown.is_triggered() {
        // Registered before looking, so a wakeup that comes while we look is not lost.
        let mut woken = Some(Box::pin(notify.notified()));
        if let Some(w) = woken.as_mut() {
            w.as_mut().enable();
        }
        // Having found work, this worker leaves the waiters before waking one: the wakeup
        // would otherwise land on itself, and the next worker would start only once this
        // one finished.
        let found = || {
            woken = None;
            notify.notify_one();
        };
        match handle_next(&pipeline, &mut session, found).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "update pipeline");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        if let Err(e) = session.settle().await {
            tracing::error!(error = %format!("{e:#}"), "update pipeline: commit");
        }
        let Some(woken) = woken else { continue };
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.triggered() => {}
        }
    }
    if let Err(e) = session.settle().await {
        tracing::error!(error = %format!("{e:#}"), "update pipeline: commit at shutdown");
    }
}

/// The single step: claims one update, calls `claimed` (to draw in another worker) and
/// handles it. False when none was waiting.
pub async fn handle_next(
    p: &Pipeline,
    session: &mut InboxSession,
    claimed: impl FnOnce(),
) -> anyhow::Result<bool> {
    let Some(update) = session.claim().await? else {
        return Ok(false);
    };
    claimed();
    let step = update.state.as_ref().and_then(|s| s.get("step")).and_then(|s| s.as_str()).unwrap_or("start");
    let span = tracing::info_span!(
        "update",
        update_id = update.update_id,
        kind = %update.kind,
        step = %step,
        attempt = update.attempts + 1,
    );
    handle(p, session, update).instrument(span).await?;
    Ok(true)
}

async fn handle(p: &Pipeline, session: &mut InboxSession, claimed: Claimed) -> anyhow::Result<()> {
    let started = Instant::now();
    let update_id = claimed.update_id;
    let kind = claimed.kind.clone();
    // From text, as teloxide parses it: its `Update` does not deserialize from a `Value`.
    let update: Update = match serde_json::from_str(&claimed.payload.to_string()) {
        Ok(u) => u,
        Err(e) => {
            // Nothing can be done with it; retrying would fail the same way.
            tracing::warn!(error = %e, "update does not parse; skipped");
            session.finish(&claimed, StateWrite::Keep).await?;
            let probe = p.probe.clone();
            session.after_commit(update_id, move || probe.record(update_id as u32, true));
            return Ok(());
        }
    };
    let storage = UpdateStorage::<State>::load(claimed.state.clone(), claimed.chat_id);
    let sender = super::StoredSender(claimed.user.clone());
    let routed = route(p, &update, storage.clone(), sender).await;
    match routed.and_then(|()| storage.outcome()) {
        Ok(write) => {
            if session.finish(&claimed, write).await? {
                let (probe, took) = (p.probe.clone(), started.elapsed());
                session.after_commit(update_id, move || {
                    crate::metrics::update_handled(&kind, took, true);
                    probe.record(update_id as u32, true);
                });
            } else {
                tracing::warn!("the chat's state changed under this handler; the update runs again");
            }
        }
        Err(e) => {
            let error = format!("{e:#}");
            crate::metrics::update_handled(&kind, started.elapsed(), false);
            let outage = is_outage(&e);
            let (parked, retry_in) = inbox::fail(session, &claimed, &error, outage).await?;
            if parked {
                tracing::error!(error, "update failed again; parked for staff");
                crate::metrics::update_parked();
                super::start::apologise(&p.bot, &p.ctx, &update).await;
                p.probe.record(update_id as u32, false);
            } else {
                tracing::warn!(
                    error,
                    outage,
                    retry_in_ms = retry_in.as_millis() as u64,
                    "update failed; it will be retried"
                );
                // Nothing notifies a retry: a worker of this process looks again when it is due.
                let notify = p.ctx.wakeups.channel("inbox");
                tokio::spawn(async move {
                    tokio::time::sleep(retry_in).await;
                    notify.notify_one();
                });
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
async fn route(
    p: &Pipeline,
    update: &Update,
    storage: Arc<UpdateStorage<State>>,
    sender: super::StoredSender,
) -> anyhow::Result<()> {
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
            let deps =
                dptree::deps![update.clone(), p.bot.clone(), p.me.clone(), p.ctx.clone(), storage, sender];
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
