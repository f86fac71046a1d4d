//! «Submit application»: category → test language → subjects → city → date → time →
//! rules → summary → confirm, in one message edited in place. Every button carries the
//! render's `seq`, so buttons from an earlier render are answered as stale.

use chrono::{Datelike, NaiveDate};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

use super::state::{State, Wizard, WizardStep};
use super::{Dlg, HandlerResult, Session, payment, start};
use crate::bot::TgBot;
use crate::db::{applicants, campaigns, catalog};
use crate::domain::Money;
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::booking::{self, Booking, Choices, Refusal};

const PAGE: usize = 12;

/// A parsed button press: `w:<seq>:<action>`.
#[derive(Debug, PartialEq)]
enum Action {
    Pick(String),
    Back,
    Cancel,
    Page(u16),
    RulesAccepted,
    Confirm,
}

fn parse(data: &str) -> Option<(u64, Action)> {
    let mut parts = data.splitn(4, ':');
    if parts.next()? != "w" {
        return None;
    }
    let seq = parts.next()?.parse().ok()?;
    let action = match (parts.next()?, parts.next()) {
        ("v", Some(v)) if !v.is_empty() => Action::Pick(v.to_string()),
        ("p", Some(p)) => Action::Page(p.parse().ok()?),
        ("b", None) => Action::Back,
        ("x", None) => Action::Cancel,
        ("ok", None) => Action::RulesAccepted,
        ("c", None) => Action::Confirm,
        _ => return None,
    };
    Some((seq, action))
}

fn button(text: impl Into<String>, seq: u64, action: &str) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(text, format!("w:{seq}:{action}"))
}

/// Entry from the menu: refuse with the reason, or start at the first step.
pub async fn begin(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg) -> HandlerResult {
    let campaign = match booking::eligibility(ctx, s.user_id).await? {
        Ok(c) => c,
        Err(refusal) => {
            bot.send_message(s.chat_id, refusal_text(ctx, s.locale, &refusal)).await?;
            return Ok(());
        }
    };
    let w = Wizard {
        seq: booking::wizard_first_seq(ctx, s.chat_id.0).await?,
        message_id: None,
        at: WizardStep::Category,
        campaign_id: campaign.id,
        page: 0,
        category: None,
        language: None,
        combination: None,
        city: None,
        date: None,
        slot: None,
    };
    show(bot, ctx, s, dialogue, w, None).await
}

pub fn refusal_text(ctx: &Ctx, locale: Locale, refusal: &Refusal) -> String {
    match refusal {
        Refusal::NoCampaign => ctx.i18n.t(locale, "apply-no-campaign"),
        Refusal::NotYetOpen { opens_at } => {
            let date = format::date_time(*opens_at, ctx.config.timezone, locale);
            ctx.i18n.f(locale, "apply-not-yet-open", &[("date", date.into())])
        }
        Refusal::Over => ctx.i18n.t(locale, "apply-over"),
        Refusal::DatabaseClosed => ctx.i18n.t(locale, "apply-db-closed"),
        Refusal::ActiveApplication => ctx.i18n.t(locale, "apply-active-exists"),
        Refusal::NoShowBan => ctx.i18n.t(locale, "apply-no-show"),
    }
}

/// Renders the current step: edits the wizard message, or sends a new one when there is
/// none or it can no longer be edited.
async fn show(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    dialogue: &Dlg,
    mut w: Wizard,
    notice: Option<String>,
) -> HandlerResult {
    w.seq += 1;
    let (body, keyboard) = view(ctx, s, &w).await?;
    let step = ctx.i18n.f(s.locale, "wizard-step", &[("n", w.at.number().into())]);
    let text = match notice {
        Some(n) => format!("{n}\n\n{step}\n{body}"),
        None => format!("{step}\n{body}"),
    };
    let edited = match w.message_id {
        Some(id) => bot
            .edit_message_text(s.chat_id, MessageId(id), text.clone())
            .reply_markup(keyboard.clone())
            .await
            .map_err(|e| tracing::debug!(error = %e, "wizard message not edited; sending a new one"))
            .is_ok(),
        None => false,
    };
    if !edited {
        let sent = bot.send_message(s.chat_id, text).reply_markup(keyboard).await?;
        w.message_id = Some(sent.id.0);
    }
    dialogue.update(State::Wizard(w)).await?;
    Ok(())
}

