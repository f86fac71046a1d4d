//! «My applications» and «Test information». Every button names the application
//! (`callback::HistoryButton`) and every action re-checks it in the database, so an old
//! button cannot do harm.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

use super::{HandlerResult, Session, payment};
use crate::bot::{TgBot, screen};
use crate::callback::{Callback, HistoryButton};
use crate::domain::ApplicationStatus;
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::catalog;
use crate::services::history::{self, Change, Withdrawal};
use crate::services::history::{ApplicationView, Editable};
use crate::services::retest;

/// How many applications a page of the list shows: three keep it within one phone screen.
const PAGE: usize = 3;

fn button(text: impl Into<String>, pressed: HistoryButton) -> InlineKeyboardButton {
    Callback::History(pressed).button(text)
}

fn status(ctx: &Ctx, l: Locale, app: &ApplicationView) -> String {
    ctx.i18n.t(l, app.status.fluent_id())
}

/// Sends the list, or replaces `message` with it.
pub async fn show_list(bot: &TgBot, ctx: &Ctx, s: &Session, message: Option<MessageId>) -> HandlerResult {
    show_list_page(bot, ctx, s, message, 0).await
}

/// A page of the list, newest first, with ◀️ ▶️ when there are more.
async fn show_list_page(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    message: Option<MessageId>,
    page: usize,
) -> HandlerResult {
    let l = s.locale;
    let apps = history::list(ctx, s.user_id).await?;
    let waiting = super::waitlist::history_note(ctx, s).await?;
    if apps.is_empty() {
        let (text, rows) = match waiting {
            Some((note, leave)) => (note, vec![vec![leave]]),
            None => (ctx.i18n.t(l, "history-empty"), vec![]),
        };
        return screen::show(bot, s, message, text, InlineKeyboardMarkup::new(rows)).await;
    }
    let tz = ctx.config.timezone;
    let mut text = ctx.i18n.t(l, "history-title");
    let mut rows = vec![];
    let pages = apps.len().div_ceil(PAGE);
    let page = page.min(pages - 1);
    for app in apps.iter().skip(page * PAGE).take(PAGE) {
        let args = [
            ("id", app.id.into()),
            ("status", status(ctx, l, app).into()),
            ("combination", app.combination.text(l).into()),
            ("language", app.language.text(l).into()),
            ("city", app.city.text(l).into()),
            ("when", format::date_time(app.starts_at, tz, l).into()),
        ];
        text.push_str("\n\n");
        text.push_str(&ctx.i18n.f(l, "history-item", &args));
        rows.push(vec![button(
            ctx.i18n.f(l, "history-open", &[("id", app.id.into())]),
            HistoryButton::View(app.id),
        )]);
    }
    if let Some((note, leave)) = waiting {
        text.push_str("\n\n");
        text.push_str(&note);
        rows.push(vec![leave]);
    }
    let mut nav = vec![];
    if page > 0 {
        nav.push(button(ctx.i18n.t(l, "wizard-prev-page"), HistoryButton::List { page: page - 1 }));
    }
    if page + 1 < pages {
        nav.push(button(ctx.i18n.t(l, "wizard-next-page"), HistoryButton::List { page: page + 1 }));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    screen::show(bot, s, message, text, InlineKeyboardMarkup::new(rows)).await
}

fn details_text(ctx: &Ctx, l: Locale, app: &ApplicationView, category: &str) -> String {
    let tz = ctx.config.timezone;
    let now = ctx.clock.now();
    let args = [
        ("id", app.id.into()),
        ("status", status(ctx, l, app).into()),
        ("campaign", app.campaign.text(l).into()),
        ("category", category.to_string().into()),
        ("language", app.language.text(l).into()),
        ("combination", app.combination.text(l).into()),
        ("city", app.city.text(l).into()),
        ("venue", app.venue.text(l).into()),
        ("address", app.address.text(l).into()),
        ("when", format::date_time(app.starts_at, tz, l).into()),
    ];
    let mut text = ctx.i18n.f(l, "history-details", &args);
    let closed = app.database_closed_at.is_some_and(|t| t <= now);
    match app.status {
        ApplicationStatus::AwaitingPayment => {
            let deadline = format::time(app.payment_deadline, tz);
            text.push_str(&format!(
                "\n\n{}",
                ctx.i18n.f(l, "history-deadline", &[("deadline", deadline.into())])
            ));
        }
        ApplicationStatus::Paid if closed => {
            text.push_str(&format!("\n\n{}", ctx.i18n.t(l, "history-db-closed-note")))
        }
        ApplicationStatus::Paid => text.push_str(&format!("\n\n{}", ctx.i18n.t(l, "history-fixed-place"))),
        _ => {}
    }
    text
}

fn details_keyboard(ctx: &Ctx, l: Locale, app: &ApplicationView) -> InlineKeyboardMarkup {
    let t = |id: &str| ctx.i18n.t(l, id);
    let id = app.id;
    let closed = app.database_closed_at.is_some_and(|t| t <= ctx.clock.now());
    let mut rows = vec![];
    match app.status {
        ApplicationStatus::AwaitingPayment => {
            rows.push(vec![button(t("history-pay"), HistoryButton::Pay(id))]);
            rows.push(vec![button(t("history-cancel"), HistoryButton::Cancel(id))]);
        }
        ApplicationStatus::Paid => {
            if !closed {
                rows.push(vec![button(t("history-edit-language"), HistoryButton::EditLanguage(id))]);
                rows.push(vec![button(t("history-edit-combination"), HistoryButton::EditCombination(id))]);
            }
            if app.status.can_withdraw(ctx.clock.now(), app.starts_at) {
                rows.push(vec![button(t("history-withdraw"), HistoryButton::Withdraw(id))]);
            }
        }
        _ => {}
    }
    rows.push(vec![button(t("history-back"), HistoryButton::List { page: 0 })]);
    InlineKeyboardMarkup::new(rows)
}

async fn show_details(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    message: Option<MessageId>,
    app: &ApplicationView,
    notice: Option<String>,
) -> HandlerResult {
    // The short label: the full wording would push the details past one screen.
    let category = match catalog::application_category(ctx, app.id).await? {
        Some(c) => format::capitalize(c.short(s.locale)),
        None => format::capitalize(app.category.text(s.locale)),
    };
    let mut text = details_text(ctx, s.locale, app, &category);
    if let Some(n) = notice {
        text = format!("{n}\n\n{text}");
    }
    let mut keyboard = details_keyboard(ctx, s.locale, app);
    if app.status == ApplicationStatus::NoShow
        && let Some(offer) = retest::offer(ctx, s.user_id, app.id).await?
    {
        if offer == retest::Offer::Allowed {
            keyboard.inline_keyboard.insert(0, vec![super::retest::offer_button(ctx, s.locale, app.id)]);
        }
        if let Some(note) = super::retest::status_note(ctx, s.locale, offer) {
            text = format!("{text}\n\n{note}");
        }
    }
    screen::show(bot, s, message, text, keyboard).await
}

pub async fn on_button(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    pressed: HistoryButton,
    q: CallbackQuery,
) -> HandlerResult {
    let l = s.locale;
    let message = q.regular_message().map(|m| m.id);
    let id = match pressed {
        HistoryButton::List { page } => {
            bot.answer_callback_query(q.id).await?;
            return show_list_page(&bot, &ctx, &s, message, page).await;
        }
        HistoryButton::View(id)
        | HistoryButton::Pay(id)
        | HistoryButton::Cancel(id)
        | HistoryButton::CancelConfirmed(id)
        | HistoryButton::EditLanguage(id)
        | HistoryButton::EditCombination(id)
        | HistoryButton::SetLanguage(id, _)
        | HistoryButton::SetCombination(id, _)
        | HistoryButton::Withdraw(id)
        | HistoryButton::WithdrawConfirmed(id) => id,
    };
    let Some(app) = history::get(&ctx, s.user_id, id).await? else {
        bot.answer_callback_query(q.id).text(ctx.i18n.t(l, "history-gone")).await?;
        return Ok(());
    };
    let t = |id: &str| ctx.i18n.t(l, id);
    let not_allowed = |app: ApplicationView| {
        let bot = bot.clone();
        let ctx = ctx.clone();
        let s = s.clone();
        let q = q.clone();
        async move {
            bot.answer_callback_query(q.id).text(ctx.i18n.t(s.locale, "history-not-allowed")).await?;
            show_details(&bot, &ctx, &s, message, &app, None).await
        }
    };
    match pressed {
        HistoryButton::View(_) => {
            bot.answer_callback_query(q.id.clone()).await?;
            show_details(&bot, &ctx, &s, message, &app, None).await
        }
        HistoryButton::Pay(_) if app.status.can_pay() => {
            bot.answer_callback_query(q.id.clone()).await?;
            payment::offer(&bot, &ctx, &s, app.id).await
        }
        HistoryButton::Cancel(_) if app.status.can_pay() => {
            bot.answer_callback_query(q.id.clone()).await?;
            let keyboard = InlineKeyboardMarkup::new([[
                button(t("history-cancel-yes"), HistoryButton::CancelConfirmed(id)),
                button(t("history-keep"), HistoryButton::View(id)),
            ]]);
            screen::show(&bot, &s, message, t("history-cancel-ask"), keyboard).await
        }
        HistoryButton::CancelConfirmed(_) => {
            if !history::cancel_unpaid(&ctx, s.user_id, id).await? {
                return not_allowed(app).await;
            }
            bot.answer_callback_query(q.id.clone()).await?;
            let text = ctx.i18n.f(l, "history-cancelled", &[("id", id.into())]);
            screen::show(&bot, &s, message, text, back_to_list(&ctx, l)).await
        }
        // An edit button shown before /closedb: refused at the first press, not after the
        // applicant has picked from a list he may no longer use.
        HistoryButton::EditLanguage(_) | HistoryButton::EditCombination(_)
            if app.status == ApplicationStatus::Paid
                && app.database_closed_at.is_some_and(|t| t <= ctx.clock.now()) =>
        {
            bot.answer_callback_query(q.id.clone()).text(t("history-edit-closed")).await?;
            show_details(&bot, &ctx, &s, message, &app, Some(t("history-edit-closed"))).await
        }
        HistoryButton::EditLanguage(_) | HistoryButton::EditCombination(_)
            if app.status == ApplicationStatus::Paid =>
        {
            bot.answer_callback_query(q.id.clone()).await?;
            let (prompt, rows) = if matches!(pressed, HistoryButton::EditLanguage(_)) {
                let cat = catalog::get(&ctx).await?;
                let rows: Vec<_> = cat
                    .test_languages
                    .iter()
                    .map(|o| {
                        let mark = if o.id == app.language_code { "✓ " } else { "" };
                        vec![button(
                            format!("{mark}{}", o.name(l)),
                            HistoryButton::SetLanguage(id, o.id.clone()),
                        )]
                    })
                    .collect();
                (t("history-choose-language"), rows)
            } else {
                let cat = catalog::get(&ctx).await?;
                let rows: Vec<_> = cat
                    .combinations
                    .iter()
                    .map(|o| {
                        let mark = if o.id == app.combination_id { "✓ " } else { "" };
                        vec![button(format!("{mark}{}", o.name(l)), HistoryButton::SetCombination(id, o.id))]
                    })
                    .collect();
                (t("history-choose-combination"), rows)
            };
            let mut rows = rows;
            rows.push(vec![button(t("history-keep"), HistoryButton::View(id))]);
            screen::show(&bot, &s, message, prompt, InlineKeyboardMarkup::new(rows)).await
        }
        HistoryButton::SetLanguage(..) | HistoryButton::SetCombination(..) => {
            let (field, value) = match &pressed {
                HistoryButton::SetLanguage(_, code) => (Editable::TestLanguage, code.clone()),
                HistoryButton::SetCombination(_, combination) => {
                    (Editable::Combination, combination.to_string())
                }
                _ => return not_allowed(app).await,
            };
            match history::change(&ctx, s.user_id, id, field, &value).await? {
                Change::Done => {
                    bot.answer_callback_query(q.id.clone()).await?;
                    let fresh = history::get(&ctx, s.user_id, id).await?.unwrap_or(app);
                    let (key, shown) = match field {
                        Editable::TestLanguage => ("history-language-changed", fresh.language.text(l)),
                        Editable::Combination => ("history-combination-changed", fresh.combination.text(l)),
                    };
                    let notice = ctx.i18n.f(l, key, &[("value", shown.into())]);
                    show_details(&bot, &ctx, &s, message, &fresh, Some(notice)).await
                }
                Change::DatabaseClosed => {
                    bot.answer_callback_query(q.id.clone()).text(t("history-edit-closed")).await?;
                    show_details(&bot, &ctx, &s, message, &app, Some(t("history-edit-closed"))).await
                }
                Change::NotAllowed => not_allowed(app).await,
            }
        }
        HistoryButton::Withdraw(_) if app.status.can_withdraw(ctx.clock.now(), app.starts_at) => {
            bot.answer_callback_query(q.id.clone()).await?;
            let closed = app.database_closed_at.is_some_and(|t| t <= ctx.clock.now());
            let text = if closed {
                t("history-withdraw-ask-no-refund")
            } else {
                let fee = app.fee.to_string();
                let args = [("fee", fee.into()), ("email", ctx.config.payments.refund_email.as_str().into())];
                ctx.i18n.f(l, "history-withdraw-ask-refund", &args)
            };
            let keyboard = InlineKeyboardMarkup::new([[
                button(t("history-withdraw-yes"), HistoryButton::WithdrawConfirmed(id)),
                button(t("history-keep"), HistoryButton::View(id)),
            ]]);
            screen::show(&bot, &s, message, text, keyboard).await
        }
        HistoryButton::WithdrawConfirmed(_) => match history::withdraw(&ctx, s.user_id, l, id).await? {
            Withdrawal::Withdrawn { refundable } => {
                bot.answer_callback_query(q.id.clone()).await?;
                let text = history::withdrawn_text(&ctx, l, id, refundable);
                screen::show(&bot, &s, message, text, back_to_list(&ctx, l)).await
            }
            Withdrawal::NotAllowed => not_allowed(app).await,
        },
        _ => not_allowed(app).await,
    }
}

fn back_to_list(ctx: &Ctx, l: Locale) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[button(ctx.i18n.t(l, "history-back"), HistoryButton::List { page: 0 })]])
}

