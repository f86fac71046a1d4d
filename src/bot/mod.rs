//! Telegram adapter: the handler tree, dialogue state, keyboards; one file per journey.
//! A handler reads the update, calls one service, renders the answer. No SQL here.

pub mod history;
pub mod keyboards;
pub mod onboarding;
pub mod payment;
pub mod probe;
pub mod staff;
pub mod start;
pub mod state;
pub mod webhook;
pub mod wizard;

use std::ops::ControlFlow;
use std::sync::Arc;

use dptree::HandlerSignature;
use dptree::di::DependencyMap;
use teloxide::dispatching::dialogue::{Dialogue, GetChatId};
use teloxide::dispatching::{DefaultKey, Dispatcher, UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, ChatId, Update};
use teloxide::utils::command::BotCommands;

use crate::db::dialogue::PgStorage;
use crate::i18n::Locale;
use crate::services::Ctx;
use probe::UpdateProbe;
use state::State;

pub type HandlerResult = anyhow::Result<()>;
/// The bot as handlers use it: paced within Telegram's limits, and a 429 is waited out
/// and retried instead of failing the reply. (The outbox sender paces itself and uses the
/// plain `Bot`.)
pub type TgBot = teloxide::adaptors::Throttle<Bot>;
pub type Storage_ = PgStorage<State>;
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
        .branch(case![State::Start].endpoint(start::on_start))
        .branch(case![State::ChoosingLanguage].endpoint(start::language_expected))
        .branch(case![State::Menu].endpoint(start::on_menu_text))
        .branch(case![State::AskEmail].endpoint(onboarding::on_email))
        .branch(case![State::AwaitCode { email }].endpoint(onboarding::on_code))
        .branch(case![State::AskIin].endpoint(onboarding::on_iin))
        .branch(case![State::ConfirmIin { iin, name }].endpoint(onboarding::iin_expected))
        .branch(case![State::AskPhone].endpoint(onboarding::on_phone))
        .branch(case![State::Wizard(w)].endpoint(wizard::on_text))
        .branch(case![State::BroadcastAudience].endpoint(staff::broadcast_buttons_expected))
        .branch(case![State::BroadcastSlot].endpoint(staff::on_broadcast_slot))
        .branch(case![State::BroadcastText { audience }].endpoint(staff::on_broadcast_text))
        .branch(
            case![State::BroadcastConfirm { audience, text }].endpoint(staff::broadcast_buttons_expected),
        );

    let callbacks = Update::filter_callback_query()
        .branch(
            dptree::filter_map(|q: CallbackQuery| {
                q.data
                    .as_deref()
                    .and_then(|d| d.strip_prefix(keyboards::LANG_PREFIX))
                    .and_then(Locale::from_code)
            })
            .endpoint(start::on_language_chosen),
        )
        .branch(case![State::Broken].endpoint(start::recover_callback))
        .branch(dptree::filter(history::is_history_button).endpoint(history::on_button))
        .branch(dptree::filter(staff::is_admin_button).endpoint(staff::on_admin_button))
        .branch(
            dptree::filter(|q: CallbackQuery| q.data.as_deref().is_some_and(|d| d.starts_with("bc:")))
                .endpoint(staff::on_broadcast_button),
        )
        .branch(payment::callbacks())
        .branch(case![State::Wizard(w)].endpoint(wizard::on_button))
        .branch(case![State::AwaitCode { email }].endpoint(onboarding::on_code_button))
        .branch(case![State::ConfirmIin { iin, name }].endpoint(onboarding::on_iin_button))
        .endpoint(start::stale_button);

    let dialogue =
        dptree::filter_map_async(session).chain(enter_dialogue()).branch(messages).branch(callbacks);

    observed().branch(dialogue).branch(dptree::endpoint(start::unavailable))
}

/// Wraps the whole tree: records every update in the probe and, when a handler failed,
/// tells the user instead of leaving him waiting.
fn observed() -> UpdateHandler<anyhow::Error> {
    dptree::from_fn(
        |deps: DependencyMap, cont| async move {
            let update: Arc<Update> = deps.get();
            let probe: Arc<UpdateProbe> = deps.get();
            let result = cont(deps.clone()).await;
            let ok = !matches!(result, ControlFlow::Break(Err(_)));
            if let ControlFlow::Break(Err(e)) = &result {
                tracing::error!(update_id = update.id.0, error = %format!("{e:#}"), "update handler failed");
                let bot: Arc<TgBot> = deps.get();
                let ctx: Arc<Ctx> = deps.get();
                start::apologise(&bot, &ctx, &update).await;
            }
            probe.record(update.id.0, ok);
            match result {
                // The failure was logged and answered above; the dispatcher need not log it again.
                ControlFlow::Break(Err(_)) => ControlFlow::Break(Ok(())),
                other => other,
            }
        },
        HandlerSignature::Entry,
    )
}

