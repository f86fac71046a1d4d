//! «My applications» and «Test information». Buttons are `h:<verb>:<id>[:<value>]`; every
//! action re-checks the application in the database, so an old button cannot do harm.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

use super::{HandlerResult, Session, payment};
use crate::bot::TgBot;
use crate::domain::ApplicationStatus;
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::catalog;
use crate::services::history::{self, Change, Withdrawal};
use crate::services::history::{ApplicationView, Editable};

/// How many applications a page of the list shows: three keep it within one phone screen.
const PAGE: usize = 3;

fn button(text: impl Into<String>, data: String) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(text, data)
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
    if apps.is_empty() {
        return render(bot, s, message, ctx.i18n.t(l, "history-empty"), InlineKeyboardMarkup::default())
            .await;
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
            format!("h:v:{}", app.id),
        )]);
    }
    let mut nav = vec![];
    if page > 0 {
        nav.push(button(ctx.i18n.t(l, "wizard-prev-page"), format!("h:l:{}", page - 1)));
    }
    if page + 1 < pages {
        nav.push(button(ctx.i18n.t(l, "wizard-next-page"), format!("h:l:{}", page + 1)));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    render(bot, s, message, text, InlineKeyboardMarkup::new(rows)).await
}

async fn render(
    bot: &TgBot,
    s: &Session,
    message: Option<MessageId>,
    text: String,
    keyboard: InlineKeyboardMarkup,
) -> HandlerResult {
    if let Some(id) = message {
        let edited = bot.edit_message_text(s.chat_id, id, text.clone()).reply_markup(keyboard.clone()).await;
        match edited {
            Ok(_) => return Ok(()),
            Err(e) => tracing::debug!(error = %e, "history message not edited; sending a new one"),
        }
    }
    bot.send_message(s.chat_id, text).reply_markup(keyboard).await?;
    Ok(())
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
            rows.push(vec![button(t("history-pay"), format!("h:pay:{id}"))]);
            rows.push(vec![button(t("history-cancel"), format!("h:c:{id}"))]);
        }
        ApplicationStatus::Paid => {
            if !closed {
                rows.push(vec![button(t("history-edit-language"), format!("h:el:{id}"))]);
                rows.push(vec![button(t("history-edit-combination"), format!("h:ec:{id}"))]);
            }
            if app.status.can_withdraw(ctx.clock.now(), app.starts_at) {
                rows.push(vec![button(t("history-withdraw"), format!("h:w:{id}"))]);
            }
        }
        _ => {}
    }
    rows.push(vec![button(t("history-back"), "h:l:0".into())]);
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
    render(bot, s, message, text, details_keyboard(ctx, s.locale, app)).await
}

pub fn is_history_button(q: CallbackQuery) -> bool {
    q.data.as_deref().is_some_and(|d| d.starts_with("h:"))
}

/// `h:<verb>:<id>[:<value>]` → `(verb, id, value)`: an id that does not parse is -1 (no
/// application has it), a missing verb or value is empty. Public for the fuzz targets.
pub fn parse_button(data: &str) -> (&str, i64, &str) {
    let mut parts = data.split(':').skip(1);
    let verb = parts.next().unwrap_or_default();
    let id: i64 = parts.next().and_then(|x| x.parse().ok()).unwrap_or(-1);
    let value = parts.next().unwrap_or_default();
    (verb, id, value)
}

