//! ИИН / ЖСН, the 12-digit individual identification number (ENT-FACTS §6):
//! `YYMMDD` birth date, a century-and-sex digit, a 4-digit serial and a check digit.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iin(String);

/// Each variant reads after the number itself (`IIN "…" has 11 digits, expected 12`), so the
/// importer and the logs can name the value; the bot maps variants to localized messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IinError {
    #[error("has {0} digits, expected 12")]
    WrongLength(usize),
    #[error("contains characters other than digits")]
    NotDigits,
    #[error("has {0} as its 7th digit, which must be 1–6 (century and sex)")]
    BadCenturyDigit(u8),
    #[error("does not start with a real date of birth (YYMMDD)")]
    ImpossibleDate,
    #[error("has a wrong check digit (the last one); a digit is probably mistyped")]
    BadCheckDigit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

const WEIGHTS_FIRST: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const WEIGHTS_SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// The check digit for the first 11 digits (each 0–9), or `None` when both passes give 10:
/// such numbers are never issued.
pub fn check_digit(first11: &[u8; 11]) -> Option<u8> {
    let pass =
        |weights: &[u32; 11]| first11.iter().zip(weights).map(|(d, w)| u32::from(*d) * w).sum::<u32>() % 11;
    match pass(&WEIGHTS_FIRST) {
        10 => match pass(&WEIGHTS_SECOND) {
            10 => None,
            c => Some(c as u8),
        },
        c => Some(c as u8),
    }
}

impl Iin {
    /// Accepts the digits as people type them: surrounding whitespace, and spaces or dashes
    /// between groups (`080315 600016`, `0803-1560-0016`).
    pub fn parse(input: &str) -> Result<Iin, IinError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if !compact.chars().all(|c| c.is_ascii_digit()) {
            return Err(IinError::NotDigits);
        }
        let digits: Vec<u8> = compact.bytes().map(|b| b - b'0').collect();
        let digits: [u8; 12] = digits.try_into().map_err(|d: Vec<u8>| IinError::WrongLength(d.len()))?;
        let (century, _) = century_and_sex(digits[6]).ok_or(IinError::BadCenturyDigit(digits[6]))?;
        birth_date_of(&digits, century).ok_or(IinError::ImpossibleDate)?;
        let first11: &[u8; 11] = digits[..11].try_into().expect("12 digits have 11 first ones");
        if check_digit(first11) != Some(digits[11]) {
            return Err(IinError::BadCheckDigit);
        }
        Ok(Iin(compact))
    }

    /// Builds the IIN a person with these details would get; `None` when the serial is out of
    /// range, the year cannot be encoded (before 1800 or after 2099) or the checksum of this
    /// serial cannot be issued (then the next serial usually works).
    pub fn from_parts(birth_date: NaiveDate, sex: Sex, serial: u16) -> Option<Iin> {
        if serial > 9999 {
            return None;
        }
        let century_digit = match (birth_date.year() / 100, sex) {
            (18, Sex::Male) => 1,
            (18, Sex::Female) => 2,
            (19, Sex::Male) => 3,
            (19, Sex::Female) => 4,
            (20, Sex::Male) => 5,
            (20, Sex::Female) => 6,
            _ => return None,
        };
        let first11 = format!(
            "{:02}{:02}{:02}{}{:04}",
            birth_date.year() % 100,
            birth_date.month(),
            birth_date.day(),
            century_digit,
            serial
        );
        let digits: [u8; 11] = first11
            .bytes()
            .map(|b| b - b'0')
            .collect::<Vec<_>>()
            .try_into()
            .expect("the format has 11 digits");
        let check = check_digit(&digits)?;
        Some(Iin(format!("{first11}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        let digits = self.digits();
        let (century, _) = century_and_sex(digits[6]).expect("checked by parse");
        birth_date_of(&digits, century).expect("checked by parse")
    }

    pub fn sex(&self) -> Sex {
        century_and_sex(self.digits()[6]).expect("checked by parse").1
    }

    /// Full years on `date`; 0 for a date before the birth.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        date.years_since(self.birth_date()).unwrap_or(0)
    }

    /// `0803******16`: enough to tell records apart in a log, too little to identify anyone.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..4], &self.0[10..])
    }

    fn digits(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        for (o, b) in out.iter_mut().zip(self.0.bytes()) {
            *o = b - b'0';
        }
        out
    }
}