async fn session(update: Update, ctx: Ctx) -> Option<Session> {
    let user = update.from()?;
    let chat_id = update.chat_id()?;
    let id = i64::try_from(user.id.0).ok()?;
    match crate::db::users::touch(&ctx.db, id, chat_id.0, &user.first_name, user.username.as_deref()).await {
        Ok(row) => Some(Session {
            user_id: id,
            chat_id,
            locale: row.locale.unwrap_or_else(|| Locale::guess(user.language_code.as_deref())),
            locale_chosen: row.locale.is_some(),
        }),
        Err(e) => {
            tracing::error!(error = %e, "cannot record the user; answering with an apology");
            None
        }
    }
}

/// Like teloxide's `dialogue::enter`, but a storage failure falls through to the apology
/// branch instead of dropping the update with only a log line.
fn enter_dialogue() -> UpdateHandler<anyhow::Error> {
    dptree::filter_map(|storage: Arc<Storage_>, upd: Update| upd.chat_id().map(|c| Dlg::new(storage, c)))
        .filter_map_async(|dialogue: Dlg| async move {
            match dialogue.get().await {
                Ok(state) => Some(state.unwrap_or_default()),
                Err(e) => {
                    tracing::error!(error = %e, "cannot load the dialogue state");
                    None
                }
            }
        })
}

/// The running bot, until the task is aborted: long polling, or the webhook's channel
/// when `WEBHOOK_SECRET` is set (then Telegram is told where to POST updates).
pub async fn run<L>(bot: Bot, ctx: Ctx, probe: UpdateProbe, webhook: Option<L>)
where
    L: teloxide::update_listeners::UpdateListener<Err = std::convert::Infallible> + Send,
{
    let storage = PgStorage::<State>::new(ctx.db.clone());
    let bot = throttled(bot);
    set_commands(&bot, &ctx).await;
    let mut dispatcher: Dispatcher<TgBot, anyhow::Error, DefaultKey> =
        Dispatcher::builder(bot.clone(), schema())
            .dependencies(dptree::deps![ctx.clone(), storage, probe])
            .default_handler(|_| async {})
            .build();
    let errors = LoggingErrorHandler::with_custom_text("update listener error");
    match (webhook, ctx.config.webhook_secret.clone()) {
        (Some(listener), Some(secret)) => {
            let url = ctx.config.public_url.join(webhook::PATH.trim_start_matches('/')).expect("a valid URL");
            if let Err(e) = bot.set_webhook(url.clone()).secret_token(secret).await {
                tracing::error!(error = %e, %url, "setWebhook failed; Telegram will not deliver updates");
            }
            dispatcher.dispatch_with_listener(listener, errors).await;
        }
        _ => {
            // A webhook left over from a webhook deployment would make getUpdates fail.
            if let Err(e) = bot.delete_webhook().await {
                tracing::warn!(error = %e, "deleteWebhook failed");
            }
            let listener = teloxide::update_listeners::Polling::builder(bot.clone())
                .timeout(std::time::Duration::from_secs(25))
                .build();
            dispatcher.dispatch_with_listener(listener, errors).await;
        }
    }
}

/// The command menu in each language; Telegram picks it by the client's language.
/// Telegram's documented limits, except that a private chat may get a few messages in a
/// second (a notice and the next question) without waiting.
pub fn throttled(bot: Bot) -> TgBot {
    use teloxide::adaptors::throttle::Limits;
    use teloxide::requests::RequesterExt;
    bot.throttle(Limits {
        messages_per_sec_chat: 5,
        messages_per_min_chat: 60,
        messages_per_min_channel_or_supergroup: 20,
        messages_per_sec_overall: 30,
    })
}

async fn set_commands(bot: &TgBot, ctx: &Ctx) {
    for lang in [Some("kk"), Some("ru"), None] {
        let locale = lang.and_then(Locale::from_code).unwrap_or(Locale::Kk);
        let mut req = bot.set_my_commands(command_menu(ctx, locale, false)).scope(BotCommandScope::Default);
        if let Some(lang) = lang {
            req = req.language_code(lang);
        }
        if let Err(e) = req.await {
            tracing::warn!(error = %e, "setMyCommands failed");
        }
    }
    match crate::db::staff::all(&ctx.db).await {
        Ok(staff) => {
            for (id, _) in staff {
                set_staff_commands(bot, ctx, id).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "staff command menus not set"),
    }
}

const APPLICANT_COMMANDS: [&str; 5] = ["start", "language", "email", "help", "cancel"];

fn command_menu(ctx: &Ctx, locale: Locale, staff: bool) -> Vec<BotCommand> {
    let staff_commands: &[&str] = if staff { &staff::MENU } else { &[] };
    APPLICANT_COMMANDS
        .iter()
        .chain(staff_commands)
        .map(|c| BotCommand::new(*c, ctx.i18n.t(locale, &format!("command-{c}"))))
        .collect()
}

/// The larger menu for a staff member's own chat, in both languages.
pub async fn set_staff_commands(bot: &TgBot, ctx: &Ctx, user_id: i64) {
    for lang in [Some("kk"), Some("ru"), None] {
        let locale = lang.and_then(Locale::from_code).unwrap_or(Locale::Ru);
        let scope = BotCommandScope::Chat { chat_id: teloxide::types::Recipient::Id(ChatId(user_id)) };
        let mut req = bot.set_my_commands(command_menu(ctx, locale, true)).scope(scope);
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
