//! What a test (or a person reading a failure) sees of a chat: messages in
//! their current state, and a human-readable log of everything that happened.

/// One message of a chat as it looks now (after edits; deleted ones flagged).
#[derive(Clone, Debug)]
pub struct EmuMessage {
    pub message_id: i32,
    pub from_bot: bool,
    /// Visible text, HTML stripped and entities decoded.
    pub text: String,
    /// The HTML the bot sent, when it used `parse_mode: "HTML"`.
    pub html: Option<String>,
    pub inline_keyboard: Vec<Vec<EmuButton>>,
    /// Set when this message carried a `ReplyKeyboardMarkup`.
    pub reply_keyboard: Option<Vec<Vec<EmuReplyButton>>>,
    /// This message carried a `ReplyKeyboardRemove`.
    pub remove_keyboard: bool,
    pub edited: bool,
    pub deleted: bool,
    /// Phone and `user_id` of a shared contact.
    pub contact: Option<(String, Option<u64>)>,
    /// "text", "contact", "photo" or "sticker".
    pub kind: &'static str,
}

/// One accepted `sendMessage`, in the order the emulator accepted them (all chats).
#[derive(Clone, Debug)]
pub struct EmuSend {
    /// 0, 1, 2 … across all chats: the order of acceptance.
    pub seq: u64,
    pub chat_id: i64,
    pub message_id: i32,
    pub text: String,
    /// When it was accepted (wall clock).
    pub at: chrono::DateTime<chrono::Utc>,
    /// Sent with `allow_paid_broadcast: true`.
    pub paid_broadcast: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmuButton {
    pub text: String,
    pub callback_data: Option<String>,
    pub url: Option<String>,
    /// The Mini App a `web_app` button opens.
    pub web_app: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmuReplyButton {
    pub text: String,
    pub request_contact: bool,
}

impl EmuMessage {
    /// Every inline button's text, row by row.
    pub fn button_texts(&self) -> Vec<String> {
        self.inline_keyboard.iter().flatten().map(|b| b.text.clone()).collect()
    }

    pub fn button(&self, text: &str) -> Option<&EmuButton> {
        self.inline_keyboard.iter().flatten().find(|b| b.text == text)
    }
}

/// One line per row: `[Қазақша → lang:kk] [Сайт ↗ https://…]`.
pub fn render_inline(rows: &[Vec<EmuButton>]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|b| match (&b.callback_data, &b.url, &b.web_app) {
                    (Some(data), _, _) => format!("[{} → {data}]", b.text),
                    (None, Some(url), _) => format!("[{} ↗ {url}]", b.text),
                    (None, None, Some(app)) => format!("[{} ⧉ {app}]", b.text),
                    (None, None, None) => format!("[{}]", b.text),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub fn render_reply(rows: &[Vec<EmuReplyButton>]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|b| {
                    if b.request_contact {
                        format!("⟦{} ☎⟧", b.text)
                    } else {
                        format!("⟦{}⟧", b.text)
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Indents continuation lines so a multi-line message reads as one entry.
pub fn indent(text: &str, width: usize) -> String {
    let pad = " ".repeat(width);
    text.lines().collect::<Vec<_>>().join(&format!("\n{pad}"))
}
