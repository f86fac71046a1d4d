//! A screen the applicant steps through with buttons (the wizard, his applications, the
//! waitlist, a retest request) stays one message: a press edits it, and when it cannot be
//! edited (too old, deleted, the same text) the screen is sent anew.

use teloxide::payloads::{EditMessageTextSetters, SendMessageSetters};
use teloxide::types::{ChatId, InlineKeyboardMarkup, MessageId};

use crate::bot::{HandlerResult, Session, TgBot};

/// Shows `text` with `keyboard` in the session's chat, in `message` when it can.
pub async fn show(
    bot: &TgBot,
    s: &Session,
    message: Option<MessageId>,
    text: String,
    keyboard: InlineKeyboardMarkup,
) -> HandlerResult {
    present(bot, s.chat_id, message, text, Some(keyboard)).await.map(drop)
}

/// Shows `text` (with `keyboard`, when given) in `message`, or in a new message; returns
/// the message that shows it.
pub async fn present(
    bot: &TgBot,
    chat: ChatId,
    message: Option<MessageId>,
    text: String,
    keyboard: Option<InlineKeyboardMarkup>,
) -> anyhow::Result<MessageId> {
    if let Some(id) = message {
        let mut edit = bot.edit_message_text(chat, id, text.clone());
        if let Some(k) = &keyboard {
            edit = edit.reply_markup(k.clone());
        }
        match edit.await {
            Ok(_) => return Ok(id),
            Err(e) => tracing::debug!(error = %e, "screen not edited; sending it anew"),
        }
    }
    let mut send = bot.send_message(chat, text);
    if let Some(k) = keyboard {
        send = send.reply_markup(k);
    }
    Ok(send.await?.id)
}
