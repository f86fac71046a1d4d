//! «My applications»: what an applicant may do with his applications after submitting:
//! pay or cancel while unpaid; change test language and subjects while paid and the
//! database is open (never time or place); withdraw, with a refund only before closure.

use crate::db::applications::{self, CloseGuard};
pub use crate::db::applications::{ApplicationView, Editable};
use crate::db::{applicants, audit, catalog, outbox};
use crate::domain::{ApplicationStatus, Email};
use crate::i18n::Locale;
use crate::mail::OutgoingEmail;
use crate::services::Ctx;

pub async fn list(ctx: &Ctx, user: i64) -> sqlx::Result<Vec<ApplicationView>> {
    applications::views(&ctx.db, user).await
}

pub async fn get(ctx: &Ctx, user: i64, id: i64) -> sqlx::Result<Option<ApplicationView>> {
    applications::view(&ctx.db, user, id).await
}

#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    Done,
    DatabaseClosed,
    NotAllowed,
}

/// Changes the test language or the subject combination of a paid application.
pub async fn change(ctx: &Ctx, user: i64, id: i64, field: Editable, value: &str) -> anyhow::Result<Change> {
    let now = ctx.clock.now();
    let Some(app) = get(ctx, user, id).await? else {
        return Ok(Change::NotAllowed);
    };
    if app.database_closed_at.is_some_and(|t| t <= now) {
        return Ok(Change::DatabaseClosed);
    }
    let valid = match field {
        Editable::TestLanguage => catalog::test_languages(&ctx.db).await?.iter().any(|l| l.id == value),
        Editable::Combination => {
            let combos = catalog::combinations(&ctx.db).await?;
            value.parse::<i16>().is_ok_and(|v| combos.iter().any(|c| c.id == v))
        }
    };
    if !valid || !applications::edit(&ctx.db, user, id, field, value, now).await? {
        return Ok(Change::NotAllowed);
    }
    let (action, before) = match field {
        Editable::TestLanguage => ("application.test_language", app.language_code.clone()),
        Editable::Combination => ("application.combination", app.combination_id.to_string()),
    };
    let details = serde_json::json!({ "from": before, "to": value });
    audit::record(&ctx.db, user, action, &format!("application:{id}"), details).await?;
    tracing::info!(user, application_id = id, action, "application edited after payment");
    Ok(Change::Done)
}

/// Cancels an unpaid application; its seat goes back at once.
pub async fn cancel_unpaid(ctx: &Ctx, user: i64, id: i64) -> anyhow::Result<bool> {
    let now = ctx.clock.now();
    let done = applications::close(
        &ctx.db,
        id,
        CloseGuard::Owner(user),
        &[ApplicationStatus::AwaitingPayment],
        ApplicationStatus::Cancelled,
        now,
    )
    .await?;
    if done.is_some() {
        tracing::info!(user, application_id = id, "unpaid application cancelled; seat released");
    }
    Ok(done.is_some())
}

#[derive(Debug, PartialEq, Eq)]
pub enum Withdrawal {
    Withdrawn { refundable: bool },
    NotAllowed,
}

/// The applicant withdraws his paid application himself (the bot shows him
/// [`withdrawn_text`] in place of the confirmation).
pub async fn withdraw(ctx: &Ctx, user: i64, locale: Locale, id: i64) -> anyhow::Result<Withdrawal> {
    withdraw_as(ctx, user, locale, id, None).await
}

/// Staff withdraw a paid application on the applicant's behalf (he asked support), from
/// the bot's `/withdraw` or the console: the same rules, and the applicant gets in his
/// chat the very message he would have seen withdrawing it himself.
pub async fn withdraw_on_behalf(ctx: &Ctx, actor: i64, id: i64) -> anyhow::Result<Withdrawal> {
    let Some((owner, locale)) = applications::holder(&ctx.db, id).await? else {
        return Ok(Withdrawal::NotAllowed);
    };
    withdraw_as(ctx, owner, locale.unwrap_or(Locale::Kk), id, Some(actor)).await
}

