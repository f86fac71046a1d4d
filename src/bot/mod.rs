//! Telegram adapter: the handler tree, dialogue state, keyboards; one file per journey.
//! A handler reads the update, calls one service, renders the answer. No SQL here.

pub mod dialogue;
pub mod history;
pub mod keyboards;
pub mod menu;
pub mod miniapp;
pub mod onboarding;
pub mod payment;
pub mod pipeline;
pub mod polling;
pub mod replies;
pub mod retest;
pub mod screen;
pub mod staff;
pub mod start;
pub mod state;
pub mod waitlist;
pub mod wizard;

use std::sync::Arc;
use std::time::Duration;

use teloxide::dispatching::dialogue::{Dialogue, GetChatId};
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, ChatId, Update};
use teloxide::utils::command::BotCommands;

use crate::callback::Callback;
use crate::config::ExposeSecret;
use crate::domain::Role;
use crate::i18n::Locale;
use crate::runtime::health::Intake;
use crate::runtime::probe::UpdateProbe;
use crate::runtime::shutdown::Shutdown;
use crate::services::Ctx;
use dialogue::UpdateStorage;
pub use replies::TgBot;
use state::State;

pub type HandlerResult = anyhow::Result<()>;
pub type Storage_ = UpdateStorage<State>;
pub type Dlg = Dialogue<State, Storage_>;

/// Who sent the update and in which language to answer; resolved once per update.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: i64,
    pub chat_id: ChatId,
    pub locale: Locale,
    /// False until the user picked a language; `locale` is then a guess.
    pub locale_chosen: bool,
}

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    Start,
    Language,
    Help,
    Cancel,
    Email,
}

pub fn schema() -> UpdateHandler<anyhow::Error> {
    use dptree::case;

    let commands = teloxide::filter_command::<Command, _>()
        .branch(case![Command::Start].endpoint(start::on_start))
        .branch(case![Command::Language].endpoint(start::on_language_command))
        .branch(case![Command::Help].endpoint(start::on_help))
        .branch(case![Command::Cancel].endpoint(start::on_cancel))
        .branch(case![Command::Email].endpoint(onboarding::on_change_email_command));

    let messages = Update::filter_message()
        .branch(case![State::Broken].endpoint(start::recover))
        .branch(commands)
        .branch(staff::commands())
        .branch(
            dptree::filter(|m: Message| m.text().is_some_and(|t| t.starts_with('/')))
                .endpoint(start::unknown_command),
        )
        .branch(dptree::filter(|m: Message| m.web_app_data().is_some()).endpoint(miniapp::on_data))
        .branch(case![State::Start].endpoint(start::on_start))
        .branch(case![State::ChoosingLanguage].endpoint(start::language_expected))
        .branch(case![State::Menu].endpoint(start::on_menu_text))
        .branch(case![State::AskEmail].endpoint(onboarding::on_email))
        .branch(case![State::AwaitCode { email }].endpoint(onboarding::on_code))
        .branch(case![State::AskIin].endpoint(onboarding::on_iin))
        .branch(case![State::ConfirmIin { iin, name }].endpoint(onboarding::iin_expected))
        .branch(case![State::AskPhone].endpoint(onboarding::on_phone))
        .branch(case![State::Wizard(w)].endpoint(wizard::on_text))
        .branch(case![State::RetestDocuments { application, reason, files }].endpoint(retest::on_message))
        .branch(case![State::BroadcastAudience].endpoint(staff::broadcast_buttons_expected))
        .branch(case![State::BroadcastSlot].endpoint(staff::on_broadcast_slot))
        .branch(case![State::BroadcastText { audience }].endpoint(staff::on_broadcast_text))
        .branch(
            case![State::BroadcastConfirm { audience, text }].endpoint(staff::broadcast_buttons_expected),
        );

    // A button whose data is no `Callback` (or whose state has moved on) reaches the
    // stale-button answer at the end.
    let pressed = || dptree::filter_map(|q: CallbackQuery| q.data?.parse::<Callback>().ok());
    let callbacks = Update::filter_callback_query()
        .branch(pressed().branch(case![Callback::Lang(locale)].endpoint(start::on_language_chosen)))
        .branch(case![State::Broken].endpoint(start::recover_callback))
        .branch(
            pressed()
                .branch(case![Callback::History(pressed)].endpoint(history::on_button))
                .branch(case![Callback::CloseDb(campaign)].endpoint(staff::on_admin_button))
                .branch(case![Callback::Broadcast(pressed)].endpoint(staff::on_broadcast_button))
                .branch(case![Callback::Pay { method, application }].endpoint(payment::on_choice))
                .branch(case![Callback::Retest(pressed)].endpoint(retest::on_button))
                .branch(case![Callback::Waitlist(pressed)].endpoint(waitlist::on_button))
                .branch(
                    case![Callback::Wizard { seq, action }]
                        .branch(case![State::Wizard(w)].endpoint(wizard::on_button)),
                )
                .branch(
                    case![Callback::Email(pressed)]
                        .branch(case![State::AwaitCode { email }].endpoint(onboarding::on_code_button)),
                )
                .branch(
                    case![Callback::Iin { yes, iin }]
                        .branch(case![State::ConfirmIin { iin, name }].endpoint(onboarding::on_iin_button)),
                )
                .branch(
                    case![Callback::Rebind(iin)]
                        .branch(case![State::AskIin].endpoint(onboarding::on_rebind_button)),
                ),
        )
        .endpoint(menu::stale_button);

    let edits = Update::filter_edited_message().endpoint(start::on_edited);

    let dialogue = dptree::filter_map_async(session)
        .chain(enter_dialogue())
        .branch(messages)
        .branch(callbacks)
        .branch(edits);

    dptree::entry().branch(dialogue).branch(dptree::endpoint(start::unavailable))
}

