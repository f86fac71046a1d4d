//! Staff command arguments, parsed in one place and tested on their own. A command whose
//! arguments do not parse is answered with its usage text (so `BotCommands` keeps the raw
//! string: a typed field would turn a typo into "unknown command").

use std::str::FromStr;

use crate::domain::{Iin, Role};

/// An application number as staff type it: `42` or `№42` (or `#42`).
pub fn application_no(arg: &str) -> Option<i64> {
    let arg = arg.trim();
    let digits = arg.strip_prefix('№').or_else(|| arg.strip_prefix('#')).unwrap_or(arg).trim();
    digits.parse().ok().filter(|id: &i64| *id > 0)
}

/// `/noshow <id>` or `/noshow undo <id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoShowArg {
    Mark(i64),
    Undo(i64),
}

impl NoShowArg {
    /// Whether the arguments ask for an undo (for the permission table, even when the id
    /// that follows is malformed).
    pub fn is_undo(arg: &str) -> bool {
        arg.split_whitespace().next() == Some("undo")
    }
}

impl FromStr for NoShowArg {
    type Err = ();

    fn from_str(arg: &str) -> Result<Self, ()> {
        match arg.split_whitespace().collect::<Vec<_>>().as_slice() {
            [id] => application_no(id).map(NoShowArg::Mark).ok_or(()),
            ["undo", id] => application_no(id).map(NoShowArg::Undo).ok_or(()),
            _ => Err(()),
        }
    }
}

/// `/staff add <telegram id> <admin|operator>` or `/staff remove <telegram id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffArg {
    Add(i64, Role),
    Remove(i64),
}

impl FromStr for StaffArg {
    type Err = ();

    fn from_str(arg: &str) -> Result<Self, ()> {
        match arg.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["add", id, role] => Ok(StaffArg::Add(id.parse().map_err(|_| ())?, Role::parse(role).ok_or(())?)),
            ["remove", id] => Ok(StaffArg::Remove(id.parse().map_err(|_| ())?)),
            _ => Err(()),
        }
    }
}

/// `/rebind <IIN> <telegram id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebindArg {
    pub iin: Iin,
    pub to: i64,
}

impl FromStr for RebindArg {
    type Err = ();

    fn from_str(arg: &str) -> Result<Self, ()> {
        match arg.split_whitespace().collect::<Vec<_>>().as_slice() {
            [iin, to] => {
                Ok(RebindArg { iin: Iin::parse(iin).map_err(|_| ())?, to: to.parse().map_err(|_| ())? })
            }
            _ => Err(()),
        }
    }
}

/// `/latereg <IIN> <hours>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateRegArg {
    pub iin: Iin,
    pub hours: i64,
}

impl FromStr for LateRegArg {
    type Err = ();

    fn from_str(arg: &str) -> Result<Self, ()> {
        match arg.split_whitespace().collect::<Vec<_>>().as_slice() {
            [iin, hours] => Ok(LateRegArg {
                iin: Iin::parse(iin).map_err(|_| ())?,
                hours: hours.trim_end_matches(['h', 'ч', 'с']).parse().map_err(|_| ())?,
            }),
            _ => Err(()),
        }
    }
}

/// `/notify all <text>`, `/notify slot <id> <text>`, `/notify venue <code> <text>`; the
/// text is never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyArg<'a> {
    All(&'a str),
    Slot(i64, &'a str),
    Venue(&'a str, &'a str),
}

impl<'a> NotifyArg<'a> {
    pub fn parse(arg: &'a str) -> Option<NotifyArg<'a>> {
        let (target, rest) = arg.trim().split_once(char::is_whitespace)?;
        let rest = rest.trim();
        let parsed = match target {
            "all" => NotifyArg::All(rest),
            "slot" | "venue" => {
                let (key, text) = rest.split_once(char::is_whitespace)?;
                let text = text.trim();
                if target == "slot" {
                    NotifyArg::Slot(key.trim_start_matches('#').parse().ok()?, text)
                } else {
                    NotifyArg::Venue(key, text)
                }
            }
            _ => return None,
        };
        let text = match parsed {
            NotifyArg::All(t) | NotifyArg::Slot(_, t) | NotifyArg::Venue(_, t) => t,
        };
        (!text.is_empty()).then_some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_numbers() {
        assert_eq!(application_no("42"), Some(42));
        assert_eq!(application_no(" №42 "), Some(42));
        assert_eq!(application_no("#7"), Some(7));
        assert_eq!(application_no("-3"), None);
        assert_eq!(application_no("abc"), None);
        assert_eq!(application_no(""), None);
    }

    #[test]
    fn no_show_forms() {
        assert_eq!("42".parse(), Ok(NoShowArg::Mark(42)));
        assert_eq!("undo №42".parse(), Ok(NoShowArg::Undo(42)));
        assert_eq!("undo".parse::<NoShowArg>(), Err(()));
        assert_eq!("42 43".parse::<NoShowArg>(), Err(()));
        assert!(NoShowArg::is_undo("undo x") && !NoShowArg::is_undo("42"));
    }

    #[test]
    fn staff_forms() {
        assert_eq!("add 5 admin".parse(), Ok(StaffArg::Add(5, Role::Admin)));
        assert_eq!("add 5 operator".parse(), Ok(StaffArg::Add(5, Role::Operator)));
        assert_eq!("remove 5".parse(), Ok(StaffArg::Remove(5)));
        assert_eq!("add 5 boss".parse::<StaffArg>(), Err(()));
        assert_eq!("add x admin".parse::<StaffArg>(), Err(()));
        assert_eq!("".parse::<StaffArg>(), Err(()));
    }

    #[test]
    fn rebind_form() {
        let ok: RebindArg = "080315600016 777".parse().unwrap();
        assert_eq!((ok.iin.as_str(), ok.to), ("080315600016", 777));
        assert_eq!("080315600017 777".parse::<RebindArg>(), Err(()), "bad check digit");
        assert_eq!("080315600016".parse::<RebindArg>(), Err(()));
    }

    #[test]
    fn notify_forms() {
        assert_eq!(NotifyArg::parse("all Хабар"), Some(NotifyArg::All("Хабар")));
        assert_eq!(NotifyArg::parse("slot #12 Кабинет 3"), Some(NotifyArg::Slot(12, "Кабинет 3")));
        assert_eq!(
            NotifyArg::parse("venue ast-1 Вход с торца"),
            Some(NotifyArg::Venue("ast-1", "Вход с торца"))
        );
        assert_eq!(NotifyArg::parse("all"), None, "no text");
        assert_eq!(NotifyArg::parse("slot 12"), None);
        assert_eq!(NotifyArg::parse("slot x text"), None);
        assert_eq!(NotifyArg::parse("everyone hi"), None);
    }
}
