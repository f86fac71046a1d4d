//! The waitlist in the chat: the picker (city → day → any time or one slot, full ones
//! included) opened from the wizard's city, date or time step; the offer's «book» and
//! «pass»; leaving the line from «My applications». The picker's buttons carry every
//! choice (`callback::WaitlistPick`), so it keeps no dialogue state; the join re-checks
//! them all.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

use super::state::{At, State, Subjects, Wizard};
use super::{Dlg, HandlerResult, Session, menu, payment, wizard};
use crate::bot::{TgBot, screen};
use crate::callback::{Callback, WaitlistButton, WaitlistPick};
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::waitlist::{self, Answer, EntryView, Join, Wish};
use crate::services::{booking, catalog};

fn button(text: impl Into<String>, pressed: WaitlistButton) -> InlineKeyboardButton {
    Callback::Waitlist(pressed).button(text)
}

/// «Wait for a seat» at the wizard's city, date or time step: the picker replaces the
/// wizard message, at the step the wizard had reached.
pub async fn open(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg, w: &Wizard) -> HandlerResult {
    let (subjects, city, date): (&Subjects, _, _) = match &w.at {
        At::City { subjects } => (subjects, None, None),
        At::Date { subjects, city } => (subjects, Some(*city), None),
        At::Time { subjects, city, date } => (subjects, Some(*city), Some(*date)),
        _ => return Ok(()),
    };
    let pick = WaitlistPick {
        category: subjects.category,
        language: subjects.language.clone(),
        combination: subjects.combination,
        city,
        date,
        slot: None,
    };
    dialogue.update(State::Menu).await?;
    let (text, keyboard) = picker(ctx, s.locale, w.campaign_id, &pick).await?;
    screen::show(bot, s, w.message_id.map(MessageId), text, keyboard).await
}

/// The picker at the step `pick` has reached.
async fn picker(
    ctx: &Ctx,
    l: Locale,
    campaign: i64,
    pick: &WaitlistPick,
) -> anyhow::Result<(String, InlineKeyboardMarkup)> {
    let tz = ctx.config.timezone;
    let with = |f: &dyn Fn(&mut WaitlistPick)| {
        let mut next = pick.clone();
        f(&mut next);
        WaitlistButton::Pick(next)
    };
    let mut rows: Vec<Vec<InlineKeyboardButton>> = vec![];
    let text = match (pick.city, pick.date) {
        (None, _) => {
            let cities = catalog::cities_with_slots(ctx, campaign).await?;
            for chunk in cities.chunks(2) {
                rows.push(
                    chunk.iter().map(|c| button(c.name.text(l), with(&|p| p.city = Some(c.id)))).collect(),
                );
            }
            ctx.i18n.t(l, "waitlist-city")
        }
        (Some(city), None) => {
            let dates: Vec<_> =
                catalog::days(ctx, campaign, city).await?.into_iter().map(|d| d.date).collect();
            for chunk in dates.chunks(3) {
                rows.push(
                    chunk
                        .iter()
                        .map(|d| button(format::short_date(*d, l), with(&|p| p.date = Some(*d))))
                        .collect(),
                );
            }
            ctx.i18n.f(l, "waitlist-date", &[("city", city_name(ctx, city, l).await?.into())])
        }
        (Some(city), Some(date)) => {
            rows.push(vec![button(ctx.i18n.t(l, "waitlist-any-time"), with(&|p| p.slot = Some(None)))]);
            for slot in catalog::day_slots(ctx, campaign, city, date).await? {
                let seats = if slot.free > 0 {
                    ctx.i18n.f(l, "wizard-seats", &[("n", slot.free.into())])
                } else {
                    ctx.i18n.t(l, "waitlist-full")
                };
                let args = [
                    ("time", format::time(slot.starts_at, tz).into()),
                    ("venue", slot.venue.text(l).to_string().into()),
                    ("seats", seats.into()),
                ];
                let label = ctx.i18n.f(l, "waitlist-slot", &args);
                rows.push(vec![button(label, with(&|p| p.slot = Some(Some(slot.id))))]);
            }
            let args = [
                ("city", city_name(ctx, city, l).await?.into()),
                ("date", format::long_date(date, l).into()),
            ];
            ctx.i18n.f(l, "waitlist-time", &args)
        }
    };
    rows.push(vec![button(ctx.i18n.t(l, "waitlist-close"), WaitlistButton::Close)]);
    Ok((text, InlineKeyboardMarkup::new(rows)))
}

async fn city_name(ctx: &Ctx, city: i32, l: Locale) -> anyhow::Result<String> {
    Ok(catalog::get_with(ctx, |c| c.city(city).is_some()).await?.city_name(city, l))
}

/// Replaces the message by `text` without buttons (or sends it).
async fn settle(bot: &TgBot, s: &Session, message: Option<MessageId>, text: String) -> HandlerResult {
    screen::show(bot, s, message, text, InlineKeyboardMarkup::default()).await
}

