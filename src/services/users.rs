//! Telegram users: who writes to the bot, his interface language, whether he can be reached.

use crate::db::users;
use crate::i18n::Locale;
use crate::services::Ctx;

pub use crate::db::users::{StoredUser, TgUser};

/// Records the sender of an update. Nothing is written, or even read, when his row as read
/// with the claim of the update (`stored`) already says the same.
pub async fn touch(
    ctx: &Ctx,
    stored: Option<&StoredUser>,
    id: i64,
    chat_id: i64,
    first_name: &str,
    username: Option<&str>,
) -> anyhow::Result<TgUser> {
    if let Some(s) = stored
        && (s.id, s.chat_id, s.first_name.as_str(), s.username.as_deref(), s.unreachable)
            == (id, chat_id, first_name, username, false)
    {
        return Ok(TgUser { id, chat_id, locale: s.locale });
    }
    Ok(users::touch(&ctx.db, id, chat_id, first_name, username).await?)
}

pub async fn set_locale(ctx: &Ctx, id: i64, locale: Locale) -> anyhow::Result<()> {
    Ok(users::set_locale(&ctx.db, id, locale).await?)
}

pub async fn locale(ctx: &Ctx, id: i64) -> anyhow::Result<Option<Locale>> {
    Ok(users::locale(&ctx.db, id).await?)
}

/// He blocked the bot (`my_chat_member` → kicked) or unblocked it: the outbox skips him
/// while he is unreachable.
pub async fn set_reachable(ctx: &Ctx, id: i64, reachable: bool) -> anyhow::Result<()> {
    users::set_reachable(&ctx.db, id, reachable).await?;
    tracing::info!(user = id, reachable, "the user's membership in the chat changed");
    Ok(())
}
