//! «Submit application»: category → test language → subjects → [region →] city → date →
//! time → summary → confirm (the region only when the localities are many), in one message edited in place. The category step can show the
//! categories' full wording (paged); the summary can show the rules, and its confirm
//! button is also the acknowledgement that they were read. Every button carries the
//! render's `seq`, so buttons from an earlier render are answered as stale.

mod views;

use chrono::NaiveDate;
use teloxide::prelude::*;
use teloxide::types::MessageId;

use views::view;

use super::state::{At, Chosen, State, Subjects, Wizard, WizardStep};
use super::{Dlg, HandlerResult, Session, menu, payment};
use crate::bot::{TgBot, screen};
use crate::callback::WizardAction as Action;
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::booking::{self, Booking, Choices, Refusal};
use crate::services::catalog;

/// «Application accepted, the seat is yours until …» (`wizard-booked`, `waitlist-booked`):
/// its number, the payment deadline, and the campaign's fee and payment window.
pub fn booked_text(
    ctx: &Ctx,
    locale: Locale,
    message: &str,
    application_id: i64,
    payment_deadline: chrono::DateTime<chrono::Utc>,
    campaign: Option<booking::Campaign>,
) -> String {
    let fee = campaign.as_ref().map(|c| c.fee_tenge).unwrap_or_default();
    let window = campaign.map(|c| c.payment_window_minutes).unwrap_or_default();
    let args = [
        ("id", application_id.into()),
        ("deadline", format::time(payment_deadline, ctx.config.timezone).into()),
        ("fee", fee.to_string().into()),
        ("window", window.into()),
    ];
    ctx.i18n.f(locale, message, &args)
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
        campaign_id: campaign.id,
        page: 0,
        at: At::Category,
        by_region: catalog::asks_region(ctx, campaign.id).await?,
        region: None,
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
    let path = w.path();
    let step_args = [("n", w.at.step().number(path).into()), ("total", path.len().into())];
    let step = ctx.i18n.f(s.locale, "wizard-step", &step_args);
    let text = match notice {
        Some(n) => format!("{n}\n\n{step}\n{body}"),
        None => format!("{step}\n{body}"),
    };
    let shown = screen::present(bot, s.chat_id, w.message_id.map(MessageId), text, Some(keyboard)).await?;
    w.message_id = Some(shown.0);
    dialogue.update(State::Wizard(w)).await?;
    Ok(())
}

