//! `/start`, the interface language, the main menu, help, and the answers that keep a
//! conversation from dead-ending: unknown commands, stale buttons, broken state.

use teloxide::prelude::*;
use teloxide::types::{ChatId, Update};

use super::state::State;
use super::{Dlg, HandlerResult, Session};
use super::{history, keyboards, onboarding, wizard};
use crate::bot::TgBot;
use crate::i18n::Locale;
use crate::services::Ctx;

pub async fn on_start(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg) -> HandlerResult {
    // Telegram refuses a chat-scoped command menu for a chat it has not seen, so a staff
    // member who first writes after the bot started gets the staff menu now.
    if crate::services::staff::is_staff(&ctx, s.user_id).await? {
        super::set_staff_commands(&bot, &ctx, s.user_id).await;
    }
    if !s.locale_chosen {
        ask_language(&bot, &ctx, s.chat_id).await?;
        dialogue.update(State::ChoosingLanguage).await?;
        return Ok(());
    }
    onboarding::proceed(&bot, &ctx, &s, &dialogue).await
}

/// `/language` works from any step and does not lose the step: after the choice the
/// current question is asked again in the new language.
pub async fn on_language_command(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    state: State,
) -> HandlerResult {
    ask_language(&bot, &ctx, s.chat_id).await?;
    if state == State::Start {
        dialogue.update(State::ChoosingLanguage).await?;
    }
    Ok(())
}

pub async fn on_language_chosen(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    q: CallbackQuery,
    locale: Locale,
    state: State,
) -> HandlerResult {
    crate::db::users::set_locale(&ctx.db, s.user_id, locale).await?;
    bot.answer_callback_query(q.id.clone()).await?;
    let s = Session { locale, locale_chosen: true, ..s };
    if let Some(message) = q.regular_message() {
        // Replace the question by the answer so the chat reads as a conversation.
        let edited = bot.edit_message_text(s.chat_id, message.id, ctx.i18n.t(locale, "language-set")).await;
        if let Err(e) = edited {
            tracing::debug!(error = %e, "language message not edited");
        }
    }
    resume(&bot, &ctx, &s, &dialogue, state).await
}

/// Asks the question of the current step again (after a language switch, `/help`, or
/// input of the wrong kind).
pub async fn resume(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg, state: State) -> HandlerResult {
    match state {
        State::Start | State::ChoosingLanguage | State::Broken => {
            onboarding::proceed(bot, ctx, s, dialogue).await
        }
        State::Menu => show_menu(bot, ctx, s, None).await,
        State::AskEmail
        | State::AwaitCode { .. }
        | State::AskIin
        | State::ConfirmIin { .. }
        | State::AskPhone => onboarding::ask(bot, ctx, s, &state).await,
        // The wizard message may be far up the chat: show the step again at the bottom.
        State::Wizard(w) => wizard::again(bot, ctx, s, dialogue, w, None).await,
        // A broadcast being composed is not worth resuming after a language switch.
        State::BroadcastAudience
        | State::BroadcastSlot
        | State::BroadcastText { .. }
        | State::BroadcastConfirm { .. } => {
            show_menu(bot, ctx, s, None).await?;
            dialogue.update(State::Menu).await?;
            Ok(())
        }
    }
}

pub async fn language_expected(bot: TgBot, ctx: Ctx, s: Session) -> HandlerResult {
    ask_language(&bot, &ctx, s.chat_id).await
}

pub async fn on_help(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg, state: State) -> HandlerResult {
    match state {
        State::Start | State::ChoosingLanguage => ask_language(&bot, &ctx, s.chat_id).await,
        _ => {
            let id = onboarding::help_id(&state).unwrap_or("help-menu");
            bot.send_message(s.chat_id, ctx.i18n.t(s.locale, id)).await?;
            resume(&bot, &ctx, &s, &dialogue, state).await
        }
    }
}

pub async fn on_cancel(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg) -> HandlerResult {
    if !s.locale_chosen {
        ask_language(&bot, &ctx, s.chat_id).await?;
        dialogue.update(State::ChoosingLanguage).await?;
        return Ok(());
    }
    show_menu(&bot, &ctx, &s, Some("cancelled")).await?;
    dialogue.update(State::Menu).await?;
    Ok(())
}

pub async fn on_menu_text(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg, msg: Message) -> HandlerResult {
    let item = msg.text().and_then(|t| keyboards::menu_item(&ctx.i18n, t));
    match item {
        Some("menu-help") => on_help(bot, ctx, s, dialogue, State::Menu).await,
        Some("menu-language") => ask_language(&bot, &ctx, s.chat_id).await,
        Some(item) => {
            // Every section needs a finished onboarding first.
            if crate::services::onboarding::next_step(&ctx, s.user_id).await?
                != crate::services::onboarding::Step::Done
            {
                return onboarding::proceed(&bot, &ctx, &s, &dialogue).await;
            }
            match item {
                "menu-apply" => wizard::begin(&bot, &ctx, &s, &dialogue).await,
                "menu-history" => history::show_list(&bot, &ctx, &s, None).await,
                _ => history::show_test_info(&bot, &ctx, &s).await,
            }
        }
        None => show_menu(&bot, &ctx, &s, Some("use-buttons")).await,
    }
}

pub async fn unknown_command(bot: TgBot, ctx: Ctx, s: Session) -> HandlerResult {
    bot.send_message(s.chat_id, ctx.i18n.t(s.locale, "unknown-command")).await?;
    Ok(())
}

/// A button whose step has passed: say so on the button itself and change nothing.
pub async fn stale_button(bot: TgBot, ctx: Ctx, s: Session, q: CallbackQuery) -> HandlerResult {
    bot.answer_callback_query(q.id).text(ctx.i18n.t(s.locale, "stale-button")).await?;
    Ok(())
}

/// The stored state no longer parses: apologise and start again from the menu.
pub async fn recover(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg) -> HandlerResult {
    if !s.locale_chosen {
        ask_language(&bot, &ctx, s.chat_id).await?;
        dialogue.update(State::ChoosingLanguage).await?;
        return Ok(());
    }
    show_menu(&bot, &ctx, &s, Some("state-reset")).await?;
    dialogue.update(State::Menu).await?;
    Ok(())
}

pub async fn recover_callback(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    q: CallbackQuery,
) -> HandlerResult {
    bot.answer_callback_query(q.id).await?;
    recover(bot, ctx, s, dialogue).await
}

/// Reached when the user or his dialogue could not be loaded (database trouble).
pub async fn unavailable(bot: TgBot, ctx: Ctx, update: Update) -> HandlerResult {
    apologise(&bot, &ctx, &update).await;
    Ok(())
}

/// Best effort: a short apology in the language Telegram reports for the user.
pub async fn apologise(bot: &TgBot, ctx: &Ctx, update: &Update) {
    let locale = Locale::guess(update.from().and_then(|u| u.language_code.as_deref()));
    let text = ctx.i18n.t(locale, "technical-error");
    if let teloxide::types::UpdateKind::CallbackQuery(q) = &update.kind {
        let _ = bot.answer_callback_query(q.id.clone()).text(text.clone()).await;
    }
    if let Some(chat) = update.chat()
        && let Err(e) = bot.send_message(chat.id, text).await
    {
        tracing::warn!(error = %e, "could not deliver the apology");
    }
}

pub async fn ask_language(bot: &TgBot, ctx: &Ctx, chat: ChatId) -> HandlerResult {
    bot.send_message(chat, ctx.i18n.t(Locale::Kk, "choose-language"))
        .reply_markup(keyboards::language(&ctx.i18n))
        .await?;
    Ok(())
}

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
