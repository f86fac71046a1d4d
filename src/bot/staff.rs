//! Staff commands. Only `/markpaid` so far; the rest of the staff journey (issue 7) joins
//! it here. A user who is not staff falls through to the ordinary «unknown command».

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::utils::command::BotCommands;

use super::{HandlerResult, Session};
use crate::app::Ctx;
use crate::bot::TgBot;
use crate::payments::PayOutcome;
use crate::services::payments as service;

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
pub enum StaffCommand {
    Markpaid(String),
}

pub fn commands() -> UpdateHandler<anyhow::Error> {
    teloxide::filter_command::<StaffCommand, _>()
        .filter_async(is_staff)
        .branch(dptree::case![StaffCommand::Markpaid(order)].endpoint(markpaid))
}

async fn is_staff(ctx: Ctx, s: Session) -> bool {
    match crate::db::staff::role(&ctx.db, s.user_id).await {
        Ok(role) => role.is_some(),
        Err(e) => {
            tracing::error!(error = %e, "cannot read staff roles");
            false
        }
    }
}

async fn markpaid(bot: TgBot, ctx: Ctx, s: Session, order: String) -> HandlerResult {
    let order = order.trim();
    if order.is_empty() {
        bot.send_message(s.chat_id, ctx.i18n.t(s.locale, "markpaid-usage")).await?;
        return Ok(());
    }
    let outcome = service::mark_paid_by_staff(&ctx, s.user_id, order).await?;
    let (id, application) = match outcome {
        PayOutcome::Applied { application_id, .. } => ("markpaid-done", application_id),
        PayOutcome::Late { application_id, .. } => ("markpaid-late", application_id),
        PayOutcome::AlreadyRecorded { .. } | PayOutcome::PaidByOtherTxn { .. } => ("markpaid-already", 0),
        PayOutcome::NotFound | PayOutcome::WrongAmount { .. } => ("markpaid-not-found", 0),
    };
    let args = [("order", order.to_string().into()), ("id", application.into())];
    bot.send_message(s.chat_id, ctx.i18n.f(s.locale, id, &args)).await?;
    Ok(())
}
