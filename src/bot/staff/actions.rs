//! Staff actions on applications, money, campaigns and staff: `/markpaid`, `/noshow`,
//! `/withdraw`, `/rebind`, `/closedb` (its confirmation button), `/staff`, `/console`. Each
//! calls the one use case the console calls too.

use teloxide::prelude::*;

use super::{campaign_or_say, say};
use crate::bot::{HandlerResult, Session, TgBot};
use crate::services::Ctx;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::args::{LateRegArg, NoShowArg, RebindArg, StaffArg, application_no};
use crate::bot::menu;
use crate::callback::Callback;
use crate::domain::StaffAction;
use crate::payments::PayOutcome;
use crate::services::console;
use crate::services::history::{self, Withdrawal};
use crate::services::payments as payment_service;
use crate::services::staff::{self, Access, NoShow};

/// Payments verified by hand (a bank statement): the same apply function as the callbacks.
pub(super) async fn markpaid(bot: TgBot, ctx: Ctx, s: Session, order: String) -> HandlerResult {
    let order = order.trim();
    if order.is_empty() {
        bot.send_message(s.chat_id, ctx.i18n.t(s.locale, "markpaid-usage")).await?;
        return Ok(());
    }
    let outcome = payment_service::mark_paid_by_staff(&ctx, s.user_id, order).await?;
    let (id, application) = match outcome {
        PayOutcome::Applied { application_id, .. } => ("markpaid-done", application_id),
        PayOutcome::Late { application_id, .. } => ("markpaid-late", application_id),
        PayOutcome::AlreadyRecorded { .. } | PayOutcome::PaidByOtherTxn { .. } => ("markpaid-already", 0),
        PayOutcome::NotFound | PayOutcome::WrongAmount { .. } => ("markpaid-not-found", 0),
    };
    let args = [("order", order.to_string().into()), ("id", application.into())];
    bot.send_message(s.chat_id, ctx.i18n.f(s.locale, id, &args)).await?;
    Ok(())
}
/// `/noshow <id>` after the test has begun; `/noshow undo <id>` (admins) takes it back.
pub(super) async fn no_show(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    let l = s.locale;
    // The role was checked for the action the arguments name (`StaffCommand::action`).
    let (key, id) = match arg.parse() {
        Err(()) => return say(bot, s, ctx.i18n.t(l, "staff-usage-noshow")).await,
        Ok(NoShowArg::Undo(id)) if staff::undo_no_show(ctx, s.user_id, id).await? => {
            ("staff-noshow-undone", id)
        }
        Ok(NoShowArg::Undo(id)) => ("staff-noshow-undo-refused", id),
        Ok(NoShowArg::Mark(id)) => match staff::no_show(ctx, s.user_id, id).await? {
            NoShow::Marked => ("staff-noshow-done", id),
            NoShow::TooEarly => ("staff-noshow-too-early", id),
            NoShow::NotPaid => ("staff-noshow-refused", id),
        },
    };
    say(bot, s, ctx.i18n.f(l, key, &[("id", id.into())])).await
}

/// `/withdraw <id>`: withdraws a paid application on the applicant's behalf (he asked
/// support), with the rules and the message he would get withdrawing it himself.
pub(super) async fn withdraw(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    let l = s.locale;
    let Some(id) = application_no(arg) else {
        return say(bot, s, ctx.i18n.t(l, "staff-usage-withdraw")).await;
    };
    let key = match history::withdraw_on_behalf(ctx, s.user_id, id).await? {
        Withdrawal::Withdrawn { refundable: true } => "staff-withdrawn-refund",
        Withdrawal::Withdrawn { refundable: false } => "staff-withdrawn-no-refund",
        Withdrawal::NotAllowed => "staff-withdraw-refused",
    };
    say(bot, s, ctx.i18n.f(l, key, &[("id", id.into())])).await
}

/// `/latereg <IIN> <hours>` (admins): the IIN may apply after registration closed, within
/// the window; the console's form calls the same use case.
pub(super) async fn late_registration(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    use crate::services::late_registration::{self as late, Grant};
    let l = s.locale;
    let Ok(LateRegArg { iin, hours }) = arg.parse() else {
        return say(bot, s, ctx.i18n.t(l, "latereg-usage")).await;
    };
    let text = match late::grant(ctx, s.user_id, &iin, hours).await? {
        Grant::Granted { campaign, until } => {
            let tz = ctx.config.timezone;
            let args = [
                ("iin", iin.masked().into()),
                ("campaign", campaign.into()),
                ("when", crate::format::date_time(until, tz, l).into()),
            ];
            ctx.i18n.f(l, "latereg-granted", &args)
        }
        Grant::BadHours => ctx.i18n.f(l, "latereg-bad-hours", &[("max", late::MAX_HOURS.into())]),
        Grant::NoCampaign => ctx.i18n.t(l, "apply-no-campaign"),
    };
    say(bot, s, text).await
}

