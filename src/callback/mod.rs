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

mod waitlist;
pub use waitlist::{WaitlistButton, WaitlistPick};

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
    /// `wl:…`, `wo:…`: the waitlist (see `bot::waitlist`).
    Waitlist(WaitlistButton),
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
    /// `wl`: wait for a seat instead (the waitlist picker takes over).
    Waitlist,
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
                    WizardAction::Waitlist => f.write_str("wl"),
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
            Callback::Waitlist(button) => waitlist::write(f, button),
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
        "wl" | "wo" => Callback::Waitlist(waitlist::parse(prefix, rest)?),
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
            "wl" => WizardAction::Waitlist,
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
mod tests;