/// Place, time and what to bring, for every paid application.
pub async fn show_test_info(bot: &TgBot, ctx: &Ctx, s: &Session) -> HandlerResult {
    let l = s.locale;
    let tz = ctx.config.timezone;
    let paid: Vec<_> = history::list(ctx, s.user_id)
        .await?
        .into_iter()
        .filter(|a| a.status == ApplicationStatus::Paid)
        .collect();
    if paid.is_empty() {
        bot.send_message(s.chat_id, ctx.i18n.t(l, "test-info-none")).await?;
        return Ok(());
    }
    for app in paid {
        let args = [
            ("id", app.id.into()),
            ("when", format::date_time(app.starts_at, tz, l).into()),
            ("city", app.city.text(l).into()),
            ("venue", app.venue.text(l).into()),
            ("address", app.address.text(l).into()),
            ("language", app.language.text(l).into()),
            ("combination", app.combination.text(l).into()),
        ];
        let test_day = format::local_date(app.starts_at, tz);
        let under_16 = app.birth_date.is_some_and(|b| test_day.years_since(b).unwrap_or(0) < 16);
        let bring = ctx.i18n.t(l, if under_16 { "test-info-bring-under-16" } else { "test-info-bring" });
        let mut text = format!("{}\n\n{bring}", ctx.i18n.f(l, "test-info", &args));
        if retest::is_retest(ctx, app.id).await? {
            text = format!("{}\n\n{text}", ctx.i18n.t(l, "retest-test-info-paper"));
        }
        bot.send_message(s.chat_id, text).await?;
    }
    Ok(())
}
