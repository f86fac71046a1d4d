//! The retest for a valid reason, in the chat: from «My applications» a recent no-show picks
//! the reason, sends 1–5 photos or PDF files, and confirms; staff approve with a button
//! (`/retests`); the approved applicant then picks a city, a later day and a time of the same
//! session. Every button names its application or request and is re-checked in the
//! database, so an old or forged one changes nothing.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

use super::state::State;
use super::{Dlg, HandlerResult, Session, menu};
use crate::bot::{TgBot, screen};
use crate::callback::{Callback, HistoryButton, RetestButton};
use crate::domain::{
    DocumentKind, FileRefusal, MAX_DOCUMENTS, RetestFile, RetestReason, RetestStatus, StaffAction, admit,
    is_pdf,
};
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::history;
use crate::services::retest::{self, Booking, Decision, Offer, Submitted};
use crate::services::staff::{self, Access};

mod queue;

pub use queue::{is_refusal, parse_refusal, staff_queue, staff_refuse, staff_show};

fn button(text: impl Into<String>, pressed: RetestButton) -> InlineKeyboardButton {
    Callback::Retest(pressed).button(text)
}

/// The button «My applications» adds under a no-show that may still ask.
pub fn offer_button(ctx: &Ctx, l: Locale, application: i64) -> InlineKeyboardButton {
    button(ctx.i18n.t(l, "retest-offer"), RetestButton::Ask(application))
}

/// What an application's details say about its retest request, if anything.
pub fn status_note(ctx: &Ctx, l: Locale, offer: Offer) -> Option<String> {
    match offer {
        Offer::Requested(RetestStatus::Pending) => Some(ctx.i18n.t(l, "retest-note-pending")),
        Offer::Requested(RetestStatus::Approved) => Some(ctx.i18n.t(l, "retest-note-approved")),
        _ => None,
    }
}

fn offer_refusal_id(offer: Offer) -> &'static str {
    match offer {
        Offer::Allowed | Offer::NotNoShow => "retest-not-no-show",
        Offer::PastWindow => "retest-past-window",
        Offer::Requested(RetestStatus::Pending) => "retest-already-pending",
        Offer::Requested(_) => "retest-already-decided",
    }
}

fn documents_keyboard(ctx: &Ctx, l: Locale, application: i64, files: usize) -> InlineKeyboardMarkup {
    let mut row = vec![];
    if files > 0 {
        row.push(button(ctx.i18n.t(l, "retest-done"), RetestButton::Done(application)));
    }
    row.push(button(ctx.i18n.t(l, "retest-cancel"), RetestButton::Cancel(application)));
    InlineKeyboardMarkup::new([row])
}

