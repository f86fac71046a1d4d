//! The dialogue state, stored as JSON in `dialogue_states`. Variants are renamed
//! explicitly so a refactor of Rust names does not orphan stored conversations.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::dialogue::Recoverable;
use crate::services::notifications::Audience;

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
    /// The categories' full wording, paged; part of step 1.
    CategoryInfo,
    Language,
    Combination,
    City,
    Date,
    Time,
    /// The rules, opened from the summary; part of the last step.
    Rules,
    Summary,
}

impl WizardStep {
    /// How many numbered steps the applicant goes through.
    pub const COUNT: u8 = 7;

    pub fn number(self) -> u8 {
        use WizardStep::*;
        match self {
            Category | CategoryInfo => 1,
            Language => 2,
            Combination => 3,
            City => 4,
            Date => 5,
            Time => 6,
            Summary | Rules => 7,
        }
    }

    pub fn previous(self) -> Option<WizardStep> {
        use WizardStep::*;
        Some(match self {
            Category => return None,
            CategoryInfo => Category,
            Language => Category,
            Combination => Language,
            City => Combination,
            Date => City,
            Time => Date,
            Summary => Time,
            Rules => Summary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_without_gaps_and_go_back_in_order() {
        use WizardStep::*;
        let path = [Category, Language, Combination, City, Date, Time, Summary];
        for (i, step) in path.iter().enumerate() {
            assert_eq!(step.number() as usize, i + 1);
            assert_eq!(step.previous(), i.checked_sub(1).map(|p| path[p]));
        }
        assert_eq!(path.len(), WizardStep::COUNT as usize);
        assert_eq!((CategoryInfo.number(), CategoryInfo.previous()), (1, Some(Category)));
        assert_eq!((Rules.number(), Rules.previous()), (7, Some(Summary)));
        // Stored conversations keep parsing: the names are the contract.
        assert_eq!(serde_json::to_string(&Rules).unwrap(), "\"rules\"");
        assert_eq!(serde_json::from_str::<WizardStep>("\"category_info\"").unwrap(), CategoryInfo);
    }
}
