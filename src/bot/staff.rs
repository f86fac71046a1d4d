//! Staff commands: `/find`, `/stats`, `/slots`, `/markpaid`, `/noshow`, `/closedb`,
//! `/notify`, `/broadcast`, `/staff`. Non-staff get the ordinary unknown-command answer, so the
//! commands are not even revealed to applicants.

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::command::BotCommands;

use super::state::State;
use super::{Dlg, HandlerResult, Session, menu, start};
use crate::bot::TgBot;
use crate::domain::{ApplicationStatus, Money, StaffAction};
use crate::format;
use crate::i18n::Locale;
use crate::payments::PayOutcome;
use crate::services::Ctx;
use crate::services::catalog;
use crate::services::console;
use crate::services::history::{self, Withdrawal};
use crate::services::notifications;
use crate::services::notifications::Audience;
use crate::services::payments as payment_service;
use crate::services::staff::Role;
use crate::services::staff::{self, Access, NoShow, Pick};

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
            StaffCommand::Noshow(arg) if arg.split_whitespace().next() == Some("undo") => {
                StaffAction::UndoNoShow
            }
            StaffCommand::Noshow(_) => StaffAction::NoShow,
            StaffCommand::Withdraw(_) => StaffAction::Withdraw,
            StaffCommand::Refunds => StaffAction::Refunds,
            StaffCommand::Closedb(_) => StaffAction::CloseDatabase,
            StaffCommand::Notify(_) => StaffAction::Notify,
            StaffCommand::Broadcast => StaffAction::Broadcast,
            StaffCommand::Staff(_) => StaffAction::ManageStaff,
            StaffCommand::Console => StaffAction::Console,
            StaffCommand::Rebind(_) => StaffAction::Rebind,
        }
    }
}

/// The staff commands of the chat-scoped command menu, in the order shown, with the
/// action each takes: a staff member's menu lists those his role may use.
pub const MENU: [(&str, StaffAction); 13] = [
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
        StaffCommand::Find(q) => find(&bot, &ctx, &s, &q).await,
        StaffCommand::Stats(code) => stats(&bot, &ctx, &s, &code).await,
        StaffCommand::Slots(code) => slots(&bot, &ctx, &s, &code).await,
        StaffCommand::Markpaid(order) => markpaid(bot, ctx, s, order).await,
        StaffCommand::Refunds => refunds(&bot, &ctx, &s).await,
        StaffCommand::Noshow(arg) => no_show(&bot, &ctx, &s, &arg).await,
        StaffCommand::Withdraw(arg) => withdraw(&bot, &ctx, &s, &arg).await,
        StaffCommand::Closedb(code) => {
            let Some(campaign) = campaign_or_say(&bot, &ctx, &s, &code).await? else {
                return Ok(());
            };
            let name = campaign.name.get(l).clone();
            let keyboard = InlineKeyboardMarkup::new([[
                InlineKeyboardButton::callback(
                    t("staff-closedb-yes"),
                    format!("adm:closedb:{}", campaign.id),
                ),
                InlineKeyboardButton::callback(t("staff-closedb-no"), "adm:no".to_string()),
            ]]);
            let text = ctx.i18n.f(l, "staff-closedb-ask", &[("campaign", name.into())]);
            bot.send_message(s.chat_id, text).reply_markup(keyboard).await?;
            Ok(())
        }
        StaffCommand::Notify(arg) => notify(&bot, &ctx, &s, &arg).await,
        StaffCommand::Broadcast => {
            bot.send_message(s.chat_id, t("broadcast-audience"))
                .reply_markup(audience_keyboard(&ctx, l))
                .await?;
            dialogue.update(State::BroadcastAudience).await?;
            Ok(())
        }
        StaffCommand::Staff(arg) => staff_members(&bot, &ctx, &s, &arg).await,
        StaffCommand::Console => console_link(&bot, &ctx, &s).await,
        StaffCommand::Rebind(arg) => rebind(&bot, &ctx, &s, &arg).await,
    }
}