pub async fn on_button(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    state: State,
    pressed: RetestButton,
    q: CallbackQuery,
) -> HandlerResult {
    let l = s.locale;
    let t = |id: &str| ctx.i18n.t(l, id);
    let message = q.regular_message().map(|m| m.id);
    let refuse = |id: &'static str| {
        let (bot, text, qid) = (bot.clone(), ctx.i18n.t(l, id), q.id.clone());
        async move {
            bot.answer_callback_query(qid).text(text).await?;
            HandlerResult::Ok(())
        }
    };
    match pressed {
        RetestButton::Ask(app) | RetestButton::Reason(app, _) => {
            match retest::offer(&ctx, s.user_id, app).await? {
                None => return refuse("history-gone").await,
                Some(Offer::Allowed) => {}
                Some(other) => return refuse(offer_refusal_id(other)).await,
            }
            bot.answer_callback_query(q.id.clone()).await?;
            if let RetestButton::Reason(_, reason) = pressed {
                let files = vec![];
                let text = documents_prompt(&ctx, l, app, reason, &files);
                screen::show(&bot, &s, message, text, documents_keyboard(&ctx, l, app, 0)).await?;
                dialogue.update(State::RetestDocuments { application: app, reason, files }).await?;
                return Ok(());
            }
            let mut rows: Vec<_> = RetestReason::ALL
                .iter()
                .map(|r| vec![button(t(r.fluent_id()), RetestButton::Reason(app, *r))])
                .collect();
            rows.push(vec![Callback::History(HistoryButton::View(app)).button(t("history-back"))]);
            let text = ctx.i18n.f(l, "retest-choose-reason", &[("id", app.into())]);
            screen::show(&bot, &s, message, text, InlineKeyboardMarkup::new(rows)).await
        }
        RetestButton::Done(app) | RetestButton::Send(app) => {
            let State::RetestDocuments { application, reason, files } = state else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            if application != app {
                return menu::stale_button(bot, ctx, s, q).await;
            }
            if files.is_empty() {
                return refuse("retest-no-documents").await;
            }
            if matches!(pressed, RetestButton::Done(_)) {
                bot.answer_callback_query(q.id.clone()).await?;
                let args =
                    [("id", app.into()), ("reason", t(reason.fluent_id()).into()), ("n", files.len().into())];
                let kb = InlineKeyboardMarkup::new([[
                    button(t("retest-send"), RetestButton::Send(app)),
                    button(t("retest-cancel"), RetestButton::Cancel(app)),
                ]]);
                return screen::show(&bot, &s, message, ctx.i18n.f(l, "retest-confirm", &args), kb).await;
            }
            let outcome = retest::submit(&ctx, s.user_id, app, reason, &files).await?;
            bot.answer_callback_query(q.id.clone()).await?;
            let text = match outcome {
                Submitted::Sent(id) => {
                    ctx.i18n.f(l, "retest-sent", &[("id", app.into()), ("request", id.into())])
                }
                Submitted::Refused(offer) => t(offer_refusal_id(offer)),
                Submitted::NoDocuments => t("retest-no-documents"),
                Submitted::NotHis => t("history-gone"),
            };
            screen::show(&bot, &s, message, text, InlineKeyboardMarkup::default()).await?;
            dialogue.update(State::Menu).await?;
            Ok(())
        }
        RetestButton::Cancel(app) => {
            if !matches!(state, State::RetestDocuments { application, .. } if application == app) {
                return menu::stale_button(bot, ctx, s, q).await;
            }
            bot.answer_callback_query(q.id.clone()).await?;
            screen::show(&bot, &s, message, t("retest-cancelled"), InlineKeyboardMarkup::default()).await?;
            dialogue.update(State::Menu).await?;
            Ok(())
        }
        RetestButton::Approve(request) => approve(&bot, &ctx, &s, q, request).await,
        RetestButton::Pick(request) => {
            let Some(approved) = retest::approved(&ctx, s.user_id, request).await? else {
                return refuse("retest-not-approved").await;
            };
            bot.answer_callback_query(q.id.clone()).await?;
            let cities = retest::cities(&ctx, approved.campaign_id).await?;
            let rows: Vec<_> =
                cities.iter().map(|c| vec![button(c.name(l), RetestButton::City(request, c.id))]).collect();
            let text = if cities.is_empty() { t("retest-no-seats") } else { t("retest-city") };
            // A new message below the approval, which stays readable; «back» edits it.
            let here = if message.is_some_and(|m| Some(m) == approval_message(&q)) { None } else { message };
            screen::show(&bot, &s, here, text, InlineKeyboardMarkup::new(rows)).await
        }
        RetestButton::City(request, city) => {
            let Some(approved) = retest::approved(&ctx, s.user_id, request).await? else {
                return refuse("retest-not-approved").await;
            };
            bot.answer_callback_query(q.id.clone()).await?;
            show_dates(&bot, &ctx, &s, message, approved.campaign_id, request, city, None).await
        }
        RetestButton::Date(request, city, date) => {
            let Some(approved) = retest::approved(&ctx, s.user_id, request).await? else {
                return refuse("retest-not-approved").await;
            };
            bot.answer_callback_query(q.id.clone()).await?;
            let slots = retest::slots(&ctx, approved.campaign_id, city, date).await?;
            if slots.is_empty() {
                let notice = Some(t("retest-slot-gone"));
                return show_dates(&bot, &ctx, &s, message, approved.campaign_id, request, city, notice)
                    .await;
            }
            let mut rows: Vec<_> = slots
                .iter()
                .map(|slot| {
                    let seats = ctx.i18n.f(l, "wizard-seats", &[("n", slot.free.into())]);
                    let time = format::time(slot.starts_at, ctx.config.timezone);
                    vec![button(
                        format!("{time} · {} · {seats}", slot.venue.text(l)),
                        RetestButton::Slot(request, slot.id),
                    )]
                })
                .collect();
            rows.push(vec![button(t("wizard-back"), RetestButton::City(request, city))]);
            let text = ctx.i18n.f(l, "retest-time", &[("date", format::long_date(date, l).into())]);
            screen::show(&bot, &s, message, text, InlineKeyboardMarkup::new(rows)).await
        }
        RetestButton::Slot(request, slot) => {
            let Some(approved) = retest::approved(&ctx, s.user_id, request).await? else {
                return refuse("retest-not-approved").await;
            };
            match retest::book(&ctx, s.user_id, request, slot).await? {
                Booking::Booked => {
                    bot.answer_callback_query(q.id.clone()).await?;
                    let text = booked_text(&ctx, &s, approved.application_id).await?;
                    screen::show(&bot, &s, message, text, InlineKeyboardMarkup::default()).await
                }
                Booking::SlotGone => {
                    bot.answer_callback_query(q.id.clone()).text(t("retest-slot-gone")).await?;
                    let cities = retest::cities(&ctx, approved.campaign_id).await?;
                    let rows: Vec<_> = cities
                        .iter()
                        .map(|c| vec![button(c.name(l), RetestButton::City(request, c.id))])
                        .collect();
                    let text = format!("{}\n\n{}", t("retest-slot-gone"), t("retest-city"));
                    screen::show(&bot, &s, message, text, InlineKeyboardMarkup::new(rows)).await
                }
                Booking::NotApproved => refuse("retest-not-approved").await,
            }
        }
    }
}

