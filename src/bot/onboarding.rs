//! Onboarding: email confirmed by a code, IIN looked up and confirmed, phone.

use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup, KeyboardRemove};

use super::state::State;
use super::{Dlg, HandlerResult, Session, menu};
use crate::bot::TgBot;
use crate::callback::{Callback, EmailButton};
use crate::domain::{Email, Iin, IinError, Phone};
use crate::services::Ctx;
use crate::services::email_code::{self, SendOutcome, VerifyOutcome};
use crate::services::identity::{self, Bind, Lookup};
use crate::services::onboarding::{self, Step};

/// Takes the applicant to the first unfinished onboarding step, or to the menu.
pub async fn proceed(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg) -> HandlerResult {
    let state = match onboarding::next_step(ctx, s.user_id).await? {
        Step::Email => State::AskEmail,
        Step::Iin => State::AskIin,
        Step::Phone => State::AskPhone,
        Step::Done => {
            menu::show_menu(bot, ctx, s, None).await?;
            dialogue.update(State::Menu).await?;
            return Ok(());
        }
    };
    ask(bot, ctx, s, &state).await?;
    dialogue.update(state).await?;
    Ok(())
}

/// The question of an onboarding step, with its buttons.
pub async fn ask(bot: &TgBot, ctx: &Ctx, s: &Session, state: &State) -> HandlerResult {
    let t = |id: &str| ctx.i18n.t(s.locale, id);
    match state {
        State::AskEmail => {
            bot.send_message(s.chat_id, t("email-ask")).reply_markup(KeyboardRemove::new()).await?;
        }
        State::AwaitCode { email } => {
            let text = ctx.i18n.f(s.locale, "email-code-sent", &[("email", email.as_str().into())]);
            bot.send_message(s.chat_id, text).reply_markup(code_keyboard(ctx, s)).await?;
        }
        State::AskIin => {
            bot.send_message(s.chat_id, t("iin-ask")).reply_markup(KeyboardRemove::new()).await?;
        }
        State::ConfirmIin { iin, name } => {
            let text = ctx.i18n.f(s.locale, "iin-confirm", &[("name", name.as_str().into())]);
            bot.send_message(s.chat_id, text).reply_markup(iin_keyboard(ctx, s, iin)).await?;
        }
        State::AskPhone => {
            let keyboard = KeyboardMarkup::new([[
                KeyboardButton::new(t("phone-share")).request(teloxide::types::ButtonRequest::Contact)
            ]])
            .resize_keyboard()
            .one_time_keyboard();
            bot.send_message(s.chat_id, t("phone-ask")).reply_markup(keyboard).await?;
        }
        _ => {}
    }
    Ok(())
}

pub fn help_id(state: &State) -> Option<&'static str> {
    match state {
        State::AskEmail => Some("help-email"),
        State::AwaitCode { .. } => Some("help-code"),
        State::AskIin => Some("help-iin"),
        State::ConfirmIin { .. } => Some("help-iin-confirm"),
        State::AskPhone => Some("help-phone"),
        _ => None,
    }
}

fn code_keyboard(ctx: &Ctx, s: &Session) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([
        [Callback::Email(EmailButton::Resend).button(ctx.i18n.t(s.locale, "email-resend"))],
        [Callback::Email(EmailButton::Change).button(ctx.i18n.t(s.locale, "email-change"))],
    ])
}

/// The IIN rides in the button so a button shown for another IIN is recognised as stale.
fn iin_keyboard(ctx: &Ctx, s: &Session, iin: &Iin) -> InlineKeyboardMarkup {
    let answer = |yes| Callback::Iin { yes, iin: iin.clone() };
    InlineKeyboardMarkup::new([[
        answer(true).button(ctx.i18n.t(s.locale, "iin-yes")),
        answer(false).button(ctx.i18n.t(s.locale, "iin-no")),
    ]])
}

async fn say(bot: &TgBot, chat: ChatId, text: String) -> HandlerResult {
    bot.send_message(chat, text).await?;
    Ok(())
}

// ---- email ----