/// The user of the chat as the pipeline read him with the claim of the update.
#[derive(Clone, Debug)]
pub struct StoredSender(pub Option<crate::services::users::StoredUser>);

async fn session(update: Update, ctx: Ctx, stored: StoredSender) -> Option<Session> {
    let user = update.from()?;
    let chat_id = update.chat_id()?;
    let id = i64::try_from(user.id.0).ok()?;
    let (first_name, username) = (&user.first_name, user.username.as_deref());
    match crate::services::users::touch(&ctx, stored.0.as_ref(), id, chat_id.0, first_name, username).await {
        Ok(row) => Some(Session {
            user_id: id,
            chat_id,
            locale: row.locale.unwrap_or_else(|| Locale::guess(user.language_code.as_deref())),
            locale_chosen: row.locale.is_some(),
        }),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "cannot record the user; the update will be retried");
            None
        }
    }
}

/// The chat's dialogue, loaded by the pipeline with the claim.
fn enter_dialogue() -> UpdateHandler<anyhow::Error> {
    dptree::filter_map(|storage: Arc<Storage_>, upd: Update| upd.chat_id().map(|c| Dlg::new(storage, c)))
        .filter_map_async(
            |dialogue: Dlg| async move { dialogue.get().await.ok().map(Option::unwrap_or_default) },
        )
}

/// The running bot until shutdown: learns who it is (retrying while the Bot API does not
/// answer), sets the command menus, starts intake (long polling, or tells Telegram the
/// webhook) and the handling workers. Returns when they stopped; an error is fatal.
/// `/healthz` is ready only once updates can arrive (`Intake`), not merely after getMe.
pub async fn run(
    ctx: Ctx,
    bot: Bot,
    probe: UpdateProbe,
    workers: usize,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let Some(me) = patiently("getMe", &shutdown, || bot.get_me().send()).await? else {
        return Ok(());
    };
    ctx.health.set_bot_ready(true);
    tracing::info!(username = me.username(), "connected to the Bot API");
    let replies = TgBot::new(bot.clone());
    set_commands(&replies, &ctx).await;

    let mut tasks = tokio::task::JoinSet::new();
    match ctx.config.telegram.webhook_secret.clone() {
        Some(secret) => {
            let url = ctx.config.http.public_url.join(crate::config::WEBHOOK_PATH.trim_start_matches('/'))?;
            let set = || {
                bot.set_webhook(url.clone())
                    .secret_token(secret.expose_secret().to_owned())
                    .allowed_updates(polling::allowed_updates())
                    .max_connections(100)
                    .send()
            };
            ctx.health.set_intake(Intake::WebhookNotSet);
            if patiently("setWebhook", &shutdown, set).await?.is_none() {
                return Ok(());
            }
        }
        None => {
            // A webhook left over from a webhook deployment would make getUpdates fail.
            if let Err(e) = bot.delete_webhook().send().await {
                tracing::warn!(error = %e, "deleteWebhook failed");
            }
            tasks.spawn(polling::run(ctx.clone(), bot.clone(), shutdown.clone()));
        }
    }
    let pipeline = pipeline::Pipeline::new(ctx.clone(), replies, me, probe);
    for n in 0..workers.max(1) {
        let (pipeline, shutdown) = (pipeline.clone(), shutdown.clone());
        tasks.spawn(async move {
            pipeline::run_worker(pipeline, n == 0, shutdown).await;
            Ok(())
        });
    }
    if ctx.config.telegram.webhook_secret.is_some() {
        // Telegram accepted the webhook and the workers handle what it brings.
        ctx.health.set_intake(Intake::Ready);
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) if shutdown.is_triggered() => {}
            Ok(Ok(())) => anyhow::bail!("an update task stopped on its own"),
            Ok(Err(e)) => return Err(e),
            Err(e) => anyhow::bail!("an update task died: {e}"),
        }
    }
    Ok(())
}

