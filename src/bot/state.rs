//! The dialogue state, stored as JSON in `dialogue_states`. Variants are renamed
//! explicitly so a refactor of Rust names does not orphan stored conversations.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::db::dialogue::Recoverable;
use crate::db::notifications::Audience;

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
    /// Submitting an application (see `bot::wizard`).
    Wizard(Wizard),
    // Staff composing a broadcast (see `bot::staff`).
    BroadcastAudience,
    BroadcastSlot,
    BroadcastText {
        audience: Audience,
    },
    BroadcastConfirm {
        audience: Audience,
        text: String,
    },
    /// Stands for a stored state that no longer parses; never written on purpose.
    Broken,
}

impl Recoverable for State {
    fn unreadable() -> Self {
        State::Broken
    }
}

/// The application being put together, step by step, in one message edited in place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Wizard {
    /// Bumped on every render; a button carries it, so a button from an earlier render
    /// (an old message, a double tap) is recognised as stale. Starts at a value no earlier
    /// wizard in the chat used (`booking::wizard_first_seq`), so an abandoned wizard's
    /// buttons stay stale too.
    pub seq: u64,
    pub message_id: Option<i32>,
    pub at: WizardStep,
    pub campaign_id: i64,
    #[serde(default)]
    pub page: u16,
    pub category: Option<i16>,
    pub language: Option<String>,
    pub combination: Option<i16>,
    pub city: Option<i32>,
    pub date: Option<NaiveDate>,
    pub slot: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WizardStep {
    Category,
    Language,
    Combination,
    City,
    Date,
    Time,
    Rules,
    Summary,
}

impl WizardStep {
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    pub fn previous(self) -> Option<WizardStep> {
        use WizardStep::*;
        Some(match self {
            Category => return None,
            Language => Category,
            Combination => Language,
            City => Combination,
            Date => City,
            Time => Date,
            Rules => Time,
            Summary => Rules,
        })
    }
}