fn century_and_sex(digit: u8) -> Option<(i32, Sex)> {
    match digit {
        1 => Some((1800, Sex::Male)),
        2 => Some((1800, Sex::Female)),
        3 => Some((1900, Sex::Male)),
        4 => Some((1900, Sex::Female)),
        5 => Some((2000, Sex::Male)),
        6 => Some((2000, Sex::Female)),
        _ => None,
    }
}

fn birth_date_of(digits: &[u8; 12], century: i32) -> Option<NaiveDate> {
    let two = |i: usize| u32::from(digits[i]) * 10 + u32::from(digits[i + 1]);
    NaiveDate::from_ymd_opt(century + two(0) as i32, two(2), two(4))
}

impl fmt::Display for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Iin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Iin {
    type Err = IinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iin::parse(s)
    }
}

impl TryFrom<String> for Iin {
    type Error = IinError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Iin::parse(&s)
    }
}

impl From<Iin> for String {
    fn from(iin: Iin) -> String {
        iin.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn worked_example_first_pass() {
        let iin = Iin::parse("080315600016").unwrap();
        assert_eq!(iin.birth_date(), date(2008, 3, 15));
        assert_eq!(iin.sex(), Sex::Female);
        assert_eq!(iin.as_str(), "080315600016");
    }

    #[test]
    fn worked_example_second_pass() {
        let iin = Iin::parse("061211600012").unwrap();
        assert_eq!(iin.birth_date(), date(2006, 12, 11));
        assert_eq!(iin.sex(), Sex::Female);
    }

    #[test]
    fn worked_example_never_issued() {
        assert_eq!(Iin::parse("821214240092"), Err(IinError::BadCheckDigit));
        let first11: [u8; 11] = [8, 2, 1, 2, 1, 4, 2, 4, 0, 0, 9];
        assert_eq!(check_digit(&first11), None);
    }

    #[test]
    fn accepts_what_people_type() {
        for typed in ["080315 600016", "0803-1560-0016", "  080315600016\n", "0803 1560 0016"] {
            assert_eq!(Iin::parse(typed).unwrap().as_str(), "080315600016", "{typed:?}");
        }
    }

    #[test]
    fn rejects_each_kind_of_mistake_distinctly() {
        assert_eq!(Iin::parse("08031560001"), Err(IinError::WrongLength(11)));
        assert_eq!(Iin::parse("0803156000160"), Err(IinError::WrongLength(13)));
        assert_eq!(Iin::parse(""), Err(IinError::WrongLength(0)));
        assert_eq!(Iin::parse("08031560001O"), Err(IinError::NotDigits));
        assert_eq!(Iin::parse("080315+600016"), Err(IinError::NotDigits));
        assert_eq!(Iin::parse("080315700016"), Err(IinError::BadCenturyDigit(7)));
        assert_eq!(Iin::parse("080315000016"), Err(IinError::BadCenturyDigit(0)));
        assert_eq!(Iin::parse("080230600016"), Err(IinError::ImpossibleDate));
        assert_eq!(Iin::parse("081315600016"), Err(IinError::ImpossibleDate));
        assert_eq!(Iin::parse("080315600017"), Err(IinError::BadCheckDigit));
    }

    #[test]
    fn leap_days_depend_on_the_century() {
        // 29 Feb exists in 2000 (divisible by 400) but not in 1900.
        let in_2000 = Iin::from_parts(date(2000, 2, 29), Sex::Male, 1).unwrap();
        assert_eq!(in_2000.birth_date(), date(2000, 2, 29));
        let same_digits_1900 = format!("{}3{}", &in_2000.as_str()[..6], &in_2000.as_str()[7..]);
        assert_eq!(Iin::parse(&same_digits_1900), Err(IinError::ImpossibleDate));
    }

    #[test]
    fn age_counts_full_years() {
        let iin = Iin::parse("080315600016").unwrap();
        assert_eq!(iin.age_on(date(2024, 3, 14)), 15);
        assert_eq!(iin.age_on(date(2024, 3, 15)), 16);
        assert_eq!(iin.age_on(date(2000, 1, 1)), 0);
    }

    #[test]
    fn masks_for_logs() {
        assert_eq!(Iin::parse("080315600016").unwrap().masked(), "0803******16");
    }

    #[test]
    fn from_parts_refuses_what_cannot_be_encoded() {
        assert_eq!(Iin::from_parts(date(1799, 12, 31), Sex::Male, 1), None);
        assert_eq!(Iin::from_parts(date(2100, 1, 1), Sex::Male, 1), None);
        assert_eq!(Iin::from_parts(date(2008, 3, 15), Sex::Female, 10_000), None);
        assert_eq!(Iin::from_parts(date(2008, 3, 15), Sex::Female, 1).unwrap().as_str(), "080315600016");
    }

    #[test]
    fn serde_goes_through_parse() {
        let iin: Iin = serde_json::from_str("\"080315600016\"").unwrap();
        assert_eq!(serde_json::to_string(&iin).unwrap(), "\"080315600016\"");
        assert!(serde_json::from_str::<Iin>("\"080315600017\"").is_err());
    }

    /// Written differently from the code under test on purpose: per-position weight formulas
    /// and a hand-made calendar, so a shared mistake is unlikely.
    fn reference_is_valid(s: &str) -> bool {
        let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
        if d.len() != 12 || s.len() != 12 {
            return false;
        }
        let century = match d[6] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            5 | 6 => 2000,
            _ => return false,
        };
        let year = century + d[0] * 10 + d[1];
        let month = d[2] * 10 + d[3];
        let day = d[4] * 10 + d[5];
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        if day == 0 || day > days_in_month {
            return false;
        }
        let sum1: u32 = (0..11).map(|i| d[i] * (i as u32 + 1)).sum();
        let mut c = sum1 % 11;
        if c == 10 {
            let sum2: u32 = (0..11).map(|i| d[i] * ((i as u32 + 2) % 11 + 1)).sum();
            c = sum2 % 11;
        }
        c != 10 && c == d[11]
    }

