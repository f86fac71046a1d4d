//! Staff commands. Non-staff get the ordinary unknown-command answer, so the commands are
//! not even revealed to applicants; staff get what the permission table lets their role do
//! (`StaffCommand::action`). Look-ups are in `lookup`, actions in `actions`, notices and the
//! broadcast dialogue in `broadcast`, argument parsing in `args`.

mod actions;
mod args;
mod broadcast;
mod lookup;

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::utils::command::BotCommands;

use super::state::State;
use super::{Dlg, HandlerResult, Session, start};
use crate::bot::TgBot;
use crate::domain::StaffAction;
use crate::services::Ctx;
use crate::services::staff::Role;
use crate::services::staff::{self, Access, Pick};
pub use actions::on_admin_button;
use args::NoShowArg;
pub use broadcast::{broadcast_buttons_expected, on_broadcast_button, on_broadcast_slot, on_broadcast_text};

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
pub enum StaffCommand {
    Find(String),
    Stats(String),
    Slots(String),
    Markpaid(String),
    Noshow(String),
    Withdraw(String),
    Refunds,
    Closedb(String),
    Notify(String),
    Broadcast,
    Staff(String),
    Console,
    Rebind(String),
    Retests(String),
    Latereg(String),
}

impl StaffCommand {
    /// What the command does, for the permission table. Spelled out, so a new command must
    /// name its action here.
    pub fn action(&self) -> StaffAction {
        match self {
            StaffCommand::Find(_) => StaffAction::Find,
            StaffCommand::Stats(_) => StaffAction::Stats,
            StaffCommand::Slots(_) => StaffAction::Slots,
            StaffCommand::Markpaid(_) => StaffAction::MarkPaid,
            StaffCommand::Noshow(arg) if NoShowArg::is_undo(arg) => StaffAction::UndoNoShow,
            StaffCommand::Noshow(_) => StaffAction::NoShow,
            StaffCommand::Withdraw(_) => StaffAction::Withdraw,
            StaffCommand::Refunds => StaffAction::Refunds,
            StaffCommand::Closedb(_) => StaffAction::CloseDatabase,
            StaffCommand::Notify(_) => StaffAction::Notify,
            StaffCommand::Broadcast => StaffAction::Broadcast,
            StaffCommand::Staff(_) => StaffAction::ManageStaff,
            StaffCommand::Console => StaffAction::Console,
            StaffCommand::Rebind(_) => StaffAction::Rebind,
            StaffCommand::Retests(arg) if crate::bot::retest::is_refusal(arg) => StaffAction::DecideRetest,
            StaffCommand::Retests(_) => StaffAction::Retests,
            StaffCommand::Latereg(_) => StaffAction::LateRegistration,
        }
    }
}

/// The staff commands of the chat-scoped command menu, in the order shown, with the
/// action each takes: a staff member's menu lists those his role may use.
pub const MENU: [(&str, StaffAction); 15] = [
    ("find", StaffAction::Find),
    ("stats", StaffAction::Stats),
    ("slots", StaffAction::Slots),
    ("markpaid", StaffAction::MarkPaid),
    ("noshow", StaffAction::NoShow),
    ("withdraw", StaffAction::Withdraw),
    ("refunds", StaffAction::Refunds),
    ("closedb", StaffAction::CloseDatabase),
    ("notify", StaffAction::Notify),
    ("broadcast", StaffAction::Broadcast),
    ("staff", StaffAction::ManageStaff),
    ("rebind", StaffAction::Rebind),
    ("retests", StaffAction::Retests),
    ("latereg", StaffAction::LateRegistration),
    ("console", StaffAction::Console),
];

/// The menu's commands a role may use.
pub fn menu(role: Role) -> impl Iterator<Item = &'static str> {
    MENU.into_iter().filter(move |(_, action)| role.may(*action)).map(|(name, _)| name)
}

pub fn commands() -> UpdateHandler<anyhow::Error> {
    teloxide::filter_command::<StaffCommand, _>().endpoint(on_command)
}