/// The text and buttons of a step.
async fn view(ctx: &Ctx, s: &Session, w: &Wizard) -> anyhow::Result<(String, InlineKeyboardMarkup)> {
    let l = s.locale;
    let t = |id: &str| ctx.i18n.t(l, id);
    let now = ctx.clock.now();
    let tz = ctx.config.timezone;
    let seq = w.seq;
    let mut rows: Vec<Vec<InlineKeyboardButton>> = vec![];
    let body = match w.at {
        WizardStep::Category => {
            let categories = catalog::categories(&ctx.db).await?;
            let mut text = t("wizard-category");
            for (i, c) in categories.iter().enumerate() {
                text.push_str(&format!("\n\n{}. {}", i + 1, capitalize(c.name(l))));
            }
            rows.push(
                categories
                    .iter()
                    .enumerate()
                    .map(|(i, c)| button((i + 1).to_string(), seq, &format!("v:{}", c.id)))
                    .collect(),
            );
            text
        }
        WizardStep::Language => {
            let languages = catalog::test_languages(&ctx.db).await?;
            rows.extend(languages.iter().map(|x| vec![button(x.name(l), seq, &format!("v:{}", x.id))]));
            t("wizard-language")
        }
        WizardStep::Combination => {
            let combinations = catalog::combinations(&ctx.db).await?;
            rows.extend(combinations.iter().map(|x| vec![button(x.name(l), seq, &format!("v:{}", x.id))]));
            t("wizard-combination")
        }
        WizardStep::City => {
            let cities = catalog::cities_with_seats(&ctx.db, w.campaign_id, now).await?;
            let buttons: Vec<_> =
                cities.iter().map(|c| button(c.name(l), seq, &format!("v:{}", c.id))).collect();
            paged(&mut rows, buttons, 2, w.page, seq, ctx, l);
            if cities.is_empty() { t("wizard-no-seats") } else { t("wizard-city") }
        }
        WizardStep::Date => {
            let city = w.city.unwrap_or_default();
            let dates = catalog::dates_with_seats(&ctx.db, w.campaign_id, city, now, tz).await?;
            let buttons: Vec<_> = dates
                .iter()
                .map(|d| {
                    button(
                        format::short_date(*d, l),
                        seq,
                        &format!("v:{:04}{:02}{:02}", d.year(), d.month(), d.day()),
                    )
                })
                .collect();
            paged(&mut rows, buttons, 3, w.page, seq, ctx, l);
            if dates.is_empty() {
                t("wizard-no-seats")
            } else {
                ctx.i18n.f(l, "wizard-date", &[("city", city_name(ctx, city, l).await?.into())])
            }
        }
        WizardStep::Time => {
            let (city, date) = (w.city.unwrap_or_default(), w.date.unwrap_or_default());
            let slots = catalog::free_slots(&ctx.db, w.campaign_id, city, date, now, tz).await?;
            for slot in &slots {
                let venue = if l == Locale::Kk { &slot.venue_kk } else { &slot.venue_ru };
                let seats = ctx.i18n.f(l, "wizard-seats", &[("n", slot.free.into())]);
                let label = format!("{} · {venue} · {seats}", format::time(slot.starts_at, tz));
                rows.push(vec![button(label, seq, &format!("v:{}", slot.id))]);
            }
            if slots.is_empty() {
                t("wizard-no-seats")
            } else {
                let args = [
                    ("city", city_name(ctx, city, l).await?.into()),
                    ("date", format::long_date(date, l).into()),
                ];
                ctx.i18n.f(l, "wizard-time", &args)
            }
        }
        WizardStep::Rules => {
            rows.push(vec![button(t("wizard-rules-ok"), seq, "ok")]);
            let minutes = campaigns::by_id(&ctx.db, w.campaign_id)
                .await?
                .map(|c| c.payment_window_minutes)
                .unwrap_or_default();
            let mut text = ctx.i18n.f(l, "wizard-rules", &[("minutes", minutes.into())]);
            if under_16_on_test_day(ctx, s, w).await? {
                text.push_str("\n\n");
                text.push_str(&t("wizard-under-16"));
            }
            text
        }
        WizardStep::Summary => {
            rows.push(vec![button(t("wizard-confirm"), seq, "c")]);
            summary(ctx, l, w).await?
        }
    };
    let mut nav = vec![];
    if w.at.previous().is_some() {
        nav.push(button(t("wizard-back"), seq, "b"));
    }
    nav.push(button(t("wizard-cancel"), seq, "x"));
    rows.push(nav);
    Ok((body, InlineKeyboardMarkup::new(rows)))
}

