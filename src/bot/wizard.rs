//! «Submit application»: category → test language → subjects → city → date → time →
//! summary → confirm, in one message edited in place. The category step can show the
//! categories' full wording (paged); the summary can show the rules, and its confirm
//! button is also the acknowledgement that they were read. Every button carries the
//! render's `seq`, so buttons from an earlier render are answered as stale.

use chrono::{Datelike, NaiveDate};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

use super::state::{State, Wizard, WizardStep};
use super::{Dlg, HandlerResult, Session, menu, payment};
use crate::bot::TgBot;
use crate::domain::Money;
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::booking::{self, Booking, Choices, Refusal};
use crate::services::catalog;

const PAGE: usize = 12;
/// The most characters a page of category details may take, so that with the step line
/// the message stays within the 600 characters a phone screen shows at once.
const DETAILS_BUDGET: usize = 560;

/// A parsed button press: `w:<seq>:<action>`.
#[derive(Debug, PartialEq)]
pub enum Action {
    Pick(String),
    Back,
    Cancel,
    Page(u16),
    /// The categories' full wording.
    Info,
    /// The rules, from the summary.
    Rules,
    /// The rules' own acknowledgement button of earlier versions: back to the summary.
    RulesAccepted,
    Confirm,
}

/// Public for the fuzz targets (`fuzz/`); the bot calls it only from here.
pub fn parse(data: &str) -> Option<(u64, Action)> {
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
        ("i", None) => Action::Info,
        ("r", None) => Action::Rules,
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
        Refusal::NoShowBan => {
            ctx.i18n.f(locale, "apply-no-show", &[("support", ctx.config.support_contact.as_str().into())])
        }
        Refusal::HoldLimit { until } => {
            let tz = ctx.config.timezone;
            let args = [
                ("date", format::day_month(format::local_date(*until, tz), locale).into()),
                ("time", format::time(*until, tz).into()),
                ("support", ctx.config.support_contact.as_str().into()),
            ];
            ctx.i18n.f(locale, "apply-hold-limit", &args)
        }
        // The menu then finds onboarding unfinished and asks for the IIN.
        Refusal::NotOnboarded => ctx.i18n.t(locale, "state-reset"),
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
    let step_args = [("n", w.at.number().into()), ("total", WizardStep::COUNT.into())];
    let step = ctx.i18n.f(s.locale, "wizard-step", &step_args);
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
    let tz = ctx.config.timezone;
    let seq = w.seq;
    let mut rows: Vec<Vec<InlineKeyboardButton>> = vec![];
    let body = match w.at {
        WizardStep::Category => {
            let categories = catalog::campaign_categories(ctx, w.campaign_id).await?;
            rows.extend(
                categories
                    .iter()
                    .map(|c| vec![button(format::capitalize(c.short(l)), seq, &format!("v:{}", c.id))]),
            );
            rows.push(vec![button(t("wizard-category-more"), seq, "i")]);
            t("wizard-category")
        }
        WizardStep::CategoryInfo => {
            let categories = catalog::campaign_categories(ctx, w.campaign_id).await?;
            let header = t("wizard-category-details");
            let items: Vec<String> = categories
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let args = [
                        ("n", (i + 1).into()),
                        ("short", format::capitalize(c.short(l)).into()),
                        ("full", format::capitalize(c.full(l)).into()),
                    ];
                    ctx.i18n.f(l, "wizard-category-item", &args)
                })
                .collect();
            let pages = pack(&header, &items, DETAILS_BUDGET);
            let page = (w.page as usize).min(pages.len().saturating_sub(1));
            let shown = pages.get(page).cloned().unwrap_or(0..0);
            let mut text = header;
            for item in &items[shown.clone()] {
                text.push_str("\n\n");
                text.push_str(item);
            }
            rows.extend(
                categories[shown]
                    .iter()
                    .map(|c| vec![button(format::capitalize(c.short(l)), seq, &format!("v:{}", c.id))]),
            );
            let mut nav = vec![];
            if page > 0 {
                nav.push(button(t("wizard-prev-page"), seq, &format!("p:{}", page - 1)));
            }
            if page + 1 < pages.len() {
                nav.push(button(t("wizard-next-page"), seq, &format!("p:{}", page + 1)));
            }
            if !nav.is_empty() {
                rows.push(nav);
            }
            text
        }
        WizardStep::Language => {
            let cat = catalog::get(ctx).await?;
            rows.extend(
                cat.test_languages.iter().map(|x| vec![button(x.name(l), seq, &format!("v:{}", x.id))]),
            );
            t("wizard-language")
        }
        WizardStep::Combination => {
            let cat = catalog::get(ctx).await?;
            rows.extend(
                cat.combinations.iter().map(|x| vec![button(x.name(l), seq, &format!("v:{}", x.id))]),
            );
            t("wizard-combination")
        }
        WizardStep::City => {
            let cities = catalog::cities_with_seats(ctx, w.campaign_id).await?;
            let buttons: Vec<_> =
                cities.iter().map(|c| button(c.name(l), seq, &format!("v:{}", c.id))).collect();
            paged(&mut rows, buttons, 2, w.page, seq, ctx, l);
            if cities.is_empty() { t("wizard-no-seats") } else { t("wizard-city") }
        }
        WizardStep::Date => {
            let city = w.city.unwrap_or_default();
            let dates = catalog::dates_with_seats(ctx, w.campaign_id, city).await?;
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
            let slots = catalog::free_slots(ctx, w.campaign_id, city, date).await?;
            for slot in &slots {
                let venue = slot.venue.text(l);
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
        WizardStep::Summary => {
            rows.push(vec![button(t("wizard-confirm"), seq, "c")]);
            rows.push(vec![button(t("wizard-rules-button"), seq, "r")]);
            let mut text = summary(ctx, l, w).await?;
            // The documents differ under 16: said here too when the summary has room.
            if under_16_on_test_day(ctx, s, w).await? {
                let note = t("wizard-under-16");
                if text.chars().count() + note.chars().count() + 20 <= 600 {
                    text.push_str("\n\n");
                    text.push_str(&note);
                }
            }
            text
        }
        WizardStep::Rules => {
            rows.push(vec![button(t("wizard-confirm"), seq, "c")]);
            let window = booking::campaign(ctx, w.campaign_id)
                .await?
                .map(|c| c.payment_window_minutes)
                .unwrap_or(ctx.config.payment_deadline_minutes as i32);
            let mut text = ctx.i18n.f(l, "wizard-rules", &[("window", window.into())]);
            if under_16_on_test_day(ctx, s, w).await? {
                text.push_str("\n\n");
                text.push_str(&t("wizard-under-16"));
            }
            text
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

/// Splits `items` into pages that fit `budget` characters with `header` above them and a
/// blank line between; an item too long for any page gets a page of its own.
fn pack(header: &str, items: &[String], budget: usize) -> Vec<std::ops::Range<usize>> {
    let mut pages = vec![];
    let (mut start, mut used) = (0, header.chars().count());
    for (i, item) in items.iter().enumerate() {
        let len = item.chars().count() + 2;
        if i > start && used + len > budget {
            pages.push(start..i);
            (start, used) = (i, header.chars().count());
        }
        used += len;
    }
    if start < items.len() || pages.is_empty() {
        pages.push(start..items.len());
    }
    pages
}

async fn city_name(ctx: &Ctx, city: i32, l: Locale) -> anyhow::Result<String> {
    Ok(catalog::get_with(ctx, |c| c.city(city).is_some()).await?.city_name(city, l))
}

async fn under_16_on_test_day(ctx: &Ctx, s: &Session, w: &Wizard) -> anyhow::Result<bool> {
    match w.slot {
        Some(slot) => booking::under_16_on_test_day(ctx, s.user_id, slot).await,
        None => Ok(false),
    }
}

async fn summary(ctx: &Ctx, l: Locale, w: &Wizard) -> anyhow::Result<String> {
    let cat = catalog::get(ctx).await?;
    let name = |x: Option<&catalog::Named<i16>>| x.map(|x| format::capitalize(x.name(l))).unwrap_or_default();
    let category = catalog::campaign_categories(ctx, w.campaign_id)
        .await?
        .into_iter()
        .find(|c| Some(c.id) == w.category)
        .map(|c| format::capitalize(c.short(l)))
        .unwrap_or_default();
    let combination = name(w.combination.and_then(|id| cat.combination(id)));
    let language = w
        .language
        .as_deref()
        .and_then(|code| cat.test_language(code))
        .map(|x| x.name(l).to_string())
        .unwrap_or_default();
    let place = match w.slot {
        Some(slot) => catalog::slot_place(ctx, slot).await?,
        None => None,
    };
    let fee = booking::fee(ctx, w.campaign_id).await?;
    let (city, venue, when) = match &place {
        Some(p) => (
            p.city.text(l).to_string(),
            p.venue.text(l).to_string(),
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

/// What `/help` says at a step: what to press, with an example.
pub fn help_id(w: &Wizard) -> &'static str {
    match w.at {
        WizardStep::Category | WizardStep::CategoryInfo => "help-wizard-category",
        WizardStep::Language => "help-wizard-language",
        WizardStep::Combination => "help-wizard-combination",
        WizardStep::City => "help-wizard-city",
        WizardStep::Date => "help-wizard-date",
        WizardStep::Time => "help-wizard-time",
        WizardStep::Summary | WizardStep::Rules => "help-wizard-summary",
    }
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
        return menu::stale_button(bot, ctx, s, q).await;
    };
    if seq != w.seq {
        return menu::stale_button(bot, ctx, s, q).await;
    }
    let mut next = w.clone();
    next.page = 0;
    match (w.at, action) {
        (_, Action::Cancel) | (WizardStep::Category, Action::Back) => {
            bot.answer_callback_query(q.id).await?;
            return cancel(&bot, &ctx, &s, &dialogue, &w).await;
        }
        (step, Action::Back) => next.at = step.previous().unwrap_or(WizardStep::Category),
        (WizardStep::City | WizardStep::Date | WizardStep::CategoryInfo, Action::Page(p)) => next.page = p,
        (WizardStep::Category, Action::Info) => next.at = WizardStep::CategoryInfo,
        (WizardStep::Category | WizardStep::CategoryInfo, Action::Pick(v)) => {
            let categories = catalog::campaign_categories(&ctx, w.campaign_id).await?;
            let Some(id) = v.parse::<i16>().ok().filter(|id| categories.iter().any(|c| c.id == *id)) else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            next.category = Some(id);
            next.at = WizardStep::Language;
        }
        (WizardStep::Language, Action::Pick(v)) => {
            if catalog::get_with(&ctx, |c| c.test_language(&v).is_some()).await?.test_language(&v).is_none() {
                return menu::stale_button(bot, ctx, s, q).await;
            }
            next.language = Some(v);
            next.at = WizardStep::Combination;
        }
        (WizardStep::Combination, Action::Pick(v)) => {
            let wanted = v.parse::<i16>().ok();
            let cat =
                catalog::get_with(&ctx, |c| wanted.is_some_and(|id| c.combination(id).is_some())).await?;
            let Some(id) = wanted.filter(|id| cat.combination(*id).is_some()) else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            next.combination = Some(id);
            next.at = WizardStep::City;
        }
        (WizardStep::City, Action::Pick(v)) => {
            let cities = catalog::cities_with_seats(&ctx, w.campaign_id).await?;
            let Some(id) = v.parse::<i32>().ok().filter(|id| cities.iter().any(|c| c.id == *id)) else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            next.city = Some(id);
            next.at = WizardStep::Date;
        }
        (WizardStep::Date, Action::Pick(v)) => {
            let Some(date) = NaiveDate::parse_from_str(&v, "%Y%m%d").ok() else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            next.date = Some(date);
            next.at = WizardStep::Time;
        }
        (WizardStep::Time, Action::Pick(v)) => {
            let (city, date) = (w.city.unwrap_or_default(), w.date.unwrap_or_default());
            let free = catalog::free_slots(&ctx, w.campaign_id, city, date).await?;
            let Some(slot) = v.parse::<i64>().ok() else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            bot.answer_callback_query(q.id).await?;
            if !free.iter().any(|x| x.id == slot) {
                let notice = ctx.i18n.t(s.locale, "wizard-slot-taken");
                return show(&bot, &ctx, &s, &dialogue, next, Some(notice)).await;
            }
            next.slot = Some(slot);
            next.at = WizardStep::Summary;
            return show(&bot, &ctx, &s, &dialogue, next, None).await;
        }
        (WizardStep::Summary, Action::Rules) => next.at = WizardStep::Rules,
        (WizardStep::Rules, Action::RulesAccepted) => next.at = WizardStep::Summary,
        (WizardStep::Summary | WizardStep::Rules, Action::Confirm) => {
            bot.answer_callback_query(q.id).await?;
            return confirm(&bot, &ctx, &s, &dialogue, w).await;
        }
        _ => return menu::stale_button(bot, ctx, s, q).await,
    }
    bot.answer_callback_query(q.id).await?;
    show(&bot, &ctx, &s, &dialogue, next, None).await
}

async fn cancel(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg, w: &Wizard) -> HandlerResult {
    if let Some(id) = w.message_id {
        let _ =
            bot.edit_message_text(s.chat_id, MessageId(id), ctx.i18n.t(s.locale, "wizard-cancelled")).await;
    }
    menu::show_menu(bot, ctx, s, None).await?;
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
            let campaign = booking::campaign(ctx, w.campaign_id).await?;
            let fee = campaign.as_ref().map(|c| c.fee_tenge).unwrap_or_default();
            let window = campaign.map(|c| c.payment_window_minutes).unwrap_or_default();
            let args = [
                ("id", application_id.into()),
                ("deadline", format::time(payment_deadline, ctx.config.timezone).into()),
                ("fee", Money::try_from(fee).unwrap_or(Money::from_tenge(0)).to_string().into()),
                ("window", window.into()),
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
    menu::show_menu(bot, ctx, s, None).await
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

    /// The action part of a button, as `view` writes it.
    fn action_code(action: &Action) -> String {
        match action {
            Action::Pick(v) => format!("v:{v}"),
            Action::Page(p) => format!("p:{p}"),
            Action::Back => "b".into(),
            Action::Cancel => "x".into(),
            Action::Info => "i".into(),
            Action::Rules => "r".into(),
            Action::RulesAccepted => "ok".into(),
            Action::Confirm => "c".into(),
        }
    }

    fn data_of(b: InlineKeyboardButton) -> String {
        match b.kind {
            teloxide::types::InlineKeyboardButtonKind::CallbackData(d) => d,
            other => panic!("not a callback button: {other:?}"),
        }
    }

    /// What the buttons carry: category, combination, city and slot ids, test-language
    /// codes, dates as `YYYYMMDD`, pages.
    fn any_action() -> impl proptest::strategy::Strategy<Value = Action> {
        use proptest::prelude::*;
        prop_oneof![
            any::<i64>().prop_map(|id| Action::Pick(id.to_string())),
            (1000u32..=9999, 1u32..=12, 1u32..=31)
                .prop_map(|(y, m, d)| Action::Pick(format!("{y:04}{m:02}{d:02}"))),
            "[a-z]{2,8}".prop_map(Action::Pick),
            any::<u16>().prop_map(Action::Page),
            (0u8..6).prop_map(|i| match i {
                0 => Action::Back,
                1 => Action::Cancel,
                2 => Action::Info,
                3 => Action::Rules,
                4 => Action::RulesAccepted,
                _ => Action::Confirm,
            }),
        ]
    }

    proptest::proptest! {
        #[test]
        fn any_button_round_trips_within_telegram_limits(
            seq in proptest::num::u64::ANY,
            action in any_action(),
        ) {
            let data = data_of(button("x", seq, &action_code(&action)));
            proptest::prop_assert!(data.len() <= 64 && data.is_ascii(), "{}", data);
            proptest::prop_assert_eq!(parse(&data), Some((seq, action)));
        }
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