    #[test]
    fn reference_agrees_on_worked_examples() {
        assert!(reference_is_valid("080315600016"));
        assert!(reference_is_valid("061211600012"));
        assert!(!reference_is_valid("821214240092"));
    }

    fn valid_iin() -> impl Strategy<Value = Iin> {
        let first = date(1800, 1, 1);
        let span = (date(2099, 12, 31) - first).num_days();
        (0..=span, any::<bool>(), 0u16..10_000).prop_filter_map(
            "checksum not issuable",
            move |(days, male, serial)| {
                let sex = if male { Sex::Male } else { Sex::Female };
                Iin::from_parts(first + chrono::Duration::days(days), sex, serial)
            },
        )
    }

    proptest! {
        #[test]
        fn generated_iins_parse_back(iin in valid_iin()) {
            let parsed = Iin::parse(iin.as_str()).unwrap();
            prop_assert!(reference_is_valid(iin.as_str()));
            prop_assert_eq!(parsed.birth_date(), iin.birth_date());
            prop_assert_eq!(&parsed, &iin);
        }

        #[test]
        fn one_changed_digit_is_rejected_unless_still_valid(
            iin in valid_iin(),
            pos in 0usize..12,
            bump in 1u8..10,
        ) {
            let mut bytes = iin.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(Iin::parse(&changed).is_ok(), reference_is_valid(&changed), "{}", changed);
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,20}") {
            if let Ok(iin) = Iin::parse(&s) {
                prop_assert!(reference_is_valid(iin.as_str()));
            }
        }
    }
}