/// What `/help` says at a step: what to press, with an example.
pub fn help_id(w: &Wizard) -> &'static str {
    match w.at.step() {
        WizardStep::Category | WizardStep::CategoryInfo => "help-wizard-category",
        WizardStep::Language => "help-wizard-language",
        WizardStep::Combination => "help-wizard-combination",
        WizardStep::Region => "help-wizard-region",
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
    pressed: (u64, Action),
    q: CallbackQuery,
) -> HandlerResult {
    let (seq, action) = pressed;
    if seq != w.seq {
        return menu::stale_button(bot, ctx, s, q).await;
    }
    let picked = matches!(action, Action::Pick(_));
    let mut next = Wizard { page: 0, ..w.clone() };
    match (&w.at, action) {
        (_, Action::Cancel) | (At::Category, Action::Back) => {
            bot.answer_callback_query(q.id).await?;
            return cancel(&bot, &ctx, &s, &dialogue, &w).await;
        }
        (at, Action::Back) => {
            next.at = at.clone().back(w.by_region).unwrap_or(At::Category);
            if matches!(next.at, At::Region { .. }) {
                next.region = None;
            }
        }
        (At::Region { .. } | At::City { .. } | At::Date { .. } | At::CategoryInfo, Action::Page(p)) => {
            next.page = p
        }
        (At::Category, Action::Info) => next.at = At::CategoryInfo,
        (At::City { .. } | At::Date { .. } | At::Time { .. }, Action::Waitlist) => {
            bot.answer_callback_query(q.id).await?;
            return super::waitlist::open(&bot, &ctx, &s, &dialogue, &w).await;
        }
        (At::Category | At::CategoryInfo, Action::Pick(v)) => {
            let categories = catalog::campaign_categories(&ctx, w.campaign_id).await?;
            let Some(category) = v.parse::<i16>().ok().filter(|id| categories.iter().any(|c| c.id == *id))
            else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            next.at = At::Language { category };
        }
        (At::Language { category }, Action::Pick(v)) => {
            if catalog::get_with(&ctx, |c| c.test_language(&v).is_some()).await?.test_language(&v).is_none() {
                return menu::stale_button(bot, ctx, s, q).await;
            }
            next.at = At::Combination { category: *category, language: v };
        }
        (At::Combination { category, language }, Action::Pick(v)) => {
            let wanted = v.parse::<i16>().ok();
            let cat =
                catalog::get_with(&ctx, |c| wanted.is_some_and(|id| c.combination(id).is_some())).await?;
            let Some(combination) = wanted.filter(|id| cat.combination(*id).is_some()) else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            let subjects = Subjects { category: *category, language: language.clone(), combination };
            next.at = if w.by_region { At::Region { subjects } } else { At::City { subjects } };
        }
        (At::Region { subjects }, Action::Pick(v)) => {
            let regions = catalog::regions_with_seats(&ctx, w.campaign_id).await?;
            let Some(region) = v.parse::<i32>().ok().filter(|id| regions.iter().any(|r| r.id == *id)) else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            next.region = Some(region);
            next.at = At::City { subjects: subjects.clone() };
        }
        (At::City { subjects }, Action::Pick(v)) => {
            let cities = catalog::cities_with_seats_in(&ctx, w.campaign_id, w.region).await?;
            let Some(city) = v.parse::<i32>().ok().filter(|id| cities.iter().any(|c| c.id == *id)) else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            next.at = At::Date { subjects: subjects.clone(), city };
        }
        (At::Date { subjects, city }, Action::Pick(v)) => {
            let Some(date) = NaiveDate::parse_from_str(&v, "%Y%m%d").ok() else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            next.at = At::Time { subjects: subjects.clone(), city: *city, date };
        }
        (At::Time { subjects, city, date }, Action::Pick(v)) => {
            let free = catalog::free_slots(&ctx, w.campaign_id, *city, *date).await?;
            let Some(slot) = v.parse::<i64>().ok() else {
                return menu::stale_button(bot, ctx, s, q).await;
            };
            if !free.iter().any(|x| x.id == slot) {
                bot.answer_callback_query(q.id).await?;
                let notice = ctx.i18n.t(s.locale, "wizard-slot-taken");
                return show(&bot, &ctx, &s, &dialogue, next, Some(notice)).await;
            }
            next.at = At::Summary(Chosen { subjects: subjects.clone(), city: *city, date: *date, slot });
        }
        (At::Summary(chosen), Action::Rules) => next.at = At::Rules(chosen.clone()),
        (At::Rules(chosen), Action::RulesAccepted) => next.at = At::Summary(chosen.clone()),
        (At::Summary(chosen) | At::Rules(chosen), Action::Confirm) => {
            bot.answer_callback_query(q.id).await?;
            let chosen = chosen.clone();
            return confirm(&bot, &ctx, &s, &dialogue, w, chosen).await;
        }
        _ => return menu::stale_button(bot, ctx, s, q).await,
    }
    if picked {
        // Each pick adds the choice its step asks for, which leads along the path.
        debug_assert_eq!(Some(next.at.step()), w.at.step().next(w.path()));
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

async fn confirm(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    dialogue: &Dlg,
    w: Wizard,
    chosen: Chosen,
) -> HandlerResult {
    let choices = Choices {
        campaign_id: w.campaign_id,
        category_id: chosen.subjects.category,
        test_language: chosen.subjects.language.clone(),
        combination_id: chosen.subjects.combination,
        slot_id: chosen.slot,
    };
    let text = match booking::confirm(ctx, s.user_id, &choices).await? {
        Booking::Booked { application_id, payment_deadline } => {
            let campaign = booking::campaign(ctx, w.campaign_id).await?;
            let text =
                booked_text(ctx, s.locale, "wizard-booked", application_id, payment_deadline, campaign);
            finish(bot, s, dialogue, &w, text).await?;
            return payment::offer(bot, ctx, s, application_id).await;
        }
        Booking::SlotFull => {
            let notice = ctx.i18n.t(s.locale, "wizard-slot-taken");
            let Chosen { subjects, city, date, .. } = chosen;
            let next = Wizard { at: At::Time { subjects, city, date }, page: 0, ..w };
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
    screen::present(bot, s.chat_id, w.message_id.map(MessageId), text, None).await.map(drop)
}