pub async fn on_email(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg, msg: Message) -> HandlerResult {
    let Some(text) = msg.text() else {
        return ask(&bot, &ctx, &s, &State::AskEmail).await;
    };
    match Email::parse(text) {
        Ok(email) => send_code(&bot, &ctx, &s, &dialogue, &email, false).await,
        Err(_) => say(&bot, s.chat_id, ctx.i18n.t(s.locale, "email-invalid")).await,
    }
}

async fn send_code(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    dialogue: &Dlg,
    email: &Email,
    again: bool,
) -> HandlerResult {
    match email_code::send_code(ctx, s.user_id, s.locale, email, again).await? {
        SendOutcome::Sent => {
            let state = State::AwaitCode { email: email.clone() };
            ask(bot, ctx, s, &state).await?;
            dialogue.update(state).await?;
        }
        SendOutcome::Cooldown { seconds_left } => {
            let text = ctx.i18n.f(s.locale, "email-cooldown", &[("seconds", seconds_left.into())]);
            say(bot, s.chat_id, text).await?;
        }
        SendOutcome::AccountLimit { minutes_left } => {
            let text = ctx.i18n.f(s.locale, "email-limit-account", &[("minutes", minutes_left.into())]);
            say(bot, s.chat_id, text).await?;
        }
        SendOutcome::AddressLimit { minutes_left } => {
            let text = ctx.i18n.f(s.locale, "email-limit-address", &[("minutes", minutes_left.into())]);
            say(bot, s.chat_id, text).await?;
        }
        SendOutcome::MailFailed => say(bot, s.chat_id, ctx.i18n.t(s.locale, "email-send-failed")).await?,
    }
    Ok(())
}

pub async fn on_code(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    email: Email,
    msg: Message,
) -> HandlerResult {
    let Some(text) = msg.text() else {
        return ask(&bot, &ctx, &s, &State::AwaitCode { email }).await;
    };
    let Some(code) = email_code::normalize_code(text) else {
        // A new address typed instead of the code: he is correcting the email.
        if let Ok(new_email) = Email::parse(text) {
            return send_code(&bot, &ctx, &s, &dialogue, &new_email, false).await;
        }
        return say(&bot, s.chat_id, ctx.i18n.t(s.locale, "code-format")).await;
    };
    let t = |id: &str| ctx.i18n.t(s.locale, id);
    match email_code::verify(&ctx, s.user_id, email.as_str(), &code).await? {
        VerifyOutcome::Verified => {
            say(&bot, s.chat_id, t("email-verified")).await?;
            proceed(&bot, &ctx, &s, &dialogue).await?;
        }
        VerifyOutcome::Wrong { attempts_left } => {
            say(&bot, s.chat_id, ctx.i18n.f(s.locale, "code-wrong", &[("left", attempts_left.into())]))
                .await?;
        }
        VerifyOutcome::TooManyAttempts => {
            bot.send_message(s.chat_id, t("code-too-many")).reply_markup(code_keyboard(&ctx, &s)).await?;
        }
        VerifyOutcome::Expired => {
            bot.send_message(s.chat_id, t("code-expired")).reply_markup(code_keyboard(&ctx, &s)).await?;
        }
        VerifyOutcome::NoCode => {
            // Voided earlier: a code must be requested again before any guess counts.
            bot.send_message(s.chat_id, t("code-too-many")).reply_markup(code_keyboard(&ctx, &s)).await?;
        }
    }
    Ok(())
}

pub async fn on_code_button(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    email: Email,
    button: EmailButton,
    q: CallbackQuery,
) -> HandlerResult {
    bot.answer_callback_query(q.id).await?;
    match button {
        EmailButton::Resend => send_code(&bot, &ctx, &s, &dialogue, &email, true).await,
        EmailButton::Change => change_email(&bot, &ctx, &s, &dialogue).await,
    }
}

/// `/email`: a new address replaces the verified one only once its code is confirmed;
/// until then the old one stays.
pub async fn on_change_email_command(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg) -> HandlerResult {
    if !s.locale_chosen {
        // As /start does: the language first.
        menu::ask_language(&bot, &ctx, s.chat_id).await?;
        dialogue.update(State::ChoosingLanguage).await?;
        return Ok(());
    }
    change_email(&bot, &ctx, &s, &dialogue).await
}

async fn change_email(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg) -> HandlerResult {
    ask(bot, ctx, s, &State::AskEmail).await?;
    dialogue.update(State::AskEmail).await?;
    Ok(())
}

