//! The dialogue state, stored as JSON in `dialogue_states`. Variants are renamed
//! explicitly so a refactor of Rust names does not orphan stored conversations.

use serde::{Deserialize, Serialize};

use crate::db::dialogue::Recoverable;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum State {
    /// Nothing stored yet: the first message starts the conversation.
    #[default]
    Start,
    ChoosingLanguage,
    Menu,
    // Onboarding (email → code → IIN → phone).
    AskEmail,
    AwaitCode {
        email: String,
    },
    AskIin,
    ConfirmIin {
        iin: String,
        name: String,
    },
    AskPhone,
    /// Stands for a stored state that no longer parses; never written on purpose.
    Broken,
}

impl Recoverable for State {
    fn unreadable() -> Self {
        State::Broken
    }
}
