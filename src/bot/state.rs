//! The dialogue state, stored as JSON in `dialogue_states`. Variants are renamed
//! explicitly so a refactor of Rust names does not orphan stored conversations.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::dialogue::Recoverable;
use crate::domain::{Email, Iin, RetestFile, RetestReason};
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
        email: Email,
    },
    AskIin,
    ConfirmIin {
        iin: Iin,
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
    /// A no-show sending the documents of a retest request (see `bot::retest`).
    RetestDocuments {
        application: i64,
        reason: RetestReason,
        files: Vec<RetestFile>,
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
/// Stored in the flat shape of earlier versions (`Stored`), so conversations they saved
/// keep loading; a stored wizard whose choices do not fit its step loads as `Broken`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Stored", into = "Stored")]
pub struct Wizard {
    /// Bumped on every render; a button carries it, so a button from an earlier render
    /// (an old message, a double tap) is recognised as stale. Starts at a value no earlier
    /// wizard in the chat used (`booking::wizard_first_seq`), so an abandoned wizard's
    /// buttons stay stale too.
    pub seq: u64,
    pub message_id: Option<i32>,
    pub campaign_id: i64,
    pub page: u16,
    pub at: At,
    /// The region is asked before the locality: decided when the wizard starts (a
    /// campaign with many localities), so the step count stays the same throughout.
    pub by_region: bool,
    /// The region picked, which narrows the localities; kept while going back to them.
    pub region: Option<i32>,
}

impl Wizard {
    /// The numbered steps this wizard goes through.
    pub fn path(&self) -> &'static [WizardStep] {
        if self.by_region { &REGION_PATH } else { &PATH }
    }
}

/// The step shown, with everything chosen before it.
#[derive(Clone, Debug, PartialEq)]
pub enum At {
    Category,
    /// The categories' full wording, paged; part of the category step.
    CategoryInfo,
    Language {
        category: i16,
    },
    Combination {
        category: i16,
        language: String,
    },
    Region {
        subjects: Subjects,
    },
    City {
        subjects: Subjects,
    },
    Date {
        subjects: Subjects,
        city: i32,
    },
    Time {
        subjects: Subjects,
        city: i32,
        date: NaiveDate,
    },
    Summary(Chosen),
    /// The rules, opened from the summary; part of the last step.
    Rules(Chosen),
}

/// What the applicant will be tested in.
#[derive(Clone, Debug, PartialEq)]
pub struct Subjects {
    pub category: i16,
    /// A test-language code.
    pub language: String,
    pub combination: i16,
}

/// Every choice: what the summary shows and confirming books.
#[derive(Clone, Debug, PartialEq)]
pub struct Chosen {
    pub subjects: Subjects,
    pub city: i32,
    pub date: NaiveDate,
    pub slot: i64,
}

impl At {
    pub fn step(&self) -> WizardStep {
        match self {
            At::Category => WizardStep::Category,
            At::CategoryInfo => WizardStep::CategoryInfo,
            At::Language { .. } => WizardStep::Language,
            At::Combination { .. } => WizardStep::Combination,
            At::Region { .. } => WizardStep::Region,
            At::City { .. } => WizardStep::City,
            At::Date { .. } => WizardStep::Date,
            At::Time { .. } => WizardStep::Time,
            At::Summary(_) => WizardStep::Summary,
            At::Rules(_) => WizardStep::Rules,
        }
    }

    /// The step before, forgetting the choice made there; `None` at the first. `by_region`:
    /// the localities follow a region step.
    pub fn back(self, by_region: bool) -> Option<At> {
        Some(match self {
            At::Category => return None,
            At::CategoryInfo | At::Language { .. } => At::Category,
            At::Combination { category, .. } => At::Language { category },
            At::City { subjects } if by_region => At::Region { subjects },
            At::Region { subjects: Subjects { category, language, .. } }
            | At::City { subjects: Subjects { category, language, .. } } => {
                At::Combination { category, language }
            }
            At::Date { subjects, .. } => At::City { subjects },
            At::Time { subjects, city, .. } => At::Date { subjects, city },
            At::Summary(Chosen { subjects, city, date, .. }) => At::Time { subjects, city, date },
            At::Rules(chosen) => At::Summary(chosen),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WizardStep {
    Category,
    CategoryInfo,
    Language,
    Combination,
    City,
    Date,
    Time,
    Rules,
    Summary,
    Region,
}

/// The numbered steps in the order the applicant goes through them; the category details
/// and the rules are pages of the step they are opened from.
pub const PATH: [WizardStep; 7] = {
    use WizardStep::*;
    [Category, Language, Combination, City, Date, Time, Summary]
};

/// The path of a campaign with more localities than one screen of buttons holds: the
/// region first, then its localities.
pub const REGION_PATH: [WizardStep; 8] = {
    use WizardStep::*;
    [Category, Language, Combination, Region, City, Date, Time, Summary]
};

impl WizardStep {
    /// How many numbered steps the applicant goes through when no region is asked.
    pub const COUNT: u8 = PATH.len() as u8;
    /// … and when it is.
    pub const REGION_COUNT: u8 = REGION_PATH.len() as u8;

    /// The numbered step this page belongs to.
    fn on_path(self) -> WizardStep {
        match self {
            WizardStep::CategoryInfo => WizardStep::Category,
            WizardStep::Rules => WizardStep::Summary,
            step => step,
        }
    }

    fn index(self, path: &[WizardStep]) -> usize {
        let step = self.on_path();
        path.iter().position(|s| *s == step).expect("every step is on the path or a page of one")
    }

    pub fn number(self, path: &[WizardStep]) -> u8 {
        self.index(path) as u8 + 1
    }

    /// Where «back» goes: from a page to its step, else to the step before.
    pub fn previous(self, path: &[WizardStep]) -> Option<WizardStep> {
        if self != self.on_path() {
            return Some(self.on_path());
        }
        self.index(path).checked_sub(1).map(|i| path[i])
    }

    /// Where a pick leads.
    pub fn next(self, path: &[WizardStep]) -> Option<WizardStep> {
        path.get(self.index(path) + 1).copied()
    }
}

/// The wizard as earlier versions stored it: the step and a bag of choices.
#[derive(Clone, Serialize, Deserialize)]
struct Stored {
    seq: u64,
    message_id: Option<i32>,
    at: WizardStep,
    campaign_id: i64,
    #[serde(default)]
    page: u16,
    category: Option<i16>,
    language: Option<String>,
    combination: Option<i16>,
    city: Option<i32>,
    date: Option<NaiveDate>,
    slot: Option<i64>,
    /// Absent in wizards stored before the region step existed.
    #[serde(default)]
    by_region: bool,
    #[serde(default)]
    region: Option<i32>,
}

impl TryFrom<Stored> for Wizard {
    type Error = String;

    fn try_from(s: Stored) -> Result<Self, Self::Error> {
        let missing = || format!("the stored wizard at {:?} lacks an earlier choice", s.at);
        let subjects = || -> Result<Subjects, String> {
            Ok(Subjects {
                category: s.category.ok_or_else(missing)?,
                language: s.language.clone().ok_or_else(missing)?,
                combination: s.combination.ok_or_else(missing)?,
            })
        };
        let city = || s.city.ok_or_else(missing);
        let date = || s.date.ok_or_else(missing);
        let chosen = || -> Result<Chosen, String> {
            Ok(Chosen {
                subjects: subjects()?,
                city: city()?,
                date: date()?,
                slot: s.slot.ok_or_else(missing)?,
            })
        };
        let at = match s.at {
            WizardStep::Category => At::Category,
            WizardStep::CategoryInfo => At::CategoryInfo,
            WizardStep::Language => At::Language { category: s.category.ok_or_else(missing)? },
            WizardStep::Combination => At::Combination {
                category: s.category.ok_or_else(missing)?,
                language: s.language.clone().ok_or_else(missing)?,
            },
            WizardStep::Region => At::Region { subjects: subjects()? },
            WizardStep::City => At::City { subjects: subjects()? },
            WizardStep::Date => At::Date { subjects: subjects()?, city: city()? },
            WizardStep::Time => At::Time { subjects: subjects()?, city: city()?, date: date()? },
            WizardStep::Summary => At::Summary(chosen()?),
            WizardStep::Rules => At::Rules(chosen()?),
        };
        let region_fits = if s.by_region {
            s.region.is_some() || !at_or_after_city(&at)
        } else {
            s.region.is_none() && at.step() != WizardStep::Region
        };
        if !region_fits {
            return Err(format!("the stored wizard at {:?} does not fit its region step", s.at));
        }
        Ok(Wizard {
            seq: s.seq,
            message_id: s.message_id,
            campaign_id: s.campaign_id,
            page: s.page,
            at,
            by_region: s.by_region,
            region: s.region,
        })
    }
}

impl From<Wizard> for Stored {
    fn from(w: Wizard) -> Stored {
        let step = w.at.step();
        let some = |x: Subjects| (Some(x.category), Some(x.language), Some(x.combination));
        let ((category, language, combination), city, date, slot) = match w.at {
            At::Category | At::CategoryInfo => ((None, None, None), None, None, None),
            At::Language { category } => ((Some(category), None, None), None, None, None),
            At::Combination { category, language } => {
                ((Some(category), Some(language), None), None, None, None)
            }
            At::Region { subjects } | At::City { subjects } => (some(subjects), None, None, None),
            At::Date { subjects, city } => (some(subjects), Some(city), None, None),
            At::Time { subjects, city, date } => (some(subjects), Some(city), Some(date), None),
            At::Summary(c) | At::Rules(c) => (some(c.subjects), Some(c.city), Some(c.date), Some(c.slot)),
        };
        Stored {
            seq: w.seq,
            message_id: w.message_id,
            at: step,
            campaign_id: w.campaign_id,
            page: w.page,
            category,
            language,
            combination,
            city,
            date,
            slot,
            by_region: w.by_region,
            region: w.region,
        }
    }
}

/// A step that shows localities or what was chosen among them.
fn at_or_after_city(at: &At) -> bool {
    matches!(at, At::City { .. } | At::Date { .. } | At::Time { .. } | At::Summary(_) | At::Rules(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen() -> Chosen {
        Chosen {
            subjects: Subjects { category: 1, language: "kk".into(), combination: 3 },
            city: 4,
            date: NaiveDate::from_ymd_opt(2027, 1, 11).unwrap(),
            slot: 6,
        }
    }

    /// One wizard at every step, each with the choices made before it.
    fn every_step() -> Vec<At> {
        let c = chosen();
        let (subjects, city, date) = (c.subjects.clone(), c.city, c.date);
        vec![
            At::Category,
            At::CategoryInfo,
            At::Language { category: 1 },
            At::Combination { category: 1, language: "kk".into() },
            At::Region { subjects: subjects.clone() },
            At::City { subjects: subjects.clone() },
            At::Date { subjects: subjects.clone(), city },
            At::Time { subjects, city, date },
            At::Summary(c.clone()),
            At::Rules(c),
        ]
    }

    #[test]
    fn the_path_numbers_the_steps_and_orders_back_and_next() {
        use WizardStep::*;
        let p = &PATH[..];
        assert_eq!(PATH, [Category, Language, Combination, City, Date, Time, Summary]);
        assert_eq!(WizardStep::COUNT, 7);
        let numbers: Vec<u8> = PATH.iter().map(|s| s.number(p)).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!((Category.previous(p), Category.next(p)), (None, Some(Language)));
        assert_eq!((Time.previous(p), Time.next(p)), (Some(Date), Some(Summary)));
        assert_eq!(Summary.next(p), None);
        assert_eq!(
            (CategoryInfo.number(p), CategoryInfo.previous(p), CategoryInfo.next(p)),
            (1, Some(Category), Some(Language))
        );
        assert_eq!((Rules.number(p), Rules.previous(p)), (7, Some(Summary)));
    }

    #[test]
    fn the_region_path_puts_the_region_before_the_locality() {
        use WizardStep::*;
        let p = &REGION_PATH[..];
        assert_eq!(WizardStep::REGION_COUNT, 8);
        assert_eq!((Combination.next(p), Region.next(p)), (Some(Region), Some(City)));
        assert_eq!((Region.number(p), City.previous(p)), (4, Some(Region)));
        assert_eq!((Summary.number(p), Rules.number(p)), (8, 8));
    }

    #[test]
    fn going_back_drops_the_last_choice_along_the_path() {
        for by_region in [false, true] {
            let path: &[WizardStep] = if by_region { &REGION_PATH } else { &PATH };
            for at in every_step() {
                if !by_region && at.step() == WizardStep::Region {
                    continue;
                }
                let step = at.step();
                assert_eq!(at.clone().back(by_region).map(|a| a.step()), step.previous(path), "{at:?}");
            }
        }
        let c = chosen();
        assert_eq!(
            At::Summary(c.clone()).back(false),
            Some(At::Time { subjects: c.subjects, city: c.city, date: c.date })
        );
    }

    fn wizard(at: At) -> Wizard {
        let by_region = at.step() == WizardStep::Region;
        Wizard { seq: 9, message_id: Some(5), campaign_id: 2, page: 0, at, by_region, region: None }
    }

    #[test]
    fn stored_wizards_keep_their_flat_shape() {
        for at in every_step() {
            let state = State::Wizard(wizard(at));
            let json = serde_json::to_value(&state).unwrap();
            assert_eq!(serde_json::from_value::<State>(json.clone()).unwrap(), state, "{json}");
        }
        let by_region = Wizard { by_region: true, region: Some(3), ..wizard(At::Summary(chosen())) };
        let json = serde_json::to_value(State::Wizard(by_region.clone())).unwrap();
        assert_eq!(serde_json::from_value::<State>(json).unwrap(), State::Wizard(by_region));
        // As the wizard of earlier versions wrote it: later choices kept after going back.
        let json = serde_json::json!({
            "step": "wizard", "seq": 12, "message_id": 40, "at": "city", "campaign_id": 1, "page": 0,
            "category": 1, "language": "kk", "combination": 3, "city": 4, "date": "2027-01-11", "slot": null,
        });
        let State::Wizard(w) = serde_json::from_value(json).unwrap() else { panic!("not a wizard") };
        assert_eq!(w.at, At::City { subjects: chosen().subjects });
        assert!(!w.by_region);
        // A step without the choices before it cannot be shown.
        let json = serde_json::json!({
            "step": "wizard", "seq": 12, "message_id": null, "at": "date", "campaign_id": 1,
            "category": 1, "language": "kk", "combination": 3, "city": null, "date": null, "slot": null,
        });
        assert!(serde_json::from_value::<State>(json).is_err());
        // Nor localities of a region never picked.
        let json = serde_json::json!({
            "step": "wizard", "seq": 12, "message_id": null, "at": "city", "campaign_id": 1,
            "category": 1, "language": "kk", "combination": 3, "by_region": true,
        });
        assert!(serde_json::from_value::<State>(json).is_err());
        // Stored conversations keep parsing: the names are the contract.
        assert_eq!(serde_json::to_string(&WizardStep::Rules).unwrap(), "\"rules\"");
        assert_eq!(
            serde_json::from_str::<WizardStep>("\"category_info\"").unwrap(),
            WizardStep::CategoryInfo
        );
    }

    #[test]
    fn dialogue_newtypes_are_stored_as_plain_strings() {
        let json = serde_json::json!({ "step": "confirm_iin", "iin": "080315600016", "name": "Ә" });
        let state: State = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(serde_json::to_value(&state).unwrap(), json);
        let json = serde_json::json!({ "step": "await_code", "email": "a@b.kz" });
        let state: State = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(serde_json::to_value(&state).unwrap(), json);
    }
}