// ---- IIN ----

pub async fn on_iin(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg, msg: Message) -> HandlerResult {
    if msg.contact().is_some() {
        return on_rebind_contact(bot, ctx, s, msg).await;
    }
    let Some(text) = msg.text() else {
        return ask(&bot, &ctx, &s, &State::AskIin).await;
    };
    let iin = match Iin::parse(text) {
        Ok(iin) => iin,
        Err(e) => {
            let id = match e {
                IinError::WrongLength(_) => "iin-wrong-length",
                IinError::NotDigits => "iin-not-digits",
                IinError::BadCenturyDigit(_) => "iin-bad-century",
                IinError::ImpossibleDate => "iin-bad-date",
                IinError::BadCheckDigit => "iin-bad-check",
            };
            return say(&bot, s.chat_id, ctx.i18n.t(s.locale, id)).await;
        }
    };
    let support = [("support", ctx.config.support_contact.as_str().into())];
    match identity::lookup(&ctx, s.user_id, &iin).await? {
        Lookup::NotFound => say(&bot, s.chat_id, ctx.i18n.f(s.locale, "iin-not-found", &support)).await,
        Lookup::TakenByAnother => taken(&bot, &ctx, &s, &iin).await,
        Lookup::Limited { minutes } => {
            let args = [("minutes", minutes.into()), ("support", ctx.config.support_contact.as_str().into())];
            say(&bot, s.chat_id, ctx.i18n.f(s.locale, "iin-too-many", &args)).await
        }
        Lookup::IinLimited { minutes } => {
            let args = [("minutes", minutes.into()), ("support", ctx.config.support_contact.as_str().into())];
            say(&bot, s.chat_id, ctx.i18n.f(s.locale, "iin-too-many-accounts", &args)).await
        }
        Lookup::Found { full_name } => {
            let state = State::ConfirmIin { iin, name: full_name };
            ask(&bot, &ctx, &s, &state).await?;
            dialogue.update(state).await?;
            Ok(())
        }
    }
}

/// Text while the Yes / No buttons are shown: maybe another IIN, else the question again.
pub async fn iin_expected(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    fields: (Iin, String),
    msg: Message,
) -> HandlerResult {
    if msg.text().is_some_and(|t| Iin::parse(t).is_ok()) {
        return on_iin(bot, ctx, s, dialogue, msg).await;
    }
    let (iin, name) = fields;
    ask(&bot, &ctx, &s, &State::ConfirmIin { iin, name }).await
}

pub async fn on_iin_button(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    fields: (Iin, String),
    pressed: (bool, Iin),
    q: CallbackQuery,
) -> HandlerResult {
    let (iin, name) = fields;
    let (answer, asked) = pressed;
    if asked != iin {
        return menu::stale_button(bot, ctx, s, q).await;
    }
    bot.answer_callback_query(q.id.clone()).await?;
    if let Some(message) = q.regular_message() {
        // Keep the question, drop its buttons: it has been answered.
        let mark = if answer { "✅" } else { "❌" };
        let text =
            format!("{}\n{mark}", ctx.i18n.f(s.locale, "iin-confirm", &[("name", name.as_str().into())]));
        if let Err(e) = bot.edit_message_text(s.chat_id, message.id, text).await {
            tracing::debug!(error = %e, "IIN question not edited");
        }
    }
    let support = [("support", ctx.config.support_contact.as_str().into())];
    if !answer {
        say(&bot, s.chat_id, ctx.i18n.f(s.locale, "iin-denied", &support)).await?;
        dialogue.update(State::AskIin).await?;
        return Ok(());
    }
    match identity::bind(&ctx, s.user_id, &iin).await? {
        Bind::Bound => {
            say(&bot, s.chat_id, ctx.i18n.t(s.locale, "iin-bound")).await?;
            proceed(&bot, &ctx, &s, &dialogue).await
        }
        Bind::TakenByAnother => {
            taken(&bot, &ctx, &s, &iin).await?;
            dialogue.update(State::AskIin).await?;
            Ok(())
        }
        Bind::NotFound => {
            say(&bot, s.chat_id, ctx.i18n.f(s.locale, "iin-not-found", &support)).await?;
            dialogue.update(State::AskIin).await?;
            Ok(())
        }
        Bind::NoApplicant => proceed(&bot, &ctx, &s, &dialogue).await,
    }
}