/// `/rebind <IIN> <telegram id>` (admins): support's re-bind, the same use case as the
/// console's.
async fn rebind(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    use crate::services::identity::{self, Rebind};
    let l = s.locale;
    let words: Vec<&str> = arg.split_whitespace().collect();
    let (Some(iin), Some(to)) = (
        words.first().and_then(|w| crate::domain::Iin::parse(w).ok()),
        words.get(1).and_then(|w| w.parse::<i64>().ok()).filter(|_| words.len() == 2),
    ) else {
        return say(bot, s, ctx.i18n.t(l, "staff-usage-rebind")).await;
    };
    let outcome = identity::rebind(ctx, s.user_id, &iin, to).await?;
    let masked = iin.masked();
    let text = match outcome {
        Rebind::Done { from, applications, live } => {
            let from = from.map_or_else(|| "—".to_string(), |f| f.to_string());
            let args = [
                ("iin", masked.into()),
                ("from", from.into()),
                ("to", to.into()),
                ("applications", applications.into()),
                ("live", live.into()),
            ];
            ctx.i18n.f(l, "staff-rebind-done", &args)
        }
        Rebind::Forbidden => ctx.i18n.t(l, "staff-admin-only"),
        Rebind::NotInRegistry => ctx.i18n.t(l, "staff-rebind-not-in-registry"),
        Rebind::UnknownAccount => ctx.i18n.f(l, "staff-rebind-unknown-account", &[("to", to.into())]),
        Rebind::AlreadyHolder => ctx.i18n.f(l, "staff-rebind-already", &[("to", to.into())]),
        Rebind::HoldsAnother => ctx.i18n.f(l, "staff-rebind-holds-another", &[("to", to.into())]),
        Rebind::Conflict => ctx.i18n.t(l, "staff-rebind-conflict"),
    };
    say(bot, s, text).await
}

/// `/noshow <id>` after the test has begun; `/noshow undo <id>` (admins) takes it back.
async fn no_show(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    let l = s.locale;
    let (undo, id) = match arg.split_whitespace().collect::<Vec<_>>().as_slice() {
        [id] => (false, id.trim_start_matches('№').parse::<i64>()),
        ["undo", id] => (true, id.trim_start_matches('№').parse::<i64>()),
        _ => return say(bot, s, ctx.i18n.t(l, "staff-usage-noshow")).await,
    };
    let Ok(id) = id else {
        return say(bot, s, ctx.i18n.t(l, "staff-usage-noshow")).await;
    };
    // The role was checked for the action the arguments name (`StaffCommand::action`).
    let key = if undo {
        if staff::undo_no_show(ctx, s.user_id, id).await? {
            "staff-noshow-undone"
        } else {
            "staff-noshow-undo-refused"
        }
    } else {
        match staff::no_show(ctx, s.user_id, id).await? {
            NoShow::Marked => "staff-noshow-done",
            NoShow::TooEarly => "staff-noshow-too-early",
            NoShow::NotPaid => "staff-noshow-refused",
        }
    };
    say(bot, s, ctx.i18n.f(l, key, &[("id", id.into())])).await
}

/// `/withdraw <id>`: withdraws a paid application on the applicant's behalf (he asked
/// support), with the rules and the message he would get withdrawing it himself.
async fn withdraw(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    let l = s.locale;
    let Ok(id) = arg.trim().trim_start_matches('№').parse::<i64>() else {
        return say(bot, s, ctx.i18n.t(l, "staff-usage-withdraw")).await;
    };
    let key = match history::withdraw_on_behalf(ctx, s.user_id, id).await? {
        Withdrawal::Withdrawn { refundable: true } => "staff-withdrawn-refund",
        Withdrawal::Withdrawn { refundable: false } => "staff-withdrawn-no-refund",
        Withdrawal::NotAllowed => "staff-withdraw-refused",
    };
    say(bot, s, ctx.i18n.f(l, key, &[("id", id.into())])).await
}

