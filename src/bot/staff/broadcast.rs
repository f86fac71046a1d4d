//! `/notify` and the `/broadcast` dialogue: audience (one constructor with the console,
//! `notifications::audience`), text (one length limit), preview with the count, send once.

use teloxide::prelude::*;

use super::{campaign_or_say, say};
use crate::bot::{HandlerResult, Session, TgBot};
use crate::services::Ctx;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::args::NotifyArg;
use super::lookup::campaign_name;
use crate::bot::state::State;
use crate::bot::{Dlg, menu};
use crate::callback::{AudienceKind, BroadcastButton, Callback};
use crate::domain::{ApplicationStatus, StaffAction};
use crate::i18n::Locale;
use crate::services::catalog;
use crate::services::notifications::{self, Audience};
use crate::services::staff::{self, Access, Pick};

/// `/notify all|slot <id>|venue <code> <text>`: a notice to the paid applicants there.
pub(super) async fn notify(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    let l = s.locale;
    let Some(parsed) = NotifyArg::parse(arg) else {
        return say(bot, s, ctx.i18n.t(l, "staff-usage-notify")).await;
    };
    let mut named = None;
    let (audience, text) = match parsed {
        NotifyArg::All(text) => match campaign_or_say(bot, ctx, s, "").await? {
            Some(c) => {
                named = Some(campaign_name(&c, l));
                (Audience::PaidCampaign { campaign_id: c.id }, text)
            }
            None => return Ok(()),
        },
        NotifyArg::Slot(slot_id, text) => (Audience::PaidSlot { slot_id }, text),
        NotifyArg::Venue(code, text) => match catalog::venue_id(ctx, code).await? {
            Some(venue_id) => (Audience::PaidVenue { venue_id }, text),
            None => return say(bot, s, ctx.i18n.t(l, "staff-not-found")).await,
        },
    };
    if !notifications::text_fits(text) {
        let n = text.chars().count();
        return say(bot, s, ctx.i18n.f(l, "broadcast-too-long", &[("length", n.into())])).await;
    }
    let queued = notifications::notify(ctx, s.user_id, &audience, text).await?;
    let answer = match named {
        Some(campaign) => ctx.i18n.f(
            l,
            "staff-notify-queued-campaign",
            &[("count", queued.into()), ("campaign", campaign.into())],
        ),
        None => ctx.i18n.f(l, "staff-notify-queued", &[("count", queued.into())]),
    };
    say(bot, s, answer).await
}

// ---- /broadcast ----

pub(super) fn audience_keyboard(ctx: &Ctx, l: Locale) -> InlineKeyboardMarkup {
    let b = |id: &str, button| vec![Callback::Broadcast(button).button(ctx.i18n.t(l, id))];
    let kind = BroadcastButton::Audience;
    InlineKeyboardMarkup::new([
        b("broadcast-all", kind(AudienceKind::All)),
        b("broadcast-campaign", kind(AudienceKind::Campaign)),
        b("broadcast-status", kind(AudienceKind::Status)),
        b("broadcast-city", kind(AudienceKind::City)),
        b("broadcast-venue", kind(AudienceKind::Venue)),
        b("broadcast-slot", kind(AudienceKind::Slot)),
        b("broadcast-cancel", BroadcastButton::Cancel),
    ])
}

