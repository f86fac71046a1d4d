//! What several journeys show: the main menu, the language question, and the answer to a
//! button that no longer applies.

use teloxide::prelude::*;
use teloxide::types::ChatId;

use super::{HandlerResult, Session, keyboards};
use crate::bot::TgBot;
use crate::i18n::Locale;
use crate::services::Ctx;

/// The main menu, optionally preceded by a one-line notice in the same message.
pub async fn show_menu(bot: &TgBot, ctx: &Ctx, s: &Session, notice: Option<&str>) -> HandlerResult {
    let menu = ctx.i18n.t(s.locale, "menu-title");
    let text = match notice {
        Some(id) => format!("{}\n\n{menu}", ctx.i18n.t(s.locale, id)),
        None => menu,
    };
    bot.send_message(s.chat_id, text).reply_markup(keyboards::main_menu(&ctx.i18n, s.locale)).await?;
    Ok(())
}

pub async fn ask_language(bot: &TgBot, ctx: &Ctx, chat: ChatId) -> HandlerResult {
    bot.send_message(chat, ctx.i18n.t(Locale::Kk, "choose-language"))
        .reply_markup(keyboards::language(&ctx.i18n))
        .await?;
    Ok(())
}

/// A button whose step has passed: say so on the button itself and change nothing.
pub async fn stale_button(bot: TgBot, ctx: Ctx, s: Session, q: CallbackQuery) -> HandlerResult {
    bot.answer_callback_query(q.id).text(ctx.i18n.t(s.locale, "stale-button")).await?;
    Ok(())
}
