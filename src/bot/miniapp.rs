//! A time chosen in the Mini App arrives as Telegram delivers Mini App data: a message with
//! `web_app_data` (our API writes it to the inbox, see `services::miniapp`). In a wizard
//! past the subjects it becomes the summary, as if the city, date and time had been
//! pressed; anywhere else it is explained.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, WebAppInfo};

use super::state::{At, Chosen, State, Wizard};
use super::{Dlg, HandlerResult, Session, wizard};
use crate::bot::TgBot;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::miniapp;

/// The button that opens the Mini App, when it can be opened: Telegram opens only HTTPS
/// addresses (the sandbox's emulator opens its own).
pub fn open_button(ctx: &Ctx, l: Locale) -> Option<InlineKeyboardButton> {
    let url = ctx.config.mini_app_url()?;
    Some(InlineKeyboardButton::web_app(ctx.i18n.t(l, "miniapp-open"), WebAppInfo { url }))
}

pub async fn on_data(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg, msg: Message) -> HandlerResult {
    let slot = msg.web_app_data().and_then(|d| miniapp::parse_slot_data(&d.data));
    let state = dialogue.get().await?.unwrap_or_default();
    let State::Wizard(w) = state else {
        bot.send_message(s.chat_id, ctx.i18n.t(s.locale, "miniapp-no-wizard")).await?;
        return Ok(());
    };
    let subjects = match &w.at {
        At::City { subjects } | At::Date { subjects, .. } | At::Time { subjects, .. } => subjects.clone(),
        At::Summary(c) | At::Rules(c) => c.subjects.clone(),
        _ => {
            bot.send_message(s.chat_id, ctx.i18n.t(s.locale, "miniapp-no-wizard")).await?;
            return Ok(());
        }
    };
    let at = match slot {
        Some(slot) => {
            miniapp::slot_at(&ctx, slot).await?.filter(|a| a.campaign_id == w.campaign_id && a.future)
        }
        None => None,
    };
    let (Some(slot), Some(at)) = (slot, at) else {
        let notice = ctx.i18n.t(s.locale, "miniapp-slot-gone");
        return wizard::again(&bot, &ctx, &s, &dialogue, w, Some(notice)).await;
    };
    if !at.free {
        let notice = ctx.i18n.t(s.locale, "miniapp-slot-gone");
        let w = Wizard { at: At::Time { subjects, city: at.city_id, date: at.date }, page: 0, ..w };
        return wizard::again(&bot, &ctx, &s, &dialogue, w, Some(notice)).await;
    }
    let chosen = Chosen { subjects, city: at.city_id, date: at.date, slot };
    let w = Wizard { at: At::Summary(chosen), page: 0, ..w };
    wizard::again(&bot, &ctx, &s, &dialogue, w, None).await
}
