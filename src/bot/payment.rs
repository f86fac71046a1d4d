//! Paying for a held seat: bank card link or Kaspi order number.

use teloxide::prelude::*;

use super::{HandlerResult, Session};
use crate::bot::TgBot;
use crate::payments::Method;
use crate::render::payment::{self as notices, Notice};
use crate::services::Ctx;
use crate::services::payments::{self as service, Choice, NotPayable};

/// Shown right after a seat is held (and again from «My applications»): the payment
/// options with the time left.
pub async fn offer(bot: &TgBot, ctx: &Ctx, s: &Session, application_id: i64) -> HandlerResult {
    match service::due(ctx, s.user_id, application_id).await? {
        Ok(due) => send(bot, s, notices::options(&ctx.i18n, s.locale, &due)).await,
        Err(why) => {
            bot.send_message(s.chat_id, ctx.i18n.t(s.locale, not_payable_id(why))).await?;
            Ok(())
        }
    }
}

/// The button names the application, so an old one is answered from its current status:
/// nothing is created for an application that no longer awaits payment.
pub async fn on_choice(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    q: CallbackQuery,
    choice: (Method, i64),
) -> HandlerResult {
    let (method, application_id) = choice;
    let notice = match service::choose(&ctx, s.user_id, s.locale, application_id, method).await? {
        Choice::NotPayable(why) => {
            bot.answer_callback_query(q.id).text(ctx.i18n.t(s.locale, not_payable_id(why))).await?;
            return Ok(());
        }
        Choice::Kaspi { due, order } => {
            notices::kaspi(&ctx.i18n, s.locale, &due, &order, &ctx.config.payments.kaspi_service_name)
        }
        Choice::Card { due, order, url } => notices::card(&ctx.i18n, s.locale, &due, &order, &url),
        Choice::CardUnavailable { due } => Notice {
            text: ctx.i18n.t(s.locale, "pay-card-unavailable"),
            markup: Some(notices::options_keyboard(&ctx.i18n, s.locale, &due)),
        },
    };
    bot.answer_callback_query(q.id).await?;
    send(&bot, &s, notice).await
}

fn not_payable_id(why: NotPayable) -> &'static str {
    match why {
        NotPayable::AlreadyPaid => "pay-already-paid",
        NotPayable::NotAwaiting => "pay-not-awaiting",
    }
}

async fn send(bot: &TgBot, s: &Session, notice: Notice) -> HandlerResult {
    let request = bot.send_message(s.chat_id, notice.text);
    match notice.markup {
        Some(markup) => request.reply_markup(markup).await?,
        None => request.await?,
    };
    Ok(())
}