/// Calls the Bot API until it answers: at start Telegram (or the network) may be down for
/// a while, and the bot must then start by itself. A refusal that retrying cannot change
/// (a wrong token) is an error. `None` when shutdown came first.
async fn patiently<T, F, Fut>(what: &str, shutdown: &Shutdown, mut call: F) -> anyhow::Result<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, teloxide::RequestError>>,
{
    let mut shutdown = shutdown.clone();
    let mut pause = Duration::from_millis(500);
    loop {
        match call().await {
            Ok(v) => return Ok(Some(v)),
            Err(teloxide::RequestError::Api(e @ teloxide::ApiError::InvalidToken)) => {
                anyhow::bail!("{what}: the Bot API refused the token: {e}")
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = pause.as_millis() as u64, "{what} failed; retrying")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.triggered() => return Ok(None),
        }
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}

/// The command menu in each language; Telegram picks it by the client's language.
async fn set_commands(bot: &TgBot, ctx: &Ctx) {
    for lang in [Some("kk"), Some("ru"), None] {
        let locale = lang.and_then(Locale::from_code).unwrap_or(Locale::Kk);
        let mut req = bot.set_my_commands(command_menu(ctx, locale, None)).scope(BotCommandScope::Default);
        if let Some(lang) = lang {
            req = req.language_code(lang);
        }
        if let Err(e) = req.await {
            tracing::warn!(error = %e, "setMyCommands failed");
        }
    }
    match crate::services::staff::all(ctx).await {
        Ok(staff) => {
            for (id, role) in staff {
                set_staff_commands(bot, ctx, id, role).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "staff command menus not set"),
    }
}

const APPLICANT_COMMANDS: [&str; 5] = ["start", "language", "email", "help", "cancel"];

fn command_menu(ctx: &Ctx, locale: Locale, staff: Option<Role>) -> Vec<BotCommand> {
    let staff_commands = staff.into_iter().flat_map(staff::menu);
    APPLICANT_COMMANDS
        .into_iter()
        .chain(staff_commands)
        .map(|c| BotCommand::new(c, ctx.i18n.t(locale, &format!("command-{c}"))))
        .collect()
}

/// The larger menu for a staff member's own chat, in both languages: the commands his
/// role may use.
pub async fn set_staff_commands(bot: &TgBot, ctx: &Ctx, user_id: i64, role: Role) {
    for lang in [Some("kk"), Some("ru"), None] {
        let locale = lang.and_then(Locale::from_code).unwrap_or(Locale::Ru);
        let scope = BotCommandScope::Chat { chat_id: teloxide::types::Recipient::Id(ChatId(user_id)) };
        let mut req = bot.set_my_commands(command_menu(ctx, locale, Some(role))).scope(scope);
        if let Some(lang) = lang {
            req = req.language_code(lang);
        }
        if let Err(e) = req.await {
            tracing::warn!(user = user_id, error = %e, "staff setMyCommands failed");
        }
    }
}

pub async fn clear_staff_commands(bot: &TgBot, user_id: i64) {
    for lang in [Some("kk"), Some("ru"), None] {
        let scope = BotCommandScope::Chat { chat_id: teloxide::types::Recipient::Id(ChatId(user_id)) };
        let mut req = bot.delete_my_commands().scope(scope);
        if let Some(lang) = lang {
            req = req.language_code(lang);
        }
        if let Err(e) = req.await {
            tracing::warn!(user = user_id, error = %e, "staff deleteMyCommands failed");
        }
    }
}