pub async fn on_broadcast_button(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    button: BroadcastButton,
    q: CallbackQuery,
    state: State,
) -> HandlerResult {
    let l = s.locale;
    let t = |id: &str| ctx.i18n.t(l, id);
    let Access::Granted(_) = staff::authorize(&ctx, s.user_id, StaffAction::Broadcast).await? else {
        return menu::stale_button(bot, ctx, s, q).await;
    };
    let message = q.regular_message().map(|m| m.id);
    let campaign = match staff::campaign(&ctx, "").await? {
        Pick::Campaign(c) => Some(c.id),
        Pick::Unknown { .. } | Pick::None => None,
    };
    let edit = |text: String, keyboard: Option<InlineKeyboardMarkup>| {
        let bot = bot.clone();
        async move {
            if let Some(id) = message {
                let req = bot.edit_message_text(s.chat_id, id, text);
                match keyboard {
                    Some(k) => req.reply_markup(k).await?,
                    None => req.await?,
                };
            }
            anyhow::Ok(())
        }
    };
    if button == BroadcastButton::Cancel {
        bot.answer_callback_query(q.id).await?;
        edit(t("staff-cancelled"), None).await?;
        dialogue.update(State::Menu).await?;
        return Ok(());
    }
    match (&state, button) {
        (
            State::BroadcastAudience,
            BroadcastButton::Audience(kind @ (AudienceKind::All | AudienceKind::Campaign)),
        ) => match notifications::audience(kind.as_str(), None, campaign) {
            Some(audience) => ask_text(&bot, &ctx, &s, &dialogue, audience).await?,
            None => say(&bot, &s, t("apply-no-campaign")).await?,
        },
        (State::BroadcastAudience, BroadcastButton::Audience(AudienceKind::Slot)) => {
            say(&bot, &s, t("broadcast-slot-ask")).await?;
            dialogue.update(State::BroadcastSlot).await?;
        }
        (State::BroadcastAudience, BroadcastButton::Audience(kind)) => {
            let b = |text: String, button| vec![Callback::Broadcast(button).button(text)];
            let rows: Vec<Vec<InlineKeyboardButton>> = match kind {
                AudienceKind::Status => ApplicationStatus::ALL
                    .iter()
                    .map(|st| b(t(st.fluent_id()), BroadcastButton::Status(*st)))
                    .collect(),
                AudienceKind::City => catalog::get(&ctx)
                    .await?
                    .cities
                    .iter()
                    .map(|c| b(c.name(l).to_string(), BroadcastButton::City(c.id)))
                    .collect(),
                _ => catalog::get(&ctx)
                    .await?
                    .venues
                    .iter()
                    .map(|v| b(v.name(l).to_string(), BroadcastButton::Venue(v.id)))
                    .collect(),
            };
            edit(t("broadcast-choose"), Some(InlineKeyboardMarkup::new(rows))).await?;
        }
        (
            State::BroadcastAudience,
            BroadcastButton::Status(_) | BroadcastButton::City(_) | BroadcastButton::Venue(_),
        ) => {
            let (kind, value) = match button {
                BroadcastButton::Status(st) => (AudienceKind::Status, st.as_str().to_string()),
                BroadcastButton::City(id) => (AudienceKind::City, id.to_string()),
                BroadcastButton::Venue(id) => (AudienceKind::Venue, id.to_string()),
                _ => return menu::stale_button(bot, ctx, s, q).await,
            };
            // Checked like the console's form: a forged status or id reaches nobody.
            match notifications::audience(kind.as_str(), Some(&value), campaign) {
                Some(audience) => ask_text(&bot, &ctx, &s, &dialogue, audience).await?,
                None => return menu::stale_button(bot, ctx, s, q).await,
            }
        }
        (State::BroadcastConfirm { audience, text }, BroadcastButton::Send) => {
            // One broadcast per preview, even if this update is handled again after a crash
            // that lost the state change below.
            let key = match message {
                Some(m) => format!("tg:{}:{}", s.chat_id.0, m.0),
                None => format!("tg:cb:{}", q.id),
            };
            bot.answer_callback_query(q.id).await?;
            dialogue.update(State::Menu).await?;
            let progress = message.map(|m| (s.chat_id.0, m.0));
            let (id, total, started) =
                notifications::broadcast_once(&ctx, s.user_id, &key, audience, text, progress).await?;
            if !started {
                // Its progress is in the message already.
                return Ok(());
            }
            let args = [
                ("id", id.into()),
                ("sent", 0.into()),
                ("total", total.into()),
                ("failed", 0.into()),
                ("unreachable", 0.into()),
            ];
            edit(ctx.i18n.f(l, "broadcast-progress", &args), None).await?;
            return Ok(());
        }
        _ => return menu::stale_button(bot, ctx, s, q).await,
    }
    bot.answer_callback_query(q.id).await?;
    Ok(())
}

async fn ask_text(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg, audience: Audience) -> HandlerResult {
    say(bot, s, ctx.i18n.t(s.locale, "broadcast-text-ask")).await?;
    dialogue.update(State::BroadcastText { audience }).await?;
    Ok(())
}

pub async fn on_broadcast_slot(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    msg: Message,
) -> HandlerResult {
    match msg.text().map(|t| t.trim().trim_start_matches('#')).and_then(|t| t.parse::<i64>().ok()) {
        Some(slot_id) => ask_text(&bot, &ctx, &s, &dialogue, Audience::Slot { slot_id }).await,
        None => say(&bot, &s, ctx.i18n.t(s.locale, "broadcast-slot-ask")).await,
    }
}

pub async fn on_broadcast_text(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    audience: Audience,
    msg: Message,
) -> HandlerResult {
    let l = s.locale;
    let Some(text) = msg.text().map(str::trim).filter(|t| !t.is_empty()) else {
        return say(&bot, &s, ctx.i18n.t(l, "broadcast-text-ask")).await;
    };
    let length = text.chars().count();
    if !notifications::text_fits(text) {
        return say(&bot, &s, ctx.i18n.f(l, "broadcast-too-long", &[("length", length.into())])).await;
    }
    let count = notifications::audience_size(&ctx, &audience).await?;
    if count == 0 {
        say(&bot, &s, ctx.i18n.t(l, "broadcast-nobody")).await?;
        dialogue.update(State::Menu).await?;
        return Ok(());
    }
    let preview = ctx.i18n.f(l, "broadcast-preview", &[("count", count.into()), ("text", text.into())]);
    let keyboard = InlineKeyboardMarkup::new([[
        Callback::Broadcast(BroadcastButton::Send).button(ctx.i18n.t(l, "broadcast-send")),
        Callback::Broadcast(BroadcastButton::Cancel).button(ctx.i18n.t(l, "broadcast-cancel")),
    ]]);
    bot.send_message(s.chat_id, preview).reply_markup(keyboard).await?;
    dialogue.update(State::BroadcastConfirm { audience, text: text.to_string() }).await?;
    Ok(())
}

pub async fn broadcast_buttons_expected(bot: TgBot, ctx: Ctx, s: Session) -> HandlerResult {
    say(&bot, &s, ctx.i18n.t(s.locale, "use-buttons")).await
}