// ---- an IIN bound to another account: a request to support ----

/// "Taken", with a button to ask support to re-bind the IIN to this account. The IIN rides
/// in the button (it is his own chat), and the service checks again that it is taken.
async fn taken(bot: &TgBot, ctx: &Ctx, s: &Session, iin: &Iin) -> HandlerResult {
    let support = [("support", ctx.config.support_contact.as_str().into())];
    let keyboard = InlineKeyboardMarkup::new([[
        Callback::Rebind(iin.clone()).button(ctx.i18n.t(s.locale, "rebind-ask-button"))
    ]]);
    bot.send_message(s.chat_id, ctx.i18n.f(s.locale, "iin-taken", &support)).reply_markup(keyboard).await?;
    Ok(())
}

pub async fn on_rebind_button(bot: TgBot, ctx: Ctx, s: Session, iin: Iin, q: CallbackQuery) -> HandlerResult {
    // A second press is answered "already asked" by the service.
    bot.answer_callback_query(q.id.clone()).await?;
    let support = ctx.config.support_contact.as_str();
    let t = |id: &str| ctx.i18n.f(s.locale, id, &[("support", support.into())]);
    match identity::request_rebind(&ctx, s.user_id, &iin).await? {
        identity::Request::Recorded => {
            let keyboard =
                KeyboardMarkup::new([[KeyboardButton::new(ctx.i18n.t(s.locale, "rebind-phone-share"))
                    .request(teloxide::types::ButtonRequest::Contact)]])
                .resize_keyboard()
                .one_time_keyboard();
            bot.send_message(s.chat_id, t("rebind-request-recorded")).reply_markup(keyboard).await?;
        }
        identity::Request::AlreadyOpen => say(&bot, s.chat_id, t("rebind-request-already")).await?,
        identity::Request::TooMany => say(&bot, s.chat_id, t("rebind-request-too-many")).await?,
        identity::Request::NotNeeded => say(&bot, s.chat_id, t("rebind-request-not-needed")).await?,
    }
    Ok(())
}

/// His own contact, shared after a request: support may call him.
async fn on_rebind_contact(bot: TgBot, ctx: Ctx, s: Session, msg: Message) -> HandlerResult {
    let own =
        msg.contact().and_then(|c| c.user_id).zip(msg.from.as_ref()).is_some_and(|(o, from)| o == from.id);
    let phone = msg.contact().and_then(|c| Phone::parse(&c.phone_number).ok());
    let (Some(phone), true) = (phone, own) else {
        return say(&bot, s.chat_id, ctx.i18n.t(s.locale, "phone-not-own")).await;
    };
    let key = if identity::request_phone(&ctx, s.user_id, &phone).await? {
        "rebind-phone-saved"
    } else {
        "iin-ask"
    };
    bot.send_message(s.chat_id, ctx.i18n.t(s.locale, key)).reply_markup(KeyboardRemove::new()).await?;
    Ok(())
}

// ---- phone ----

pub async fn on_phone(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg, msg: Message) -> HandlerResult {
    let typed = if let Some(contact) = msg.contact() {
        // Only the sender's own contact: a forwarded or picked contact is someone else's.
        let own = contact.user_id.zip(msg.from.as_ref()).is_some_and(|(owner, from)| owner == from.id);
        if !own {
            return say(&bot, s.chat_id, ctx.i18n.t(s.locale, "phone-not-own")).await;
        }
        contact.phone_number.clone()
    } else if let Some(text) = msg.text() {
        text.to_string()
    } else {
        return ask(&bot, &ctx, &s, &State::AskPhone).await;
    };
    let Ok(phone) = Phone::parse(&typed) else {
        return say(&bot, s.chat_id, ctx.i18n.t(s.locale, "phone-invalid")).await;
    };
    if !onboarding::set_phone(&ctx, s.user_id, &phone).await? {
        return proceed(&bot, &ctx, &s, &dialogue).await;
    }
    say(&bot, s.chat_id, ctx.i18n.t(s.locale, "onboarding-done")).await?;
    proceed(&bot, &ctx, &s, &dialogue).await
}
