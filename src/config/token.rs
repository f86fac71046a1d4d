//! The bot token: a secret whose `Debug` names only the bot.

/// The bot token, the key to the bot. Its `Debug` shows only the bot's id (the part before
/// the colon, which Telegram shows anyone), so no `{config:?}` can print it; there is no
/// `Display`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BotToken(String);

impl BotToken {
    pub fn new(token: impl Into<String>) -> Self {
        BotToken(token.into())
    }

    /// The token itself, for the Bot API client (and the log redaction) only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for BotToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.split_once(':') {
            _ if self.0.is_empty() => f.write_str("BotToken(\"\")"),
            Some((id, _)) if id.bytes().all(|b| b.is_ascii_digit()) => write!(f, "BotToken({id}:<redacted>)"),
            _ => f.write_str("BotToken(<redacted>)"),
        }
    }
}
