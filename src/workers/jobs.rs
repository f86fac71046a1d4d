//! The due-job runner: payment reminders and expiry (and, later, other kinds). Each job
//! runs in its own transaction that also marks it done, so a crash either loses nothing
//! or has done everything; a restart picks up what is due from the table.

use chrono::{DateTime, Duration, Utc};

use crate::db::jobs::{self, DueJob, JobKind};
use crate::runtime::shutdown::Shutdown;
use crate::runtime::worker::{self, Next, Worker};
use crate::services::Ctx;
use crate::services::expiry::{self, Done};

pub const MAX_ATTEMPTS: i32 = 5;

/// The job kinds this runner handles: all it knows; see `step`.
pub const KINDS: &[JobKind] = &JobKind::ALL;

/// Runs every job due by the clock's now; returns how many were taken (done or failed).
pub async fn run_due(ctx: &Ctx) -> anyhow::Result<usize> {
    let mut taken = 0;
    while step(ctx, ctx.clock.now()).await? {
        taken += 1;
    }
    Ok(taken)
}

/// Runs the oldest due job; false when none is due.
async fn step(ctx: &Ctx, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let mut tx = crate::db::begin_claim(&ctx.db).await?;
    let Some(job) = jobs::claim_next(&mut tx, now, KINDS).await? else {
        return Ok(false);
    };
    let result = match job.kind {
        JobKind::PaymentReminder | JobKind::PaymentExpiry => {
            expiry::run_payment_job(&mut tx, ctx, &job, now).await
        }
        JobKind::SlotChanged => slot_changed(&mut tx, ctx, &job).await,
        JobKind::WaitlistOffer | JobKind::WaitlistOfferExpiry => {
            crate::services::waitlist::run_offer_job(&mut tx, ctx, &job, now).await
        }
    };
    match result {
        Ok(done) => {
            let note = match done {
                Done::Skipped(why) => Some(why),
                Done::Sent | Done::Annulled => None,
            };
            jobs::finish(&mut tx, job.id, now, note).await?;
            tx.commit().await?;
            tracing::debug!(job = job.id, kind = %job.kind, ?done, "job done");
        }
        Err(e) => {
            // Undo the half-done work before counting the attempt.
            drop(tx);
            fail(ctx, &job, now, &format!("{e:#}")).await?;
        }
    }
    Ok(true)
}

/// Written by the `slots_changed` trigger when the NCT moves a slot.
async fn slot_changed(tx: &mut sqlx::PgConnection, ctx: &Ctx, job: &DueJob) -> anyhow::Result<Done> {
    let slot_id =
        job.payload["slot_id"].as_i64().ok_or_else(|| anyhow::anyhow!("slot_changed job without slot_id"))?;
    crate::services::notifications::slot_changed(tx, ctx, job.id, slot_id).await?;
    Ok(Done::Sent)
}

async fn fail(ctx: &Ctx, job: &DueJob, now: DateTime<Utc>, error: &str) -> anyhow::Result<()> {
    let retry_at = now + super::backoff(job.attempts, Duration::seconds(30), Duration::hours(1));
    tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts + 1, error, "job failed");
    jobs::record_failure(&ctx.db, job.id, now, error, retry_at, MAX_ATTEMPTS).await?;
    Ok(())
}

/// The runner: runs what is due, then sleeps until the next due time or a NOTIFY on `jobs`
/// (a new job was written).
struct Runner(Ctx);

impl Worker for Runner {
    const NAME: &'static str = "jobs";
    const CHANNEL: Option<&'static str> = Some("jobs");

    async fn step(&mut self) -> anyhow::Result<Next> {
        let ctx = &self.0;
        run_due(ctx).await?;
        let next = jobs::next_due(&ctx.db, KINDS).await?;
        Ok(Next::After(super::pause(&ctx.clock, next)))
    }
}

pub async fn run(ctx: Ctx, mut shutdown: Shutdown) -> anyhow::Result<()> {
    let wakeups = ctx.wakeups.clone();
    worker::run(&mut Runner(ctx), &wakeups, &mut shutdown).await;
    Ok(())
}