/// A one-time sign-in link to the web console, as a URL button.
async fn console_link(bot: &TgBot, ctx: &Ctx, s: &Session) -> HandlerResult {
    let l = s.locale;
    let Some(url) = console::issue_link(ctx, s.user_id).await? else {
        return say(bot, s, ctx.i18n.t(l, "unknown-command")).await;
    };
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::url(
        ctx.i18n.t(l, "staff-console-button"),
        url.parse()?,
    )]]);
    let minutes = console::LINK_VALID_MINUTES;
    let text = ctx.i18n.f(l, "staff-console-link", &[("minutes", minutes.into())]);
    bot.send_message(s.chat_id, text).reply_markup(keyboard).await?;
    Ok(())
}

async fn say(bot: &TgBot, s: &Session, text: String) -> HandlerResult {
    bot.send_message(s.chat_id, text).await?;
    Ok(())
}

/// The campaign a command names (`/stats ent-2027-01`), or the default one; otherwise
/// tells the staff member why there is none and returns `None`.
async fn campaign_or_say(
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

fn campaign_name(c: &crate::services::staff::Campaign, l: Locale) -> String {
    c.name.get(l).clone()
}

async fn find(bot: &TgBot, ctx: &Ctx, s: &Session, query: &str) -> HandlerResult {
    let l = s.locale;
    let found = staff::find(ctx, s.user_id, query).await?;
    if found.is_empty() {
        return say(bot, s, ctx.i18n.t(l, "staff-not-found")).await;
    }
    let tz = ctx.config.timezone;
    let mut blocks = vec![];
    for f in found {
        let a = &f.applicant;
        let dash = || "—".to_string();
        let mut lines = vec![ctx.i18n.f(
            l,
            "staff-find-applicant",
            &[
                ("name", a.full_name.clone().unwrap_or_else(dash).into()),
                ("iin", a.iin.clone().unwrap_or_else(dash).into()),
                ("phone", a.phone.clone().unwrap_or_else(dash).into()),
                ("email", a.email.clone().unwrap_or_else(dash).into()),
                ("tg", a.telegram_user_id.into()),
            ],
        )];
        for app in &f.applications {
            let (city, venue) = (app.city.text(l), app.venue.text(l));
            lines.push(ctx.i18n.f(
                l,
                "staff-find-application",
                &[
                    ("id", app.id.into()),
                    ("status", ctx.i18n.t(l, app.status.fluent_id()).into()),
                    ("when", format::date_time(app.starts_at, tz, l).into()),
                    ("place", format!("{city}, {venue}").into()),
                ],
            ));
        }
        for p in &f.payments {
            let amount = Money::try_from(p.amount_tenge).map(|m| m.to_string()).unwrap_or_default();
            lines.push(ctx.i18n.f(
                l,
                "staff-find-payment",
                &[
                    ("order", p.order_number.as_str().into()),
                    ("method", ctx.i18n.t(l, &format!("payment-method-{}", p.method.code())).into()),
                    ("amount", amount.into()),
                    ("status", ctx.i18n.t(l, p.status.fluent_id()).into()),
                ],
            ));
        }
        blocks.push(lines.join("\n"));
    }
    say(bot, s, truncate(blocks.join("\n\n"))).await
}

/// Telegram refuses messages over 4096 characters; a long staff answer is cut, not lost.
fn truncate(text: String) -> String {
    if text.chars().count() <= 4096 {
        return text;
    }
    let mut cut: String = text.chars().take(4090).collect();
    cut.push_str("\n…");
    cut
}

async fn stats(bot: &TgBot, ctx: &Ctx, s: &Session, code: &str) -> HandlerResult {
    let l = s.locale;
    let Some(campaign) = campaign_or_say(bot, ctx, s, code).await? else {
        return Ok(());
    };
    let st = staff::stats(ctx, &campaign).await?;
    let sum = Money::try_from(st.payments_sum).map(|m| m.to_string()).unwrap_or_default();
    let args = [
        ("campaign", campaign_name(&campaign, l).into()),
        ("awaiting", st.awaiting.into()),
        ("paid", st.paid.into()),
        ("annulled", st.annulled.into()),
        ("cancelled", st.cancelled.into()),
        ("withdrawn", st.withdrawn.into()),
        ("no_show", st.no_show.into()),
        ("booked", st.booked.into()),
        ("capacity", st.capacity.into()),
        ("payments_sum", sum.into()),
        ("refunds", st.refunds.into()),
        ("outbox", st.outbox.into()),
        ("unreachable", st.unreachable.into()),
        ("inbox", st.inbox.into()),
        ("parked", st.parked.into()),
    ];
    say(bot, s, ctx.i18n.f(l, "staff-stats", &args)).await
}

/// Money owed back, oldest first: when, how much, which order, why.
async fn refunds(bot: &TgBot, ctx: &Ctx, s: &Session) -> HandlerResult {
    let l = s.locale;
    let (open, total) = staff::refunds(ctx, s.user_id, 50).await?;
    if total == 0 {
        return say(bot, s, ctx.i18n.t(l, "staff-refunds-none")).await;
    }
    let tz = ctx.config.timezone;
    let mut lines = vec![ctx.i18n.f(l, "staff-refunds-title", &[("count", total.into())])];
    for r in open {
        let amount = match Money::try_from(r.amount_minor / 100) {
            Ok(m) if r.currency == "KZT" && r.amount_minor % 100 == 0 => m.to_string(),
            _ => format!("{} {}", crate::payments::amount::format_tiyn(r.amount_minor), r.currency),
        };
        let application = r.application_id.map_or_else(|| "—".to_string(), |id| format!("№{id}"));
        let args = [
            ("when", format::date_time(r.created_at, tz, l).into()),
            ("amount", amount.into()),
            ("method", r.provider.code().into()),
            ("order", r.order_number.into()),
            ("application", application.into()),
            ("reason", ctx.i18n.t(l, &format!("refund-reason-{}", r.reason)).into()),
            ("txn", r.txn_id.into()),
        ];
        lines.push(ctx.i18n.f(l, "staff-refunds-line", &args));
    }
    say(bot, s, truncate(lines.join("\n"))).await
}

async fn slots(bot: &TgBot, ctx: &Ctx, s: &Session, code: &str) -> HandlerResult {
    let l = s.locale;
    let tz = ctx.config.timezone;
    let Some(campaign) = campaign_or_say(bot, ctx, s, code).await? else {
        return Ok(());
    };
    let mut lines =
        vec![ctx.i18n.f(l, "staff-slots-title", &[("campaign", campaign_name(&campaign, l).into())])];
    for slot in staff::slots(ctx, &campaign).await? {
        let city = slot.city.get(l).clone();
        let args = [
            ("city", city.into()),
            (
                "when",
                format!(
                    "{} {}",
                    format::short_date(format::local_date(slot.starts_at, tz), l),
                    format::time(slot.starts_at, tz)
                )
                .into(),
            ),
            ("free", slot.free.into()),
            ("capacity", slot.capacity.into()),
        ];
        lines.push(format!("#{} {}", slot.id, ctx.i18n.f(l, "staff-slots-line", &args)));
    }
    say(bot, s, truncate(lines.join("\n"))).await
}

async fn notify(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    let l = s.locale;
    let usage = || ctx.i18n.t(l, "staff-usage-notify");
    let mut words = arg.trim().splitn(2, char::is_whitespace);
    let target = words.next().unwrap_or_default();
    let rest = words.next().unwrap_or_default().trim();
    let mut named = None;
    let (audience, text) = match target {
        "all" if rest.is_empty() => return say(bot, s, usage()).await,
        "all" => match campaign_or_say(bot, ctx, s, "").await? {
            Some(c) => {
                let audience = Audience::PaidCampaign { campaign_id: c.id };
                named = Some(campaign_name(&c, l));
                (audience, rest)
            }
            None => return Ok(()),
        },
        "slot" | "venue" => {
            let mut more = rest.splitn(2, char::is_whitespace);
            let key = more.next().unwrap_or_default();
            let text = more.next().unwrap_or_default().trim();
            if text.is_empty() {
                return say(bot, s, usage()).await;
            }
            let audience = if target == "slot" {
                match key.trim_start_matches('#').parse::<i64>() {
                    Ok(slot_id) => Audience::PaidSlot { slot_id },
                    Err(_) => return say(bot, s, usage()).await,
                }
            } else {
                match catalog::venue_id(ctx, key).await? {
                    Some(venue_id) => Audience::PaidVenue { venue_id },
                    None => return say(bot, s, ctx.i18n.t(l, "staff-not-found")).await,
                }
            };
            (audience, text)
        }
        _ => return say(bot, s, usage()).await,
    };
    if !notifications::text_fits(text) {
        let n = text.chars().count();
        return say(bot, s, ctx.i18n.f(l, "broadcast-too-long", &[("length", n.into())])).await;
    }
    let queued = notifications::notify(ctx, s.user_id, &audience, text).await?;
    let answer = match named {
        Some(campaign) => ctx.i18n.f(
            l,
            "staff-notify-queued-campaign",
            &[("count", queued.into()), ("campaign", campaign.into())],
        ),
        None => ctx.i18n.f(l, "staff-notify-queued", &[("count", queued.into())]),
    };
    say(bot, s, answer).await
}

async fn staff_members(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    let l = s.locale;
    let words: Vec<&str> = arg.split_whitespace().collect();
    match words.as_slice() {
        ["add", id, role] => match (id.parse::<i64>(), Role::parse(role)) {
            (Ok(id), Some(role)) => {
                staff::put_staff(ctx, s.user_id, id, role).await?;
                super::set_staff_commands(bot, ctx, id, role).await;
                say(bot, s, {
                    let role = ctx.i18n.t(l, &format!("staff-role-{}", role.as_str()));
                    ctx.i18n.f(l, "staff-added", &[("id", id.into()), ("role", role.into())])
                })
                .await
            }
            _ => say(bot, s, ctx.i18n.t(l, "staff-usage-staff")).await,
        },
        ["remove", id] => match id.parse::<i64>() {
            Ok(id) => {
                if staff::remove_staff(ctx, s.user_id, id).await? {
                    super::clear_staff_commands(bot, id).await;
                    say(bot, s, ctx.i18n.f(l, "staff-removed", &[("id", id.into())])).await
                } else {
                    say(bot, s, ctx.i18n.t(l, "staff-not-found")).await
                }
            }
            Err(_) => say(bot, s, ctx.i18n.t(l, "staff-usage-staff")).await,
        },
        _ => say(bot, s, ctx.i18n.t(l, "staff-usage-staff")).await,
    }
}

// ---- /closedb confirmation ----

pub fn is_admin_button(q: CallbackQuery) -> bool {
    q.data.as_deref().is_some_and(|d| d.starts_with("adm:"))
}

pub async fn on_admin_button(bot: TgBot, ctx: Ctx, s: Session, q: CallbackQuery) -> HandlerResult {
    let l = s.locale;
    let Access::Granted(_) = staff::authorize(&ctx, s.user_id, StaffAction::CloseDatabase).await? else {
        return menu::stale_button(bot, ctx, s, q).await;
    };
    bot.answer_callback_query(q.id.clone()).await?;
    let message = q.regular_message().map(|m| m.id);
    let text = match q
        .data
        .as_deref()
        .and_then(|d| d.strip_prefix("adm:closedb:"))
        .and_then(|id| id.parse::<i64>().ok())
    {
        Some(campaign_id) => {
            let name = staff::campaign_by_id(&ctx, campaign_id)
                .await?
                .map(|c| c.name.get(l).clone())
                .unwrap_or_default();
            if staff::close_database(&ctx, s.user_id, campaign_id).await? {
                ctx.i18n.f(l, "staff-closedb-done", &[("campaign", name.into())])
            } else {
                ctx.i18n.t(l, "staff-closedb-already")
            }
        }
        None => ctx.i18n.t(l, "staff-cancelled"),
    };
    match message {
        Some(id) => {
            bot.edit_message_text(s.chat_id, id, text).await?;
        }
        None => {
            bot.send_message(s.chat_id, text).await?;
        }
    }
    Ok(())
}

// ---- /broadcast ----

fn audience_keyboard(ctx: &Ctx, l: Locale) -> InlineKeyboardMarkup {
    let b = |id: &str, data: &str| vec![InlineKeyboardButton::callback(ctx.i18n.t(l, id), data.to_string())];
    InlineKeyboardMarkup::new([
        b("broadcast-all", "bc:a:all"),
        b("broadcast-campaign", "bc:a:campaign"),
        b("broadcast-status", "bc:a:status"),
        b("broadcast-city", "bc:a:city"),
        b("broadcast-venue", "bc:a:venue"),
        b("broadcast-slot", "bc:a:slot"),
        b("broadcast-cancel", "bc:x"),
    ])
}

pub async fn on_broadcast_button(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    q: CallbackQuery,
    state: State,
) -> HandlerResult {
    let l = s.locale;
    let t = |id: &str| ctx.i18n.t(l, id);
    let Access::Granted(_) = staff::authorize(&ctx, s.user_id, StaffAction::Broadcast).await? else {
        return menu::stale_button(bot, ctx, s, q).await;
    };
    let data = q.data.clone().unwrap_or_default();
    let message = q.regular_message().map(|m| m.id);
    let campaign = match staff::campaign(&ctx, "").await? {
        Pick::Campaign(c) => Some(c.id),
        Pick::Unknown { .. } | Pick::None => None,
    };
    let edit = |text: String, keyboard: Option<InlineKeyboardMarkup>| {
        let bot = bot.clone();
        async move {
            if let Some(id) = message {
                let req = bot.edit_message_text(s.chat_id, id, text);
                match keyboard {
                    Some(k) => req.reply_markup(k).await?,
                    None => req.await?,
                };
            }
            anyhow::Ok(())
        }
    };
    if data == "bc:x" {
        bot.answer_callback_query(q.id).await?;
        edit(t("staff-cancelled"), None).await?;
        dialogue.update(State::Menu).await?;
        return Ok(());
    }
    match (&state, data.as_str()) {
        (State::BroadcastAudience, "bc:a:all" | "bc:a:campaign") => {
            let kind = data.trim_start_matches("bc:a:");
            match notifications::audience(kind, None, campaign) {
                Some(audience) => ask_text(&bot, &ctx, &s, &dialogue, audience).await?,
                None => say(&bot, &s, t("apply-no-campaign")).await?,
            }
        }
        (State::BroadcastAudience, "bc:a:slot") => {
            say(&bot, &s, t("broadcast-slot-ask")).await?;
            dialogue.update(State::BroadcastSlot).await?;
        }
        (State::BroadcastAudience, "bc:a:status" | "bc:a:city" | "bc:a:venue") => {
            let rows: Vec<Vec<InlineKeyboardButton>> = match data.as_str() {
                "bc:a:status" => ApplicationStatus::ALL
                    .iter()
                    .map(|st| vec![InlineKeyboardButton::callback(t(st.fluent_id()), format!("bc:s:{st}"))])
                    .collect(),
                "bc:a:city" => catalog::get(&ctx)
                    .await?
                    .cities
                    .iter()
                    .map(|c| vec![InlineKeyboardButton::callback(c.name(l), format!("bc:c:{}", c.id))])
                    .collect(),
                _ => catalog::get(&ctx)
                    .await?
                    .venues
                    .iter()
                    .map(|v| vec![InlineKeyboardButton::callback(v.name(l), format!("bc:v:{}", v.id))])
                    .collect(),
            };
            edit(t("broadcast-choose"), Some(InlineKeyboardMarkup::new(rows))).await?;
        }
        (State::BroadcastAudience, d)
            if d.starts_with("bc:s:") || d.starts_with("bc:c:") || d.starts_with("bc:v:") =>
        {
            let (kind, value) = match d.split_at(5) {
                ("bc:s:", v) => ("status", v),
                ("bc:c:", v) => ("city", v),
                (_, v) => ("venue", v),
            };
            // Checked like the console's form: a forged status or id reaches nobody.
            match notifications::audience(kind, Some(value), campaign) {
                Some(audience) => ask_text(&bot, &ctx, &s, &dialogue, audience).await?,
                None => return menu::stale_button(bot, ctx, s, q).await,
            }
        }
        (State::BroadcastConfirm { audience, text }, "bc:send") => {
            // One broadcast per preview, even if this update is handled again after a crash
            // that lost the state change below.
            let key = match message {
                Some(m) => format!("tg:{}:{}", s.chat_id.0, m.0),
                None => format!("tg:cb:{}", q.id),
            };
            bot.answer_callback_query(q.id).await?;
            dialogue.update(State::Menu).await?;
            let progress = message.map(|m| (s.chat_id.0, m.0));
            let (id, total, started) =
                notifications::broadcast_once(&ctx, s.user_id, &key, audience, text, progress).await?;
            if !started {
                // Its progress is in the message already.
                return Ok(());
            }
            let args = [
                ("id", id.into()),
                ("sent", 0.into()),
                ("total", total.into()),
                ("failed", 0.into()),
                ("unreachable", 0.into()),
            ];
            edit(ctx.i18n.f(l, "broadcast-progress", &args), None).await?;
            return Ok(());
        }
        _ => return menu::stale_button(bot, ctx, s, q).await,
    }
    bot.answer_callback_query(q.id).await?;
    Ok(())
}

async fn ask_text(bot: &TgBot, ctx: &Ctx, s: &Session, dialogue: &Dlg, audience: Audience) -> HandlerResult {
    say(bot, s, ctx.i18n.t(s.locale, "broadcast-text-ask")).await?;
    dialogue.update(State::BroadcastText { audience }).await?;
    Ok(())
}

pub async fn on_broadcast_slot(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    msg: Message,
) -> HandlerResult {
    match msg.text().map(|t| t.trim().trim_start_matches('#')).and_then(|t| t.parse::<i64>().ok()) {
        Some(slot_id) => ask_text(&bot, &ctx, &s, &dialogue, Audience::Slot { slot_id }).await,
        None => say(&bot, &s, ctx.i18n.t(s.locale, "broadcast-slot-ask")).await,
    }
}

pub async fn on_broadcast_text(
    bot: TgBot,
    ctx: Ctx,
    s: Session,
    dialogue: Dlg,
    audience: Audience,
    msg: Message,
) -> HandlerResult {
    let l = s.locale;
    let Some(text) = msg.text().map(str::trim).filter(|t| !t.is_empty()) else {
        return say(&bot, &s, ctx.i18n.t(l, "broadcast-text-ask")).await;
    };
    let length = text.chars().count();
    if !notifications::text_fits(text) {
        return say(&bot, &s, ctx.i18n.f(l, "broadcast-too-long", &[("length", length.into())])).await;
    }
    let count = notifications::audience_size(&ctx, &audience).await?;
    if count == 0 {
        say(&bot, &s, ctx.i18n.t(l, "broadcast-nobody")).await?;
        dialogue.update(State::Menu).await?;
        return Ok(());
    }
    let preview = ctx.i18n.f(l, "broadcast-preview", &[("count", count.into()), ("text", text.into())]);
    let keyboard = InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback(ctx.i18n.t(l, "broadcast-send"), "bc:send".to_string()),
        InlineKeyboardButton::callback(ctx.i18n.t(l, "broadcast-cancel"), "bc:x".to_string()),
    ]]);
    bot.send_message(s.chat_id, preview).reply_markup(keyboard).await?;
    dialogue.update(State::BroadcastConfirm { audience, text: text.to_string() }).await?;
    Ok(())
}

pub async fn broadcast_buttons_expected(bot: TgBot, ctx: Ctx, s: Session) -> HandlerResult {
    say(&bot, &s, ctx.i18n.t(s.locale, "use-buttons")).await
}

/// Payments verified by hand (a bank statement): the same apply function as the callbacks.
async fn markpaid(bot: TgBot, ctx: Ctx, s: Session, order: String) -> HandlerResult {
    let order = order.trim();
    if order.is_empty() {
        bot.send_message(s.chat_id, ctx.i18n.t(s.locale, "markpaid-usage")).await?;
        return Ok(());
    }
    let outcome = payment_service::mark_paid_by_staff(&ctx, s.user_id, order).await?;
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