/// Lays buttons out `per_row`, a page at a time, with ◀️ ▶️ when there is more.
fn paged(
    rows: &mut Vec<Vec<InlineKeyboardButton>>,
    buttons: Vec<InlineKeyboardButton>,
    per_row: usize,
    page: u16,
    seq: u64,
    ctx: &Ctx,
    l: Locale,
) {
    let pages = buttons.len().div_ceil(PAGE).max(1);
    let page = (page as usize).min(pages - 1);
    let chunk: Vec<_> = buttons.into_iter().skip(page * PAGE).take(PAGE).collect();
    rows.extend(chunk.chunks(per_row).map(<[_]>::to_vec));
    if pages > 1 {
        let mut nav = vec![];
        if page > 0 {
            nav.push(button(ctx.i18n.t(l, "wizard-prev-page"), seq, &format!("p:{}", page - 1)));
        }
        if page + 1 < pages {
            nav.push(button(ctx.i18n.t(l, "wizard-next-page"), seq, &format!("p:{}", page + 1)));
        }
        rows.push(nav);
    }
}

/// Category names in the instruction start in lower case (they continue a sentence).
fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

async fn city_name(ctx: &Ctx, city: i32, l: Locale) -> anyhow::Result<String> {
    Ok(catalog::city(&ctx.db, city).await?.map(|c| c.name(l).to_string()).unwrap_or_default())
}

async fn under_16_on_test_day(ctx: &Ctx, s: &Session, w: &Wizard) -> anyhow::Result<bool> {
    let (Some(slot), Some(applicant)) = (w.slot, applicants::by_user(&ctx.db, s.user_id).await?) else {
        return Ok(false);
    };
    let (Some(birth), Some(place)) = (applicant.birth_date, catalog::slot_place(&ctx.db, slot).await?) else {
        return Ok(false);
    };
    let test_day = format::local_date(place.starts_at, ctx.config.timezone);
    Ok(test_day.years_since(birth).unwrap_or(0) < 16)
}

async fn summary(ctx: &Ctx, l: Locale, w: &Wizard) -> anyhow::Result<String> {
    let find = |list: Vec<catalog::Named<i16>>, id: Option<i16>| {
        list.into_iter().find(|x| Some(x.id) == id).map(|x| capitalize(x.name(l))).unwrap_or_default()
    };
    let category = find(catalog::categories(&ctx.db).await?, w.category);
    let combination = find(catalog::combinations(&ctx.db).await?, w.combination);
    let language = catalog::test_languages(&ctx.db)
        .await?
        .into_iter()
        .find(|x| Some(&x.id) == w.language.as_ref())
        .map(|x| x.name(l).to_string())
        .unwrap_or_default();
    let place = match w.slot {
        Some(slot) => catalog::slot_place(&ctx.db, slot).await?,
        None => None,
    };
    let fee = campaigns::by_id(&ctx.db, w.campaign_id).await?.map(|c| c.fee_tenge).unwrap_or_default();
    let (city, venue, when) = match &place {
        Some(p) => (
            p.city(l).to_string(),
            p.venue(l).to_string(),
            format::date_time(p.starts_at, ctx.config.timezone, l),
        ),
        None => Default::default(),
    };
    let args = [
        ("category", category.into()),
        ("language", language.into()),
        ("combination", combination.into()),
        ("city", city.into()),
        ("venue", venue.into()),
        ("when", when.into()),
        ("fee", Money::try_from(fee).unwrap_or(Money::from_tenge(0)).to_string().into()),
    ];
    Ok(ctx.i18n.f(l, "wizard-summary", &args))
}