/// The message a «pick a day» button sits on when it is the approval itself (its only button).
fn approval_message(q: &CallbackQuery) -> Option<MessageId> {
    let m = q.regular_message()?;
    let only_pick = m.reply_markup().is_some_and(|k| {
        k.inline_keyboard.iter().flatten().count() == 1
            && k.inline_keyboard.iter().flatten().all(|b| match &b.kind {
                teloxide::types::InlineKeyboardButtonKind::CallbackData(d) => d.starts_with("rt:p:"),
                _ => false,
            })
    });
    only_pick.then_some(m.id)
}

#[allow(clippy::too_many_arguments)]
async fn show_dates(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    message: Option<MessageId>,
    campaign: i64,
    request: i64,
    city: i32,
    notice: Option<String>,
) -> HandlerResult {
    let l = s.locale;
    let dates = retest::dates(ctx, campaign, city).await?;
    let buttons: Vec<_> = dates
        .iter()
        .map(|d| button(format::short_date(*d, l), RetestButton::Date(request, city, *d)))
        .collect();
    let mut rows: Vec<Vec<_>> = buttons.chunks(3).map(<[_]>::to_vec).collect();
    rows.push(vec![button(ctx.i18n.t(l, "wizard-back"), RetestButton::Pick(request))]);
    let body = ctx.i18n.t(l, if dates.is_empty() { "retest-no-seats" } else { "retest-date" });
    let text = match notice {
        Some(n) => format!("{n}\n\n{body}"),
        None => body,
    };
    screen::show(bot, s, message, text, InlineKeyboardMarkup::new(rows)).await
}

async fn booked_text(ctx: &Ctx, s: &Session, application: i64) -> anyhow::Result<String> {
    let l = s.locale;
    let Some(app) = history::get(ctx, s.user_id, application).await? else {
        return Ok(ctx.i18n.t(l, "history-gone"));
    };
    let args = [
        ("id", app.id.into()),
        ("when", format::date_time(app.starts_at, ctx.config.timezone, l).into()),
        ("city", app.city.text(l).into()),
        ("venue", app.venue.text(l).into()),
        ("address", app.address.text(l).into()),
        ("language", app.language.text(l).into()),
    ];
    Ok(ctx.i18n.f(l, "retest-booked", &args))
}

fn documents_prompt(ctx: &Ctx, l: Locale, app: i64, reason: RetestReason, files: &[RetestFile]) -> String {
    let args = [
        ("id", app.into()),
        ("reason", ctx.i18n.t(l, reason.fluent_id()).into()),
        ("max", MAX_DOCUMENTS.into()),
    ];
    let mut text = ctx.i18n.f(l, "retest-send-documents", &args);
    if !files.is_empty() {
        let got =
            ctx.i18n.f(l, "retest-received", &[("n", files.len().into()), ("max", MAX_DOCUMENTS.into())]);
        text = format!("{got}\n\n{text}");
    }
    text
}

/// Asks for the documents again (after `/help` or a language switch).
pub async fn ask_again(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    application: i64,
    reason: RetestReason,
    files: &[RetestFile],
) -> HandlerResult {
    let text = documents_prompt(ctx, s.locale, application, reason, files);
    bot.send_message(s.chat_id, text)
        .reply_markup(documents_keyboard(ctx, s.locale, application, files.len()))
        .await?;
    Ok(())
}