/// What the applicant reads once his application is withdrawn.
pub fn withdrawn_text(ctx: &Ctx, locale: Locale, id: i64, refundable: bool) -> String {
    if refundable {
        let args = [("id", id.into()), ("email", ctx.config.payments.refund_email.as_str().into())];
        ctx.i18n.f(locale, "history-withdrawn-refund", &args)
    } else {
        ctx.i18n.f(locale, "history-withdrawn-no-refund", &[("id", id.into())])
    }
}

/// Withdraws a paid application, only before its test begins. Before the database
/// closes the payment is refundable: the refund instructions are emailed to the verified
/// address as well. Refundability is decided inside the withdrawal's transaction, under
/// a share lock on the campaign, so a concurrent /closedb is either seen or waits. When
/// staff act (`staff` is the actor), the applicant is told through the outbox in the same
/// transaction.
async fn withdraw_as(
    ctx: &Ctx,
    user: i64,
    locale: Locale,
    id: i64,
    staff: Option<i64>,
) -> anyhow::Result<Withdrawal> {
    let now = ctx.clock.now();
    let Some(app) = get(ctx, user, id).await? else {
        return Ok(Withdrawal::NotAllowed);
    };
    if !app.status.can_withdraw(now, app.starts_at) {
        return Ok(Withdrawal::NotAllowed);
    }
    let mut tx = ctx.db.begin().await?;
    let refundable = applications::refundable_locked(&mut *tx, app.campaign_id, now).await?;
    if applications::withdraw_before_test(&mut *tx, user, id, now).await?.is_none() {
        return Ok(Withdrawal::NotAllowed);
    }
    let target = format!("application:{id}");
    match staff {
        None => {
            let details = serde_json::json!({ "refundable": refundable });
            audit::record(&mut *tx, user, "application.withdraw", &target, details).await?;
        }
        Some(actor) => {
            let details = serde_json::json!({ "refundable": refundable, "on_behalf_of": user });
            let event = audit::record_id(&mut *tx, actor, "staff.withdraw", &target, details).await?;
            let text = withdrawn_text(ctx, locale, id, refundable);
            let key = outbox::DedupKey::WithdrawnByStaff { event };
            outbox::enqueue(&mut tx, &outbox::NewMessage::transactional(user, &text, key, now)).await?;
        }
    }
    tx.commit().await?;
    tracing::info!(user, application_id = id, refundable, by_staff = ?staff, "paid application withdrawn");
    if refundable {
        email_refund_instructions(ctx, user, locale, &app).await?;
    }
    Ok(Withdrawal::Withdrawn { refundable })
}

async fn email_refund_instructions(
    ctx: &Ctx,
    user: i64,
    locale: Locale,
    app: &ApplicationView,
) -> anyhow::Result<()> {
    let Some(address) = applicants::by_user(&ctx.db, user).await?.and_then(|a| a.email) else {
        return Ok(());
    };
    let to = Email::parse(&address)?;
    let fee = app.fee.to_string();
    let args = [
        ("id", app.id.into()),
        ("fee", fee.into()),
        ("email", ctx.config.payments.refund_email.as_str().into()),
    ];
    let message = OutgoingEmail {
        to: to.clone(),
        subject: ctx.i18n.t(locale, "mail-refund-subject"),
        text: ctx.i18n.f(locale, "mail-refund-text", &args),
        html: ctx.i18n.f(locale, "mail-refund-html", &args),
    };
    // The instructions are in the chat too; a mail failure must not undo the withdrawal.
    if let Err(e) = ctx.mailer.send(message, ctx.clock.now()).await {
        // `e` names the SMTP kind and code only: the server's reply quotes the address.
        tracing::warn!(user, email = %to.masked(), error = %e, "refund instructions not emailed");
    }
    Ok(())
}