/// Text instead of a button: the step again, as a new message at the bottom of the chat.
pub async fn on_text(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg, w: Wizard) -> HandlerResult {
    let notice = ctx.i18n.t(s.locale, "use-buttons");
    again(&bot, &ctx, &s, &dialogue, w, Some(notice)).await
}

/// The current step as a new message (after a language switch or stray input); the old
/// message's buttons become stale.
pub async fn again(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    dialogue: &Dlg,
    w: Wizard,
    notice: Option<String>,
) -> HandlerResult {
    show(bot, ctx, s, dialogue, Wizard { message_id: None, ..w }, notice).await
}

pub async fn on_button(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    w: Wizard,
    q: CallbackQuery,
) -> HandlerResult {
    let Some((seq, action)) = q.data.as_deref().and_then(parse) else {
        return start::stale_button(bot, ctx, s, q).await;
    };
    if seq != w.seq {
        return start::stale_button(bot, ctx, s, q).await;
    }
    let now = ctx.clock.now();
    let tz = ctx.config.timezone;
    let mut next = w.clone();
    next.page = 0;
    match (w.at, action) {
        (_, Action::Cancel) | (WizardStep::Category, Action::Back) => {
            bot.answer_callback_query(q.id).await?;
            return cancel(&bot, &ctx, &s, &dialogue, &w).await;
        }
        (step, Action::Back) => next.at = step.previous().unwrap_or(WizardStep::Category),
        (WizardStep::City | WizardStep::Date, Action::Page(p)) => next.page = p,
        (WizardStep::Category, Action::Pick(v)) => {
            let categories = catalog::categories(&ctx.db).await?;
            let Some(id) = v.parse::<i16>().ok().filter(|id| categories.iter().any(|c| c.id == *id)) else {
                return start::stale_button(bot, ctx, s, q).await;
            };
            next.category = Some(id);
            next.at = WizardStep::Language;
        }
        (WizardStep::Language, Action::Pick(v)) => {
            if !catalog::test_languages(&ctx.db).await?.iter().any(|x| x.id == v) {
                return start::stale_button(bot, ctx, s, q).await;
            }
            next.language = Some(v);
            next.at = WizardStep::Combination;
        }
        (WizardStep::Combination, Action::Pick(v)) => {
            let combinations = catalog::combinations(&ctx.db).await?;
            let Some(id) = v.parse::<i16>().ok().filter(|id| combinations.iter().any(|c| c.id == *id)) else {
                return start::stale_button(bot, ctx, s, q).await;
            };
            next.combination = Some(id);
            next.at = WizardStep::City;
        }
        (WizardStep::City, Action::Pick(v)) => {
            let cities = catalog::cities_with_seats(&ctx.db, w.campaign_id, now).await?;
            let Some(id) = v.parse::<i32>().ok().filter(|id| cities.iter().any(|c| c.id == *id)) else {
                return start::stale_button(bot, ctx, s, q).await;
            };
            next.city = Some(id);
            next.at = WizardStep::Date;
        }
        (WizardStep::Date, Action::Pick(v)) => {
            let Some(date) = NaiveDate::parse_from_str(&v, "%Y%m%d").ok() else {
                return start::stale_button(bot, ctx, s, q).await;
            };
            next.date = Some(date);
            next.at = WizardStep::Time;
        }
        (WizardStep::Time, Action::Pick(v)) => {
            let (city, date) = (w.city.unwrap_or_default(), w.date.unwrap_or_default());
            let free = catalog::free_slots(&ctx.db, w.campaign_id, city, date, now, tz).await?;
            let Some(slot) = v.parse::<i64>().ok() else {
                return start::stale_button(bot, ctx, s, q).await;
            };
            bot.answer_callback_query(q.id).await?;
            if !free.iter().any(|x| x.id == slot) {
                let notice = ctx.i18n.t(s.locale, "wizard-slot-taken");
                return show(&bot, &ctx, &s, &dialogue, next, Some(notice)).await;
            }
            next.slot = Some(slot);
            next.at = WizardStep::Rules;
            return show(&bot, &ctx, &s, &dialogue, next, None).await;
        }
        (WizardStep::Rules, Action::RulesAccepted) => next.at = WizardStep::Summary,
        (WizardStep::Summary, Action::Confirm) => {
            bot.answer_callback_query(q.id).await?;
            return confirm(&bot, &ctx, &s, &dialogue, w).await;
        }
        _ => return start::stale_button(bot, ctx, s, q).await,
    }
    bot.answer_callback_query(q.id).await?;
    show(&bot, &ctx, &s, &dialogue, next, None).await
}