/// The file a message carries, or why it is not taken.
fn file_of(msg: &Message) -> Result<RetestFile, FileRefusal> {
    if let Some(sizes) = msg.photo() {
        // Telegram sends a photo in several sizes; the largest is the one to read.
        let p = sizes.iter().max_by_key(|p| (p.width * p.height, p.file.size)).ok_or(FileRefusal::Kind)?;
        return Ok(RetestFile {
            kind: DocumentKind::Photo,
            file_id: p.file.id.to_string(),
            file_unique_id: p.file.unique_id.to_string(),
            size: Some(u64::from(p.file.size)),
            name: None,
        });
    }
    if let Some(d) = msg.document() {
        let mime = d.mime_type.as_ref().map(|m| m.essence_str().to_string());
        if !is_pdf(mime.as_deref(), d.file_name.as_deref()) {
            return Err(FileRefusal::Kind);
        }
        return Ok(RetestFile {
            kind: DocumentKind::Pdf,
            file_id: d.file.id.to_string(),
            file_unique_id: d.file.unique_id.to_string(),
            size: Some(u64::from(d.file.size)),
            name: d.file_name.clone(),
        });
    }
    Err(FileRefusal::Kind)
}

/// A message while documents are expected: a photo or a PDF is kept (up to five, each within
/// 20 MB); anything else is answered with the reason and changes nothing.
pub async fn on_message(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    msg: Message,
    (application, reason, mut files): (i64, RetestReason, Vec<RetestFile>),
) -> HandlerResult {
    let l = s.locale;
    // A menu button ends the request unsent, as /cancel does.
    if msg.text().and_then(|t| super::keyboards::menu_item(&ctx.i18n, t)).is_some() {
        dialogue.update(State::Menu).await?;
        return super::start::on_menu_text(bot, ctx, s, dialogue, msg).await;
    }
    let refusal = file_of(&msg).and_then(|f| admit(files.len(), f.size).map(|()| f));
    let file = match refusal {
        Ok(f) => f,
        Err(why) => {
            let id = match why {
                FileRefusal::Kind if msg.text().is_some() => "retest-file-text",
                FileRefusal::Kind => "retest-file-kind",
                FileRefusal::TooLarge => "retest-file-too-large",
                FileRefusal::TooMany => "retest-file-too-many",
            };
            let text = ctx.i18n.f(l, id, &[("max", MAX_DOCUMENTS.into())]);
            bot.send_message(s.chat_id, text)
                .reply_markup(documents_keyboard(&ctx, l, application, files.len()))
                .await?;
            return Ok(());
        }
    };
    // The same file sent twice is kept once.
    if !files.iter().any(|f| f.file_unique_id == file.file_unique_id) {
        files.push(file);
    }
    let text = ctx.i18n.f(l, "retest-received", &[("n", files.len().into()), ("max", MAX_DOCUMENTS.into())]);
    bot.send_message(s.chat_id, text)
        .reply_markup(documents_keyboard(&ctx, l, application, files.len()))
        .await?;
    dialogue.update(State::RetestDocuments { application, reason, files }).await?;
    Ok(())
}

/// Staff's approval button. A non-staff press (a forged button) gets the stale-button answer
/// and changes nothing; an operator is told it is an admin's action.
async fn approve(bot: &TgBot, ctx: &Ctx, s: &Session, q: CallbackQuery, request: i64) -> HandlerResult {
    let l = s.locale;
    match staff::authorize(ctx, s.user_id, StaffAction::DecideRetest).await? {
        Access::NotStaff => return menu::stale_button(bot.clone(), ctx.clone(), s.clone(), q).await,
        Access::Denied(_) => {
            bot.answer_callback_query(q.id).text(ctx.i18n.t(l, "staff-admin-only")).await?;
            return Ok(());
        }
        Access::Granted(_) => {}
    }
    let key = match retest::approve(ctx, s.user_id, request).await? {
        Decision::Done => "retest-staff-approved",
        Decision::NotPending => "retest-staff-not-pending",
    };
    let text = ctx.i18n.f(l, key, &[("request", request.into())]);
    bot.answer_callback_query(q.id).text(text.clone()).await?;
    bot.send_message(s.chat_id, text).await?;
    Ok(())
}
