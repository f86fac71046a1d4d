//! The payment deadline (each campaign's `payment_window_minutes`, 60 by default;
//! instruction §3): reminders while it runs, annulment when it passes. Called by the
//! due-job runner inside the job's transaction, so the job is marked done exactly when
//! its effect is committed.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::db::applications::{self, CloseGuard};
use crate::db::jobs::{self, DueJob, JobKind};
use crate::db::outbox::DedupKey;
use crate::db::{outbox, payments as db};
use crate::domain::ApplicationStatus;
use crate::i18n::Locale;
use crate::render::payment::{self as notices, Due};
use crate::services::Ctx;

/// What a deadline job did; `Skipped` says why it had nothing to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    Sent,
    Annulled,
    Skipped(&'static str),
}

/// A payment job: the reminder or the expiry of the application it names.
pub async fn run_payment_job(
    conn: &mut PgConnection,
    ctx: &Ctx,
    job: &DueJob,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    let Some(application_id) = job.application_id else {
        return Ok(Done::Skipped("no application"));
    };
    match job.kind {
        JobKind::PaymentExpiry => expire(conn, ctx, application_id, now).await,
        JobKind::PaymentReminder => remind(conn, ctx, job, application_id, now).await,
        other => anyhow::bail!("{other} is not a payment job"),
    }
}

/// Reminds the applicant, with the payment buttons, if the application still awaits
/// payment and no later reminder is due as well.
async fn remind(
    conn: &mut PgConnection,
    ctx: &Ctx,
    job: &DueJob,
    application_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    let Some(a) = db::awaiting(conn, application_id, now).await? else {
        return Ok(Done::Skipped("no longer awaiting payment"));
    };
    if jobs::later_reminder_due(conn, job, now).await? {
        return Ok(Done::Skipped("superseded by a later reminder"));
    }
    let locale = a.locale.unwrap_or(Locale::Kk);
    let due = Due {
        application_id,
        fee: a.fee,
        deadline: a.payment_deadline,
        now,
        tz: ctx.config.timezone,
        card: ctx.config.payments.card_payments,
    };
    let notice = notices::reminder(&ctx.i18n, locale, &due);
    let key = DedupKey::PaymentReminder { job: job.id };
    let message = outbox::NewMessage::transactional(a.telegram_user_id, &notice.text, key, now)
        .with_markup(notice.markup.as_ref().map(serde_json::to_value).transpose()?);
    outbox::enqueue(conn, &message).await?;
    Ok(Done::Sent)
}

/// Annuls the application if it is still unpaid at its deadline: seat released, pending
/// payments and the remaining reminders cancelled, the applicant told he may apply again.
async fn expire(
    conn: &mut PgConnection,
    ctx: &Ctx,
    application_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    let closed = applications::close(
        &mut *conn,
        application_id,
        CloseGuard::DeadlinePassed,
        &[ApplicationStatus::AwaitingPayment],
        ApplicationStatus::Annulled,
        now,
    )
    .await?;
    let Some(a) = closed else {
        return Ok(Done::Skipped("paid or closed before the deadline"));
    };
    let locale = a.locale.unwrap_or(Locale::Kk);
    let text = notices::annulled(&ctx.i18n, locale, application_id, a.payment_window_minutes);
    let key = DedupKey::Annulled { application: application_id };
    let message = outbox::NewMessage::transactional(a.telegram_user_id, &text, key, now);
    outbox::enqueue(conn, &message).await?;
    tracing::info!(application_id, "application annulled at its payment deadline; seat released");
    Ok(Done::Annulled)
}