async fn cancel(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg, w: &Wizard) -> HandlerResult {
    if let Some(id) = w.message_id {
        let _ =
            bot.edit_message_text(s.chat_id, MessageId(id), ctx.i18n.t(s.locale, "wizard-cancelled")).await;
    }
    start::show_menu(bot, ctx, s, None).await?;
    dialogue.update(State::Menu).await?;
    Ok(())
}

async fn confirm(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg, w: Wizard) -> HandlerResult {
    let (Some(category_id), Some(test_language), Some(combination_id), Some(slot_id)) =
        (w.category, w.language.clone(), w.combination, w.slot)
    else {
        return show(bot, ctx, s, dialogue, Wizard { at: WizardStep::Category, ..w }, None).await;
    };
    let choices = Choices { campaign_id: w.campaign_id, category_id, test_language, combination_id, slot_id };
    let text = match booking::confirm(ctx, s.user_id, &choices).await? {
        Booking::Booked { application_id, payment_deadline } => {
            let campaign = campaigns::by_id(&ctx.db, w.campaign_id).await?;
            let fee = campaign.as_ref().map(|c| c.fee_tenge).unwrap_or_default();
            let minutes = campaign.as_ref().map(|c| c.payment_window_minutes).unwrap_or_default();
            let args = [
                ("id", application_id.into()),
                ("minutes", minutes.into()),
                ("deadline", format::time(payment_deadline, ctx.config.timezone).into()),
                ("fee", Money::try_from(fee).unwrap_or(Money::from_tenge(0)).to_string().into()),
            ];
            finish(bot, s, dialogue, &w, ctx.i18n.f(s.locale, "wizard-booked", &args)).await?;
            return payment::offer(bot, ctx, s, application_id).await;
        }
        Booking::SlotFull => {
            let notice = ctx.i18n.t(s.locale, "wizard-slot-taken");
            let next = Wizard { at: WizardStep::Time, slot: None, page: 0, ..w };
            return show(bot, ctx, s, dialogue, next, Some(notice)).await;
        }
        Booking::Refused(refusal) => refusal_text(ctx, s.locale, &refusal),
    };
    finish(bot, s, dialogue, &w, text).await?;
    start::show_menu(bot, ctx, s, None).await
}

/// Replaces the wizard message by the outcome and leaves the wizard.
async fn finish(bot: &TgBot, s: &Session, dialogue: &Dlg, w: &Wizard, text: String) -> HandlerResult {
    dialogue.update(State::Menu).await?;
    let edited = match w.message_id {
        Some(id) => bot.edit_message_text(s.chat_id, MessageId(id), text.clone()).await.is_ok(),
        None => false,
    };
    if !edited {
        bot.send_message(s.chat_id, text).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_well_formed_buttons() {
        assert_eq!(parse("w:3:v:12"), Some((3, Action::Pick("12".into()))));
        assert_eq!(parse("w:3:v:20270111"), Some((3, Action::Pick("20270111".into()))));
        assert_eq!(parse("w:9:b"), Some((9, Action::Back)));
        assert_eq!(parse("w:9:p:2"), Some((9, Action::Page(2))));
        assert_eq!(parse("w:9:c"), Some((9, Action::Confirm)));
        assert_eq!(parse("w:x:c"), None);
        assert_eq!(parse("w:1:v:"), None);
        assert_eq!(parse("w:1:zz"), None);
        assert_eq!(parse("lang:kk"), None);
    }

    #[test]
    fn buttons_fit_telegram_limits() {
        let b = button("x", u64::MAX, "v:20270111");
        match b.kind {
            teloxide::types::InlineKeyboardButtonKind::CallbackData(d) => assert!(d.len() <= 64),
            _ => unreachable!(),
        }
    }
}
