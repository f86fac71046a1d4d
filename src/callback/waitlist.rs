//! The waitlist's buttons (`wl:…`, `wo:…`), written and read here for `Callback`.

use std::fmt;

/// The waitlist's buttons. The picker's buttons carry every choice made so far, so they
/// need no dialogue state; the join re-checks each against the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitlistButton {
    /// `wl:p:<category>.<language>.<combination>[.<city>[.<YYYYMMDD>[.<slot, 0 for any>]]]`
    Pick(WaitlistPick),
    /// `wl:q`: close the picker.
    Close,
    /// `wl:x:<entry>`: leave the line.
    Leave(i64),
    /// `wo:y:<offer>` (book it) or `wo:n:<offer>` (pass it on).
    Offer { offer: i64, accept: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitlistPick {
    pub category: i16,
    /// A test-language code: two lowercase letters.
    pub language: String,
    pub combination: i16,
    pub city: Option<i32>,
    pub date: Option<chrono::NaiveDate>,
    /// `Some(None)`: any time of the day.
    pub slot: Option<Option<i64>>,
}

pub(super) fn write(f: &mut fmt::Formatter<'_>, button: &WaitlistButton) -> fmt::Result {
    match button {
        WaitlistButton::Pick(p) => {
            write!(f, "wl:p:{}.{}.{}", p.category, p.language, p.combination)?;
            if let Some(city) = p.city {
                write!(f, ".{city}")?;
                if let Some(date) = p.date {
                    write!(f, ".{}", date.format("%Y%m%d"))?;
                    if let Some(slot) = p.slot {
                        write!(f, ".{}", slot.unwrap_or(0))?;
                    }
                }
            }
            Ok(())
        }
        WaitlistButton::Close => f.write_str("wl:q"),
        WaitlistButton::Leave(entry) => write!(f, "wl:x:{entry}"),
        WaitlistButton::Offer { offer, accept } => {
            write!(f, "wo:{}:{offer}", if *accept { "y" } else { "n" })
        }
    }
}

pub(super) fn parse(prefix: &str, rest: &str) -> Option<WaitlistButton> {
    if prefix == "wo" {
        let (answer, offer) = rest.split_once(':')?;
        let accept = match answer {
            "y" => true,
            "n" => false,
            _ => return None,
        };
        return Some(WaitlistButton::Offer { offer: offer.parse().ok()?, accept });
    }
    Some(match rest.split_once(':') {
        Some(("p", pick)) => WaitlistButton::Pick(waitlist_pick(pick)?),
        Some(("x", entry)) => WaitlistButton::Leave(entry.parse().ok()?),
        None if rest == "q" => WaitlistButton::Close,
        _ => return None,
    })
}

fn waitlist_pick(data: &str) -> Option<WaitlistPick> {
    let parts: Vec<&str> = data.split('.').collect();
    if !(3..=6).contains(&parts.len()) {
        return None;
    }
    let language = parts[1];
    if language.len() != 2 || !language.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let date = match parts.get(4) {
        Some(d) if d.len() == 8 => Some(chrono::NaiveDate::parse_from_str(d, "%Y%m%d").ok()?),
        Some(_) => return None,
        None => None,
    };
    let slot = match parts.get(5) {
        Some(slot) => Some(Some(slot.parse::<i64>().ok()?).filter(|id| *id != 0)),
        None => None,
    };
    Some(WaitlistPick {
        category: parts[0].parse().ok()?,
        language: language.to_string(),
        combination: parts[2].parse().ok()?,
        city: match parts.get(3) {
            Some(city) => Some(city.parse().ok()?),
            None => None,
        },
        date,
        slot,
    })
}

#[cfg(test)]
pub(super) use tests::any_button;

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;

    pub fn any_button() -> impl Strategy<Value = WaitlistButton> {
        let pick = (
            any::<i16>(),
            "[a-z]{2}",
            any::<i16>(),
            any::<Option<i32>>(),
            (1000i32..=9999, 1u32..=12, 1u32..=28),
            any::<Option<i64>>().prop_map(|s| s.filter(|id| *id != 0)),
            0u8..3,
        )
            .prop_map(|(category, language, combination, city, (y, m, d), slot, depth)| {
                let city = city.filter(|_| depth > 0);
                let date = city.and(NaiveDate::from_ymd_opt(y, m, d)).filter(|_| depth > 0);
                let slot = date.map(|_| slot).filter(|_| depth > 1);
                WaitlistPick { category, language, combination, city, date, slot }
            });
        prop_oneof![
            pick.prop_map(WaitlistButton::Pick),
            Just(WaitlistButton::Close),
            any::<i64>().prop_map(WaitlistButton::Leave),
            (any::<i64>(), any::<bool>()).prop_map(|(offer, accept)| WaitlistButton::Offer { offer, accept }),
        ]
    }
}