pub async fn on_button(bot: TgBot, ctx: Ctx, s: Session, q: CallbackQuery) -> HandlerResult {
    let l = s.locale;
    let data = q.data.clone().unwrap_or_default();
    let (verb, id, value) = parse_button(&data);
    let value = value.to_string();
    let message = q.regular_message().map(|m| m.id);

    if verb == "l" {
        bot.answer_callback_query(q.id).await?;
        // The list's page rides where other buttons carry the application.
        return show_list_page(&bot, &ctx, &s, message, usize::try_from(id).unwrap_or(0)).await;
    }
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
    match verb {
        "v" => {
            bot.answer_callback_query(q.id.clone()).await?;
            show_details(&bot, &ctx, &s, message, &app, None).await
        }
        "pay" if app.status.can_pay() => {
            bot.answer_callback_query(q.id.clone()).await?;
            payment::offer(&bot, &ctx, &s, app.id).await
        }
        "c" if app.status.can_pay() => {
            bot.answer_callback_query(q.id.clone()).await?;
            let keyboard = InlineKeyboardMarkup::new([[
                button(t("history-cancel-yes"), format!("h:cy:{id}")),
                button(t("history-keep"), format!("h:v:{id}")),
            ]]);
            render(&bot, &s, message, t("history-cancel-ask"), keyboard).await
        }
        "cy" => {
            if !history::cancel_unpaid(&ctx, s.user_id, id).await? {
                return not_allowed(app).await;
            }
            bot.answer_callback_query(q.id.clone()).await?;
            let text = ctx.i18n.f(l, "history-cancelled", &[("id", id.into())]);
            render(&bot, &s, message, text, back_to_list(&ctx, l)).await
        }
        // An edit button shown before /closedb: refused at the first press, not after the
        // applicant has picked from a list he may no longer use.
        "el" | "ec"
            if app.status == ApplicationStatus::Paid
                && app.database_closed_at.is_some_and(|t| t <= ctx.clock.now()) =>
        {
            bot.answer_callback_query(q.id.clone()).text(t("history-edit-closed")).await?;
            show_details(&bot, &ctx, &s, message, &app, Some(t("history-edit-closed"))).await
        }
        "el" | "ec" if app.status == ApplicationStatus::Paid => {
            bot.answer_callback_query(q.id.clone()).await?;
            let (prompt, rows) = if verb == "el" {
                let cat = catalog::get(&ctx).await?;
                let rows: Vec<_> = cat
                    .test_languages
                    .iter()
                    .map(|o| {
                        let mark = if o.id == app.language_code { "✓ " } else { "" };
                        vec![button(format!("{mark}{}", o.name(l)), format!("h:sl:{id}:{}", o.id))]
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
                        vec![button(format!("{mark}{}", o.name(l)), format!("h:sc:{id}:{}", o.id))]
                    })
                    .collect();
                (t("history-choose-combination"), rows)
            };
            let mut rows = rows;
            rows.push(vec![button(t("history-keep"), format!("h:v:{id}"))]);
            render(&bot, &s, message, prompt, InlineKeyboardMarkup::new(rows)).await
        }
        "sl" | "sc" => {
            let field = if verb == "sl" { Editable::TestLanguage } else { Editable::Combination };
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
        "w" if app.status.can_withdraw(ctx.clock.now(), app.starts_at) => {
            bot.answer_callback_query(q.id.clone()).await?;
            let closed = app.database_closed_at.is_some_and(|t| t <= ctx.clock.now());
            let text = if closed {
                t("history-withdraw-ask-no-refund")
            } else {
                let fee = app.fee.to_string();
                let args = [("fee", fee.into()), ("email", ctx.config.refund_email.as_str().into())];
                ctx.i18n.f(l, "history-withdraw-ask-refund", &args)
            };
            let keyboard = InlineKeyboardMarkup::new([[
                button(t("history-withdraw-yes"), format!("h:wy:{id}")),
                button(t("history-keep"), format!("h:v:{id}")),
            ]]);
            render(&bot, &s, message, text, keyboard).await
        }
        "wy" => match history::withdraw(&ctx, s.user_id, l, id).await? {
            Withdrawal::Withdrawn { refundable } => {
                bot.answer_callback_query(q.id.clone()).await?;
                let text = history::withdrawn_text(&ctx, l, id, refundable);
                render(&bot, &s, message, text, back_to_list(&ctx, l)).await
            }
            Withdrawal::NotAllowed => not_allowed(app).await,
        },
        _ => not_allowed(app).await,
    }
}

fn back_to_list(ctx: &Ctx, l: Locale) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[button(ctx.i18n.t(l, "history-back"), "h:l:0".into())]])
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
        bot.send_message(s.chat_id, format!("{}\n\n{bring}", ctx.i18n.f(l, "test-info", &args))).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn parses_the_buttons_it_writes() {
        assert_eq!(parse_button("h:v:17"), ("v", 17, ""));
        assert_eq!(parse_button("h:sl:17:kk"), ("sl", 17, "kk"));
        assert_eq!(parse_button("h:l:0"), ("l", 0, ""));
        assert_eq!(parse_button("h:pay:x"), ("pay", -1, ""));
        assert_eq!(parse_button("h:"), ("", -1, ""));
        assert_eq!(parse_button(""), ("", -1, ""));
    }

    proptest! {
        /// Every button `h:<verb>:<id>[:<value>]` the keyboards above write reads back whole
        /// and fits Telegram's 64 bytes.
        #[test]
        fn any_button_round_trips_within_telegram_limits(
            verb in prop::sample::select(vec!["v", "l", "pay", "c", "cy", "el", "ec", "w", "wy", "sl", "sc"]),
            id in any::<i64>(),
            value in prop_oneof![any::<i16>().prop_map(|v| v.to_string()), "[a-z]{2,8}"],
        ) {
            // Only the pickers (test language, combination) carry a value.
            let (data, value) = if matches!(verb, "sl" | "sc") {
                (format!("h:{verb}:{id}:{value}"), value.as_str())
            } else {
                (format!("h:{verb}:{id}"), "")
            };
            prop_assert!(data.len() <= 64 && data.is_ascii() && data.starts_with("h:"), "{}", data);
            prop_assert_eq!(parse_button(&data), (verb, id, value));
        }
    }
}
