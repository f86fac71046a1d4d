//! What an inline button carries back to the bot (`callback_data`), for every button the
//! bot sends: written only by `Display`, read only by `FromStr`. The strings are a contract
//! with messages already in users' chats, so a variant's spelling never changes; every one
//! stays within Telegram's 64 bytes. Below `services` because the payment reminder, a
//! use case, sends buttons too.

use std::fmt;
use std::str::FromStr;

use teloxide::types::InlineKeyboardButton;

use chrono::NaiveDate;

use crate::domain::{ApplicationStatus, Iin, Method, RetestReason};
use crate::i18n::Locale;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callback {
    /// `lang:<code>`
    Lang(Locale),
    /// `w:<seq>:<action>`: `seq` names the render of the wizard message the button belongs
    /// to, so a button from an earlier render is recognised as stale.
    Wizard { seq: u64, action: WizardAction },
    /// `h:<verb>:<application>[:<value>]`
    History(HistoryButton),
    /// `pay:<method>:<application>`: the application rides along so a button under an old
    /// message is judged by the application's status, not by the dialogue step.
    Pay { method: Method, application: i64 },
    /// `em:resend`, `em:change`
    Email(EmailButton),
    /// `iin:<y|n>:<iin>`: the IIN rides along so a button shown for another IIN is stale.
    Iin { yes: bool, iin: Iin },
    /// `rb:<iin>`: ask support to re-bind an IIN taken by another account.
    Rebind(Iin),
    /// `adm:closedb:<campaign>`, or `adm:no` for «cancel».
    CloseDb(Option<i64>),
    /// `bc:…`
    Broadcast(BroadcastButton),
    /// `rt:…`: the retest for a valid reason; each button names its application or request,
    /// re-checked in the database when pressed.
    Retest(RetestButton),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetestButton {
    /// Offer the reasons for a no-show application.
    Ask(i64),
    Reason(i64, RetestReason),
    /// The documents are in: show what will be sent.
    Done(i64),
    Send(i64),
    Cancel(i64),
    /// Staff approve a request.
    Approve(i64),
    /// The approved applicant starts picking his new slot (request id).
    Pick(i64),
    City(i64, i32),
    Date(i64, i32, NaiveDate),
    Slot(i64, i64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WizardAction {
    /// The value picked at the current step: an id, a test-language code or a date as
    /// `YYYYMMDD`; the step decides how to read it.
    Pick(String),
    Back,
    Cancel,
    Page(u16),
    /// The categories' full wording.
    Info,
    /// The rules, from the summary.
    Rules,
    /// The rules' own acknowledgement button of earlier versions: back to the summary.
    RulesAccepted,
    Confirm,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryButton {
    List { page: usize },
    View(i64),
    Pay(i64),
    Cancel(i64),
    CancelConfirmed(i64),
    EditLanguage(i64),
    EditCombination(i64),
    SetLanguage(i64, String),
    SetCombination(i64, i16),
    Withdraw(i64),
    WithdrawConfirmed(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailButton {
    Resend,
    Change,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BroadcastButton {
    Audience(AudienceKind),
    Status(ApplicationStatus),
    City(i32),
    Venue(i32),
    Send,
    Cancel,
}

/// The first choice of a broadcast; status, city and venue then ask for the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudienceKind {
    All,
    Campaign,
    Status,
    City,
    Venue,
    Slot,
}

impl AudienceKind {
    pub const ALL: [AudienceKind; 6] = [
        AudienceKind::All,
        AudienceKind::Campaign,
        AudienceKind::Status,
        AudienceKind::City,
        AudienceKind::Venue,
        AudienceKind::Slot,
    ];

    /// As the button and `notifications::audience` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            AudienceKind::All => "all",
            AudienceKind::Campaign => "campaign",
            AudienceKind::Status => "status",
            AudienceKind::City => "city",
            AudienceKind::Venue => "venue",
            AudienceKind::Slot => "slot",
        }
    }
}

impl Callback {
    /// A button that sends this back when pressed.
    pub fn button(&self, text: impl Into<String>) -> InlineKeyboardButton {
        InlineKeyboardButton::callback(text, self.to_string())
    }
}

impl fmt::Display for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Callback::Lang(locale) => write!(f, "lang:{}", locale.code()),
            Callback::Wizard { seq, action } => {
                write!(f, "w:{seq}:")?;
                match action {
                    WizardAction::Pick(v) => write!(f, "v:{v}"),
                    WizardAction::Page(p) => write!(f, "p:{p}"),
                    WizardAction::Back => f.write_str("b"),
                    WizardAction::Cancel => f.write_str("x"),
                    WizardAction::Info => f.write_str("i"),
                    WizardAction::Rules => f.write_str("r"),
                    WizardAction::RulesAccepted => f.write_str("ok"),
                    WizardAction::Confirm => f.write_str("c"),
                }
            }
            Callback::History(button) => match button {
                // The list's page rides where other buttons carry the application.
                HistoryButton::List { page } => write!(f, "h:l:{page}"),
                HistoryButton::View(id) => write!(f, "h:v:{id}"),
                HistoryButton::Pay(id) => write!(f, "h:pay:{id}"),
                HistoryButton::Cancel(id) => write!(f, "h:c:{id}"),
                HistoryButton::CancelConfirmed(id) => write!(f, "h:cy:{id}"),
                HistoryButton::EditLanguage(id) => write!(f, "h:el:{id}"),
                HistoryButton::EditCombination(id) => write!(f, "h:ec:{id}"),
                HistoryButton::SetLanguage(id, code) => write!(f, "h:sl:{id}:{code}"),
                HistoryButton::SetCombination(id, combination) => write!(f, "h:sc:{id}:{combination}"),
                HistoryButton::Withdraw(id) => write!(f, "h:w:{id}"),
                HistoryButton::WithdrawConfirmed(id) => write!(f, "h:wy:{id}"),
            },
            Callback::Pay { method, application } => write!(f, "pay:{}:{application}", method.code()),
            Callback::Email(EmailButton::Resend) => f.write_str("em:resend"),
            Callback::Email(EmailButton::Change) => f.write_str("em:change"),
            Callback::Iin { yes, iin } => write!(f, "iin:{}:{iin}", if *yes { "y" } else { "n" }),
            Callback::Rebind(iin) => write!(f, "rb:{iin}"),
            Callback::CloseDb(Some(campaign)) => write!(f, "adm:closedb:{campaign}"),
            Callback::CloseDb(None) => f.write_str("adm:no"),
            Callback::Broadcast(button) => match button {
                BroadcastButton::Audience(kind) => write!(f, "bc:a:{}", kind.as_str()),
                BroadcastButton::Status(status) => write!(f, "bc:s:{}", status.as_str()),
                BroadcastButton::City(id) => write!(f, "bc:c:{id}"),
                BroadcastButton::Venue(id) => write!(f, "bc:v:{id}"),
                BroadcastButton::Send => f.write_str("bc:send"),
                BroadcastButton::Cancel => f.write_str("bc:x"),
            },
            Callback::Retest(button) => match button {
                RetestButton::Ask(id) => write!(f, "rt:a:{id}"),
                RetestButton::Reason(id, reason) => write!(f, "rt:r:{id}:{}", reason.as_str()),
                RetestButton::Done(id) => write!(f, "rt:d:{id}"),
                RetestButton::Send(id) => write!(f, "rt:s:{id}"),
                RetestButton::Cancel(id) => write!(f, "rt:x:{id}"),
                RetestButton::Approve(id) => write!(f, "rt:ok:{id}"),
                RetestButton::Pick(id) => write!(f, "rt:p:{id}"),
                RetestButton::City(id, city) => write!(f, "rt:c:{id}:{city}"),
                RetestButton::Date(id, city, date) => {
                    write!(f, "rt:dt:{id}:{city}:{}", date.format("%Y%m%d"))
                }
                RetestButton::Slot(id, slot) => write!(f, "rt:t:{id}:{slot}"),
            },
        }
    }
}

/// Data that is no button of this bot (or of no version still in users' chats).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a button of this bot")]
pub struct UnknownButton;

impl FromStr for Callback {
    type Err = UnknownButton;

    fn from_str(data: &str) -> Result<Self, Self::Err> {
        parse(data).ok_or(UnknownButton)
    }
}

fn parse(data: &str) -> Option<Callback> {
    let (prefix, rest) = data.split_once(':')?;
    Some(match prefix {
        "lang" => Callback::Lang(Locale::from_code(rest)?),
        "w" => {
            let (seq, action) = rest.split_once(':').unwrap_or((rest, ""));
            Callback::Wizard { seq: seq.parse().ok()?, action: wizard_action(action)? }
        }
        "h" => Callback::History(history_button(rest)?),
        "pay" => {
            let (method, application) = rest.split_once(':')?;
            Callback::Pay { method: Method::from_code(method)?, application: application.parse().ok()? }
        }
        "em" => Callback::Email(match rest {
            "resend" => EmailButton::Resend,
            "change" => EmailButton::Change,
            _ => return None,
        }),
        "iin" => {
            let yes = match rest.split_once(':')? {
                ("y", _) => true,
                ("n", _) => false,
                _ => return None,
            };
            Callback::Iin { yes, iin: strict_iin(&rest[2..])? }
        }
        "rb" => Callback::Rebind(strict_iin(rest)?),
        "adm" if rest == "no" => Callback::CloseDb(None),
        "adm" => Callback::CloseDb(Some(rest.strip_prefix("closedb:")?.parse().ok()?)),
        "bc" => Callback::Broadcast(broadcast_button(rest)?),
        "rt" => Callback::Retest(retest_button(rest)?),
        _ => return None,
    })
}

fn wizard_action(code: &str) -> Option<WizardAction> {
    Some(match code.split_once(':') {
        Some(("v", value)) if !value.is_empty() => WizardAction::Pick(value.to_string()),
        Some(("p", page)) => WizardAction::Page(page.parse().ok()?),
        Some(_) => return None,
        None => match code {
            "b" => WizardAction::Back,
            "x" => WizardAction::Cancel,
            "i" => WizardAction::Info,
            "r" => WizardAction::Rules,
            "ok" => WizardAction::RulesAccepted,
            "c" => WizardAction::Confirm,
            _ => return None,
        },
    })
}

fn history_button(rest: &str) -> Option<HistoryButton> {
    let mut parts = rest.splitn(3, ':');
    let (verb, id, value) = (parts.next()?, parts.next()?, parts.next());
    if verb == "l" {
        return value.is_none().then(|| id.parse().ok().map(|page| HistoryButton::List { page }))?;
    }
    let id: i64 = id.parse().ok()?;
    Some(match (verb, value) {
        ("v", None) => HistoryButton::View(id),
        ("pay", None) => HistoryButton::Pay(id),
        ("c", None) => HistoryButton::Cancel(id),
        ("cy", None) => HistoryButton::CancelConfirmed(id),
        ("el", None) => HistoryButton::EditLanguage(id),
        ("ec", None) => HistoryButton::EditCombination(id),
        ("sl", Some(code)) if !code.is_empty() && !code.contains(':') => {
            HistoryButton::SetLanguage(id, code.to_string())
        }
        ("sc", Some(combination)) => HistoryButton::SetCombination(id, combination.parse().ok()?),
        ("w", None) => HistoryButton::Withdraw(id),
        ("wy", None) => HistoryButton::WithdrawConfirmed(id),
        _ => return None,
    })
}

fn broadcast_button(rest: &str) -> Option<BroadcastButton> {
    Some(match rest.split_once(':') {
        Some(("a", kind)) => {
            BroadcastButton::Audience(AudienceKind::ALL.into_iter().find(|k| k.as_str() == kind)?)
        }
        Some(("s", status)) => BroadcastButton::Status(ApplicationStatus::parse(status)?),
        Some(("c", id)) => BroadcastButton::City(id.parse().ok()?),
        Some(("v", id)) => BroadcastButton::Venue(id.parse().ok()?),
        Some(_) => return None,
        None => match rest {
            "send" => BroadcastButton::Send,
            "x" => BroadcastButton::Cancel,
            _ => return None,
        },
    })
}

fn retest_button(rest: &str) -> Option<RetestButton> {
    let parts: Vec<&str> = rest.split(':').collect();
    let id = |i: usize| parts.get(i)?.parse::<i64>().ok();
    Some(match (parts.as_slice(), parts.len()) {
        (["a", ..], 2) => RetestButton::Ask(id(1)?),
        (["r", _, reason], 3) => RetestButton::Reason(id(1)?, RetestReason::parse(reason)?),
        (["d", ..], 2) => RetestButton::Done(id(1)?),
        (["s", ..], 2) => RetestButton::Send(id(1)?),
        (["x", ..], 2) => RetestButton::Cancel(id(1)?),
        (["ok", ..], 2) => RetestButton::Approve(id(1)?),
        (["p", ..], 2) => RetestButton::Pick(id(1)?),
        (["c", _, city], 3) => RetestButton::City(id(1)?, city.parse().ok()?),
        (["dt", _, city, date], 4) if date.len() == 8 => {
            RetestButton::Date(id(1)?, city.parse().ok()?, NaiveDate::parse_from_str(date, "%Y%m%d").ok()?)
        }
        (["t", ..], 3) => RetestButton::Slot(id(1)?, id(2)?),
        _ => return None,
    })
}

/// The 12 digits exactly as a button writes them (`Iin::parse` also accepts what people
/// type, spaces and dashes, which no button carries).
fn strict_iin(digits: &str) -> Option<Iin> {
    Iin::parse(digits).ok().filter(|iin| iin.as_str() == digits)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::Sex;

    #[test]
    fn reads_the_buttons_already_in_chats() {
        let cases = [
            ("lang:kk", Callback::Lang(Locale::Kk)),
            ("w:3:v:12", Callback::Wizard { seq: 3, action: WizardAction::Pick("12".into()) }),
            ("w:3:v:20270111", Callback::Wizard { seq: 3, action: WizardAction::Pick("20270111".into()) }),
            ("w:9:b", Callback::Wizard { seq: 9, action: WizardAction::Back }),
            ("w:9:p:2", Callback::Wizard { seq: 9, action: WizardAction::Page(2) }),
            ("w:9:ok", Callback::Wizard { seq: 9, action: WizardAction::RulesAccepted }),
            ("h:v:17", Callback::History(HistoryButton::View(17))),
            ("h:sl:17:kk", Callback::History(HistoryButton::SetLanguage(17, "kk".into()))),
            ("h:sc:17:4", Callback::History(HistoryButton::SetCombination(17, 4))),
            ("h:l:0", Callback::History(HistoryButton::List { page: 0 })),
            ("pay:card:17", Callback::Pay { method: Method::Card, application: 17 }),
            ("em:resend", Callback::Email(EmailButton::Resend)),
            ("iin:y:080315600016", Callback::Iin { yes: true, iin: Iin::parse("080315600016").unwrap() }),
            ("rb:080315600016", Callback::Rebind(Iin::parse("080315600016").unwrap())),
            ("adm:closedb:2", Callback::CloseDb(Some(2))),
            ("adm:no", Callback::CloseDb(None)),
            ("bc:a:slot", Callback::Broadcast(BroadcastButton::Audience(AudienceKind::Slot))),
            ("bc:s:no_show", Callback::Broadcast(BroadcastButton::Status(ApplicationStatus::NoShow))),
            ("bc:send", Callback::Broadcast(BroadcastButton::Send)),
            ("rt:a:17", Callback::Retest(RetestButton::Ask(17))),
            ("rt:r:17:olympiad", Callback::Retest(RetestButton::Reason(17, RetestReason::Olympiad))),
            ("rt:ok:3", Callback::Retest(RetestButton::Approve(3))),
            (
                "rt:dt:3:5:20270113",
                Callback::Retest(RetestButton::Date(3, 5, NaiveDate::from_ymd_opt(2027, 1, 13).unwrap())),
            ),
            ("rt:t:3:99", Callback::Retest(RetestButton::Slot(3, 99))),
        ];
        for (data, button) in cases {
            assert_eq!(data.parse::<Callback>(), Ok(button.clone()), "{data}");
            assert_eq!(button.to_string(), data);
        }
    }

    #[test]
    fn refuses_what_no_button_writes() {
        for data in [
            "",
            "w:x:c",
            "w:1:v:",
            "w:1:zz",
            "w:1:b:",
            "h:pay:x",
            "h:",
            "h:v:1:2",
            "h:sl:1:",
            "pay:cash:17",
            "pay:card:x",
            "lang:en",
            "em:other",
            "iin:y:080315600017",
            "iin:y:0803 1560 0016",
            "adm:closedb:x",
            "adm:yes",
            "bc:s:lost",
            "bc:a:everyone",
            "bc:c:x",
            "rt:ok",
            "rt:ok:x",
            "rt:r:1:holiday",
            "rt:dt:1:2:2027011",
            "rt:a:1:2",
            "zz:1",
        ] {
            assert_eq!(data.parse::<Callback>(), Err(UnknownButton), "{data:?}");
        }
    }

    fn any_iin() -> impl Strategy<Value = Iin> {
        (1900i32..2025, 1u32..=12, 1u32..=28, any::<bool>(), 0u16..=9999).prop_filter_map(
            "no IIN for that serial",
            |(y, m, d, male, serial)| {
                let sex = if male { Sex::Male } else { Sex::Female };
                Iin::from_parts(NaiveDate::from_ymd_opt(y, m, d)?, sex, serial)
            },
        )
    }

    fn any_wizard_action() -> impl Strategy<Value = WizardAction> {
        prop_oneof![
            any::<i64>().prop_map(|id| WizardAction::Pick(id.to_string())),
            (1000u32..=9999, 1u32..=12, 1u32..=31)
                .prop_map(|(y, m, d)| WizardAction::Pick(format!("{y:04}{m:02}{d:02}"))),
            "[a-z]{2,8}".prop_map(WizardAction::Pick),
            any::<u16>().prop_map(WizardAction::Page),
            prop::sample::select(vec![
                WizardAction::Back,
                WizardAction::Cancel,
                WizardAction::Info,
                WizardAction::Rules,
                WizardAction::RulesAccepted,
                WizardAction::Confirm,
            ]),
        ]
    }

    fn any_history_button() -> impl Strategy<Value = HistoryButton> {
        use HistoryButton::*;
        let plain: [fn(i64) -> HistoryButton; 8] =
            [View, Pay, Cancel, CancelConfirmed, EditLanguage, EditCombination, Withdraw, WithdrawConfirmed];
        prop_oneof![
            any::<usize>().prop_map(|page| List { page }),
            (prop::sample::select(plain.to_vec()), any::<i64>()).prop_map(|(make, id)| make(id)),
            (any::<i64>(), "[a-z]{2,8}").prop_map(|(id, code)| SetLanguage(id, code)),
            (any::<i64>(), any::<i16>()).prop_map(|(id, c)| SetCombination(id, c)),
        ]
    }

    fn any_broadcast_button() -> impl Strategy<Value = BroadcastButton> {
        prop_oneof![
            prop::sample::select(AudienceKind::ALL.to_vec()).prop_map(BroadcastButton::Audience),
            prop::sample::select(ApplicationStatus::ALL.to_vec()).prop_map(BroadcastButton::Status),
            any::<i32>().prop_map(BroadcastButton::City),
            any::<i32>().prop_map(BroadcastButton::Venue),
            Just(BroadcastButton::Send),
            Just(BroadcastButton::Cancel),
        ]
    }

    fn any_retest_button() -> impl Strategy<Value = RetestButton> {
        use RetestButton::*;
        let plain: [fn(i64) -> RetestButton; 7] = [Ask, Done, Send, Cancel, Approve, Pick, Ask];
        prop_oneof![
            (prop::sample::select(plain.to_vec()), any::<i64>()).prop_map(|(make, id)| make(id)),
            (any::<i64>(), prop::sample::select(RetestReason::ALL.to_vec()))
                .prop_map(|(id, r)| Reason(id, r)),
            (any::<i64>(), any::<i32>()).prop_map(|(id, c)| City(id, c)),
            (any::<i64>(), any::<i32>(), 1000i32..=9999, 1u32..=12, 1u32..=28)
                .prop_map(|(id, c, y, m, d)| Date(id, c, NaiveDate::from_ymd_opt(y, m, d).unwrap())),
            (any::<i64>(), any::<i64>()).prop_map(|(id, slot)| Slot(id, slot)),
        ]
    }

    fn any_callback() -> impl Strategy<Value = Callback> {
        prop_oneof![
            prop::sample::select(Locale::ALL.to_vec()).prop_map(Callback::Lang),
            (any::<u64>(), any_wizard_action()).prop_map(|(seq, action)| Callback::Wizard { seq, action }),
            any_history_button().prop_map(Callback::History),
            (any::<bool>(), any::<i64>()).prop_map(|(card, application)| Callback::Pay {
                method: if card { Method::Card } else { Method::Kaspi },
                application,
            }),
            prop::sample::select(vec![EmailButton::Resend, EmailButton::Change]).prop_map(Callback::Email),
            (any::<bool>(), any_iin()).prop_map(|(yes, iin)| Callback::Iin { yes, iin }),
            any_iin().prop_map(Callback::Rebind),
            any::<Option<i64>>().prop_map(Callback::CloseDb),
            any_broadcast_button().prop_map(Callback::Broadcast),
            any_retest_button().prop_map(Callback::Retest),
        ]
    }

    proptest! {
        /// Every button the bot can write reads back whole and fits Telegram's 64 bytes.
        #[test]
        fn any_button_round_trips_within_telegram_limits(button in any_callback()) {
            let data = button.to_string();
            prop_assert!(data.len() <= 64 && data.is_ascii(), "{}", data);
            prop_assert_eq!(data.parse::<Callback>(), Ok(button));
        }
    }
}