async fn on_command(bot: TgBot, ctx: Ctx, s: Session, dialogue: Dlg, cmd: StaffCommand) -> HandlerResult {
    let role = match staff::authorize(&ctx, s.user_id, cmd.action()).await? {
        Access::NotStaff => return start::unknown_command(bot, ctx, s).await,
        Access::Denied(_) => return say(&bot, &s, ctx.i18n.t(s.locale, "staff-admin-only")).await,
        Access::Granted(role) => role,
    };
    tracing::info!(actor = s.user_id, role = role.as_str(), command = ?std::mem::discriminant(&cmd), "staff command");
    let l = s.locale;
    let t = |id: &str| ctx.i18n.t(l, id);
    match cmd {
        StaffCommand::Find(q) if q.trim().is_empty() => say(&bot, &s, t("staff-usage-find")).await,
        StaffCommand::Find(q) => lookup::find(&bot, &ctx, &s, &q).await,
        StaffCommand::Stats(code) => lookup::stats(&bot, &ctx, &s, &code).await,
        StaffCommand::Slots(code) => lookup::slots(&bot, &ctx, &s, &code).await,
        StaffCommand::Refunds => lookup::refunds(&bot, &ctx, &s).await,
        StaffCommand::Markpaid(order) => actions::markpaid(bot, ctx, s, order).await,
        StaffCommand::Noshow(arg) => actions::no_show(&bot, &ctx, &s, &arg).await,
        StaffCommand::Withdraw(arg) => actions::withdraw(&bot, &ctx, &s, &arg).await,
        StaffCommand::Closedb(code) => actions::ask_close_database(&bot, &ctx, &s, &code).await,
        StaffCommand::Staff(arg) => actions::staff_members(&bot, &ctx, &s, &arg).await,
        StaffCommand::Console => actions::console_link(&bot, &ctx, &s).await,
        StaffCommand::Rebind(arg) => actions::rebind(&bot, &ctx, &s, &arg).await,
        StaffCommand::Retests(arg) if arg.trim().is_empty() => {
            crate::bot::retest::staff_queue(&bot, &ctx, &s).await
        }
        StaffCommand::Retests(arg) => match args::application_no(&arg) {
            Some(id) => crate::bot::retest::staff_show(&bot, &ctx, &s, id).await,
            None => crate::bot::retest::staff_refuse(&bot, &ctx, &s, &arg).await,
        },
        StaffCommand::Latereg(arg) => actions::late_registration(&bot, &ctx, &s, &arg).await,
        StaffCommand::Notify(arg) => broadcast::notify(&bot, &ctx, &s, &arg).await,
        StaffCommand::Broadcast => {
            bot.send_message(s.chat_id, t("broadcast-audience"))
                .reply_markup(broadcast::audience_keyboard(&ctx, l))
                .await?;
            dialogue.update(State::BroadcastAudience).await?;
            Ok(())
        }
    }
}

pub(super) async fn say(bot: &TgBot, s: &Session, text: String) -> HandlerResult {
    bot.send_message(s.chat_id, text).await?;
    Ok(())
}

/// The campaign a command names (`/stats ent-2027-01`), or the default one; otherwise
/// tells the staff member why there is none and returns `None`.
pub(super) async fn campaign_or_say(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    code: &str,
) -> anyhow::Result<Option<crate::services::staff::Campaign>> {
    let l = s.locale;
    match staff::campaign(ctx, code).await? {
        Pick::Campaign(c) => Ok(Some(c)),
        Pick::Unknown { code, known } => {
            let args = [("code", code.into()), ("codes", known.join(", ").into())];
            say(bot, s, ctx.i18n.f(l, "staff-campaign-unknown", &args)).await?;
            Ok(None)
        }
        Pick::None => {
            say(bot, s, ctx.i18n.t(l, "apply-no-campaign")).await?;
            Ok(None)
        }
    }
}