pub async fn on_button(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    pressed: WaitlistButton,
    q: CallbackQuery,
) -> HandlerResult {
    let l = s.locale;
    let message = q.regular_message().map(|m| m.id);
    match pressed {
        WaitlistButton::Pick(pick) => {
            let Some(campaign) = booking::current_campaign(&ctx).await? else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            bot.answer_callback_query(q.id).await?;
            if let (Some(city), Some(date), Some(slot)) = (pick.city, pick.date, pick.slot) {
                let wish = Wish {
                    category: pick.category,
                    language: pick.language.clone(),
                    combination: pick.combination,
                    city,
                    date,
                    slot,
                };
                return join(&bot, &ctx, &s, message, &wish).await;
            }
            let (text, keyboard) = picker(&ctx, l, campaign.id, &pick).await?;
            screen::show(&bot, &s, message, text, keyboard).await
        }
        WaitlistButton::Close => {
            bot.answer_callback_query(q.id).await?;
            settle(&bot, &s, message, ctx.i18n.t(l, "waitlist-closed")).await?;
            if matches!(dialogue.get().await?, Some(State::Menu) | None) {
                menu::show_menu(&bot, &ctx, &s, None).await?;
            }
            Ok(())
        }
        WaitlistButton::Leave(entry) => {
            if !waitlist::leave(&ctx, s.user_id, entry).await? {
                return menu::stale_button(bot, ctx, s, q).await;
            }
            bot.answer_callback_query(q.id).await?;
            settle(&bot, &s, message, ctx.i18n.t(l, "waitlist-left")).await
        }
        WaitlistButton::Offer { offer, accept: true } => {
            let answer = waitlist::accept(&ctx, s.user_id, offer).await?;
            if matches!(answer, Answer::Gone | Answer::Declined) {
                return offer_gone(bot, ctx, s, q).await;
            }
            bot.answer_callback_query(q.id).await?;
            match answer {
                Answer::Booked { application_id, payment_deadline } => {
                    let campaign = booking::current_campaign(&ctx).await?;
                    let text = wizard::booked_text(
                        &ctx,
                        l,
                        "waitlist-booked",
                        application_id,
                        payment_deadline,
                        campaign,
                    );
                    settle(&bot, &s, message, text).await?;
                    payment::offer(&bot, &ctx, &s, application_id).await
                }
                Answer::Refused(refusal) => {
                    settle(&bot, &s, message, wizard::refusal_text(&ctx, l, &refusal)).await
                }
                Answer::Gone | Answer::Declined => Ok(()),
            }
        }
        WaitlistButton::Offer { offer, accept: false } => {
            if waitlist::decline(&ctx, s.user_id, offer).await? != Answer::Declined {
                return offer_gone(bot, ctx, s, q).await;
            }
            bot.answer_callback_query(q.id).await?;
            settle(&bot, &s, message, ctx.i18n.t(l, "waitlist-declined")).await
        }
    }
}

/// An offer answered, expired or someone else's: said in passing, the message unchanged
/// (it may show the booking the first press made).
async fn offer_gone(bot: TgBot, ctx: Ctx, s: Session, q: CallbackQuery) -> HandlerResult {
    bot.answer_callback_query(q.id).text(ctx.i18n.t(s.locale, "waitlist-offer-gone")).await?;
    Ok(())
}

async fn join(bot: &TgBot, ctx: &Ctx, s: &Session, message: Option<MessageId>, wish: &Wish) -> HandlerResult {
    let l = s.locale;
    let text = match waitlist::join(ctx, s.user_id, wish).await? {
        Join::Joined { position, offered } => {
            let args = [
                ("city", city_name(ctx, wish.city, l).await?.into()),
                ("date", format::long_date(wish.date, l).into()),
                ("position", position.into()),
                ("minutes", ctx.config.payments.waitlist_offer_minutes.into()),
            ];
            let mut text = ctx.i18n.f(l, "waitlist-joined", &args);
            if offered {
                text = ctx.i18n.t(l, "waitlist-joined-offered");
            }
            text
        }
        Join::AlreadyWaiting => ctx.i18n.t(l, "waitlist-already"),
        Join::NoSuchPlace => ctx.i18n.t(l, "waitlist-no-place"),
        Join::Refused(refusal) => wizard::refusal_text(ctx, l, &refusal),
    };
    settle(bot, s, message, text).await?;
    menu::show_menu(bot, ctx, s, None).await
}

/// His place in line for «My applications»: a line of text and the «leave» button.
pub async fn history_note(ctx: &Ctx, s: &Session) -> anyhow::Result<Option<(String, InlineKeyboardButton)>> {
    let Some(entry) = waitlist::current(ctx, s.user_id).await? else {
        return Ok(None);
    };
    Ok(Some((entry_text(ctx, s.locale, &entry), leave_button(ctx, s.locale, &entry))))
}

fn entry_text(ctx: &Ctx, l: Locale, e: &EntryView) -> String {
    let tz = ctx.config.timezone;
    let place = match (&e.venue, e.slot_starts_at) {
        (Some(venue), Some(at)) => format!("{}, {} {}", e.city.text(l), venue.text(l), format::time(at, tz)),
        _ => e.city.text(l).to_string(),
    };
    let args = [
        ("place", place.into()),
        ("date", format::long_date(e.test_date, l).into()),
        ("position", e.position.into()),
    ];
    ctx.i18n.f(l, if e.offered { "waitlist-history-offered" } else { "waitlist-history" }, &args)
}

fn leave_button(ctx: &Ctx, l: Locale, e: &EntryView) -> InlineKeyboardButton {
    button(ctx.i18n.t(l, "waitlist-leave"), WaitlistButton::Leave(e.id))
}
