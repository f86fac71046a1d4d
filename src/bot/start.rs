//! `/start`, the interface language, the main menu, help, and the answers that keep a
//! conversation from dead-ending: unknown commands, stale buttons, broken state.

use teloxide::prelude::*;
use teloxide::types::Update;

use super::menu::{ask_language, show_menu};
use super::state::State;
use super::{Dlg, HandlerResult, Session};
use super::{history, keyboards, onboarding, wizard};
use crate::bot::TgBot;
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;

pub async fn on_start(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg) -> HandlerResult {
    // Telegram refuses a chat-scoped command menu for a chat it has not seen, so a staff
    // member who first writes after the bot started gets the staff menu now.
    if let Some(role) = crate::services::staff::role_of(&ctx, s.user_id).await? {
        super::set_staff_commands(&bot, &ctx, s.user_id, role).await;
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
    crate::services::users::set_locale(&ctx, s.user_id, locale).await?;
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
        State::RetestDocuments { application, reason, files } => {
            super::retest::ask_again(bot, ctx, s, application, reason, &files).await
        }
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

/// `/help` answers for the step the applicant is at (what to send, with an example), then
/// asks the step's question again; at the menu it says where to get support and the
/// campaign's key dates.
pub async fn on_help(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg, state: State) -> HandlerResult {
    match state {
        State::Start | State::ChoosingLanguage => {
            // No language chosen yet: the help is in both.
            bot.send_message(s.chat_id, ctx.i18n.t(Locale::Kk, "help-language")).await?;
            ask_language(&bot, &ctx, s.chat_id).await
        }
        _ => {
            let text = match (&state, onboarding::help_id(&state)) {
                (_, Some(id)) => ctx.i18n.t(s.locale, id),
                (State::Wizard(w), None) => {
                    // The category help names the graduation years («2027 жылғы мектеп бітіруші»).
                    let year = crate::services::catalog::graduation_year(&ctx, w.campaign_id).await?;
                    let args =
                        [("year", year.to_string().into()), ("previous", (year - 1).to_string().into())];
                    ctx.i18n.f(s.locale, wizard::help_id(w), &args)
                }
                _ => menu_help(&ctx, s.locale).await?,
            };
            bot.send_message(s.chat_id, text).await?;
            resume(&bot, &ctx, &s, &dialogue, state).await
        }
    }
}

/// «31 декабря, 10:00»: the weekday would only lengthen the help.
fn short_date_time(at: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz, l: Locale) -> String {
    format!("{}, {}", format::day_month(format::local_date(at, tz), l), format::time(at, tz))
}

/// What the bot is for, where to get support, and the current campaign's key dates.
pub async fn menu_help(ctx: &Ctx, l: Locale) -> anyhow::Result<String> {
    let mut text = ctx.i18n.f(l, "help-menu", &[("support", ctx.config.support_contact.as_str().into())]);
    let tz = ctx.config.timezone;
    let Some(c) = crate::services::booking::current_campaign(ctx).await? else {
        return Ok(text);
    };
    let test_days = match crate::services::catalog::test_days(ctx, c.id).await? {
        Some((first, last)) => format::day_range(first, last, l),
        None => "—".to_string(),
    };
    let args = [
        ("campaign", c.name.get(l).clone().into()),
        ("closes", short_date_time(c.registration_closes_at, tz, l).into()),
        ("test_days", test_days.into()),
    ];
    text.push_str("\n\n");
    text.push_str(&ctx.i18n.f(l, "help-dates", &args));
    if let Some(closes) = c.database_closed_at {
        let args = [("db_closes", short_date_time(closes, tz, l).into())];
        text.push('\n');
        text.push_str(&ctx.i18n.f(l, "help-dates-db", &args));
    }
    text.push('\n');
    text.push_str(&ctx.i18n.t(l, "help-db-meaning"));
    Ok(text)
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

/// Reached when the sender could not be recorded (database trouble): the update fails
/// and is retried, and parked with one apology if the trouble lasts.
pub async fn unavailable(update: Update) -> HandlerResult {
    anyhow::bail!("update {} not handled: its sender could not be recorded", update.id.0)
}

/// An edited message changes nothing (the answer was taken as first sent): say so once,
/// so a corrected typo is sent again as a new message.
pub async fn on_edited(bot: TgBot, ctx: Ctx, s: Session) -> HandlerResult {
    bot.send_message(s.chat_id, ctx.i18n.t(s.locale, "edited-ignored")).await?;
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