/// `/rebind <IIN> <telegram id>` (admins): support's re-bind, the same use case as the
/// console's.
pub(super) async fn rebind(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    use crate::services::identity::{self, Rebind};
    let l = s.locale;
    let Ok(RebindArg { iin, to }) = arg.parse() else {
        return say(bot, s, ctx.i18n.t(l, "staff-usage-rebind")).await;
    };
    let outcome = identity::rebind(ctx, s.user_id, &iin, to).await?;
    let masked = iin.masked();
    let text = match outcome {
        Rebind::Done { from, applications, live } => {
            let from = from.map_or_else(|| "—".to_string(), |f| f.to_string());
            let args = [
                ("iin", masked.into()),
                ("from", from.into()),
                ("to", to.into()),
                ("applications", applications.into()),
                ("live", live.into()),
            ];
            ctx.i18n.f(l, "staff-rebind-done", &args)
        }
        Rebind::Forbidden => ctx.i18n.t(l, "staff-admin-only"),
        Rebind::NotInRegistry => ctx.i18n.t(l, "staff-rebind-not-in-registry"),
        Rebind::UnknownAccount => ctx.i18n.f(l, "staff-rebind-unknown-account", &[("to", to.into())]),
        Rebind::AlreadyHolder => ctx.i18n.f(l, "staff-rebind-already", &[("to", to.into())]),
        Rebind::HoldsAnother => ctx.i18n.f(l, "staff-rebind-holds-another", &[("to", to.into())]),
        Rebind::Conflict => ctx.i18n.t(l, "staff-rebind-conflict"),
    };
    say(bot, s, text).await
}

/// `/staff add <id> <role>`, `/staff remove <id>`.
pub(super) async fn staff_members(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    let l = s.locale;
    match arg.parse() {
        Ok(StaffArg::Add(id, role)) => {
            staff::put_staff(ctx, s.user_id, id, role).await?;
            crate::bot::set_staff_commands(bot, ctx, id, role).await;
            let role = ctx.i18n.t(l, &format!("staff-role-{}", role.as_str()));
            say(bot, s, ctx.i18n.f(l, "staff-added", &[("id", id.into()), ("role", role.into())])).await
        }
        Ok(StaffArg::Remove(id)) if staff::remove_staff(ctx, s.user_id, id).await? => {
            crate::bot::clear_staff_commands(bot, id).await;
            say(bot, s, ctx.i18n.f(l, "staff-removed", &[("id", id.into())])).await
        }
        Ok(StaffArg::Remove(_)) => say(bot, s, ctx.i18n.t(l, "staff-not-found")).await,
        Err(()) => say(bot, s, ctx.i18n.t(l, "staff-usage-staff")).await,
    }
}

/// A one-time sign-in link to the web console, as a URL button.
pub(super) async fn console_link(bot: &TgBot, ctx: &Ctx, s: &Session) -> HandlerResult {
    let l = s.locale;
    let Some(url) = console::issue_link(ctx, s.user_id).await? else {
        return say(bot, s, ctx.i18n.t(l, "unknown-command")).await;
    };
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::url(
        ctx.i18n.t(l, "staff-console-button"),
        url.parse()?,
    )]]);
    let minutes = console::LINK_VALID_MINUTES;
    let text = ctx.i18n.f(l, "staff-console-link", &[("minutes", minutes.into())]);
    bot.send_message(s.chat_id, text).reply_markup(keyboard).await?;
    Ok(())
}

/// `/closedb [campaign]`: asks to confirm with a button.
pub(super) async fn ask_close_database(bot: &TgBot, ctx: &Ctx, s: &Session, code: &str) -> HandlerResult {
    let l = s.locale;
    let Some(campaign) = campaign_or_say(bot, ctx, s, code).await? else {
        return Ok(());
    };
    let name = campaign.name.get(l).clone();
    let keyboard = InlineKeyboardMarkup::new([[
        Callback::CloseDb(Some(campaign.id)).button(ctx.i18n.t(l, "staff-closedb-yes")),
        Callback::CloseDb(None).button(ctx.i18n.t(l, "staff-closedb-no")),
    ]]);
    let text = ctx.i18n.f(l, "staff-closedb-ask", &[("campaign", name.into())]);
    bot.send_message(s.chat_id, text).reply_markup(keyboard).await?;
    Ok(())
}

// ---- /closedb confirmation ----

pub async fn on_admin_button(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    campaign: Option<i64>,
    q: CallbackQuery,
) -> HandlerResult {
    let l = s.locale;
    let Access::Granted(_) = staff::authorize(&ctx, s.user_id, StaffAction::CloseDatabase).await? else {
        return menu::stale_button(bot, ctx, s, q).await;
    };
    bot.answer_callback_query(q.id.clone()).await?;
    let message = q.regular_message().map(|m| m.id);
    let text = match campaign {
        Some(campaign_id) => {
            let name = staff::campaign_by_id(&ctx, campaign_id)
                .await?
                .map(|c| c.name.get(l).clone())
                .unwrap_or_default();
            if staff::close_database(&ctx, s.user_id, campaign_id).await? {
                ctx.i18n.f(l, "staff-closedb-done", &[("campaign", name.into())])
            } else {
                ctx.i18n.t(l, "staff-closedb-already")
            }
        }
        None => ctx.i18n.t(l, "staff-cancelled"),
    };
    match message {
        Some(id) => {
            bot.edit_message_text(s.chat_id, id, text).await?;
        }
        None => {
            bot.send_message(s.chat_id, text).await?;
        }
    }
    Ok(())
}
