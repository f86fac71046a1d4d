//! A Kazakhstan mobile number, stored as `+77XXXXXXXXX` (the schema's CHECK).
//!
//! Accepted input (ENT-FACTS §7.1): `+7 (701) 123-45-67`, `8 701 123 45 67` (domestic trunk
//! prefix 8), `87011234567`, `77011234567`, `7011234567` (the 10-digit national number),
//! with spaces, dashes, dots and brackets anywhere. Accepted operator codes: 700–709, 747 and
//! 770–779. 70x and 77x are the listed mobile zones; 747 (Tele2/Altel) is in wide use, so
//! leaving it out would turn real applicants away. Fixed lines (710–729) and the other 7xx
//! codes are refused: payment and notification flows need a mobile the applicant carries.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("a phone number has only digits, spaces, brackets, dashes and a leading +")]
    NotDigits,
    #[error("a Kazakhstan number has 10 digits after +7 or 8; this one has {0} digits in all")]
    WrongLength(usize),
    #[error("this is not a Kazakhstan number (+7 7xx …)")]
    NotKazakhstan,
    #[error("this is not a mobile number (operator codes 700–709, 747, 770–779)")]
    NotMobile,
}

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let trimmed = input.trim();
        let plus = trimmed.starts_with('+');
        let rest = trimmed.strip_prefix('+').unwrap_or(trimmed);
        if !rest.chars().all(|c| c.is_ascii_digit() || c.is_whitespace() || "()-.".contains(c)) {
            return Err(PhoneError::NotDigits);
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        let national = match (plus, digits.len(), digits.chars().next()) {
            (true, 11, Some('7')) => &digits[1..],
            (true, n, Some('7')) => return Err(PhoneError::WrongLength(n)),
            (true, 0, None) => return Err(PhoneError::WrongLength(0)),
            (true, _, _) => return Err(PhoneError::NotKazakhstan),
            (false, 11, Some('7' | '8')) => &digits[1..],
            (false, 11, _) => return Err(PhoneError::NotKazakhstan),
            (false, 10, Some('8')) => return Err(PhoneError::WrongLength(10)),
            (false, 10, _) => &digits[..],
            (false, n, _) => return Err(PhoneError::WrongLength(n)),
        };
        if !national.starts_with('7') {
            // +7 0xx and +7 6xx are Kazakhstan's too (2023 plan) but not mobile; 3xx–9xx are Russia.
            return Err(if national.starts_with(['0', '6']) {
                PhoneError::NotMobile
            } else {
                PhoneError::NotKazakhstan
            });
        }
        let code: u16 = national[..3].parse().expect("three ASCII digits");
        if !matches!(code, 700..=709 | 747 | 770..=779) {
            return Err(PhoneError::NotMobile);
        }
        Ok(Phone(format!("+7{national}")))
    }

    /// `+77011234567`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `+7 701 123 45 67`, the way people read numbers aloud.
    pub fn pretty(&self) -> String {
        let d = &self.0[2..];
        format!("+7 {} {} {} {}", &d[..3], &d[3..6], &d[6..8], &d[8..])
    }

    /// `+7701*****67`: the operator and the last two digits are enough to tell numbers apart.
    pub fn masked(&self) -> String {
        format!("{}*****{}", &self.0[..5], &self.0[10..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> String {
        phone.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn normalises_what_people_type() {
        for typed in [
            "8 701 123 45 67",
            "+7 (701) 123-45-67",
            "87011234567",
            "77011234567",
            "7011234567",
            "+77011234567",
            "  8(701)123-45-67 ",
            "+7 701.123.45.67",
        ] {
            assert_eq!(
                Phone::parse(typed).map(|p| p.as_str().to_owned()),
                Ok("+77011234567".into()),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn accepts_every_mobile_operator_code() {
        for code in (700..=709).chain([747]).chain(770..=779) {
            assert!(Phone::parse(&format!("+7{code}1234567")).is_ok(), "{code}");
        }
    }

    #[test]
    fn refuses_fixed_lines_and_unassigned_codes() {
        for code in [710, 717, 727, 729, 740, 750, 760, 780, 790] {
            assert_eq!(Phone::parse(&format!("+7{code}1234567")), Err(PhoneError::NotMobile), "{code}");
        }
        assert_eq!(Phone::parse("+7 600 123 45 67"), Err(PhoneError::NotMobile));
    }

    #[test]
    fn refuses_other_countries() {
        assert_eq!(Phone::parse("+7 916 123 45 67"), Err(PhoneError::NotKazakhstan));
        assert_eq!(Phone::parse("8 916 123 45 67"), Err(PhoneError::NotKazakhstan));
        assert_eq!(Phone::parse("+998 90 123 45 67"), Err(PhoneError::NotKazakhstan));
        assert_eq!(Phone::parse("+8 701 123 45 67"), Err(PhoneError::NotKazakhstan));
        assert_eq!(Phone::parse("97011234567"), Err(PhoneError::NotKazakhstan));
    }

    #[test]
    fn refuses_wrong_lengths_and_letters() {
        // A dropped digit after the trunk prefix must not read as a foreign number.
        assert_eq!(Phone::parse("8 701 123 45 6"), Err(PhoneError::WrongLength(10)));
        assert_eq!(Phone::parse("701 123 45 6"), Err(PhoneError::WrongLength(9)));
        assert_eq!(Phone::parse("+7 701 123 45 678"), Err(PhoneError::WrongLength(12)));
        assert_eq!(Phone::parse("+"), Err(PhoneError::WrongLength(0)));
        assert_eq!(Phone::parse(""), Err(PhoneError::WrongLength(0)));
        assert_eq!(Phone::parse("8 701 ABC 45 67"), Err(PhoneError::NotDigits));
        assert_eq!(Phone::parse("7+7011234567"), Err(PhoneError::NotDigits));
    }

    /// `digits` with a separator (space, dash, bracket, dot) inserted before each chosen
    /// position; position 0 is never chosen, so a leading `+` stays leading.
    fn with_separators(digits: &str, inserts: &[(usize, char)]) -> String {
        let mut out: Vec<char> = digits.chars().collect();
        for &(at, sep) in inserts {
            out.insert(1 + at % out.len(), sep);
        }
        out.into_iter().collect()
    }

    fn separators() -> impl Strategy<Value = Vec<(usize, char)>> {
        prop::collection::vec((any::<usize>(), prop::sample::select(vec![' ', '-', '(', ')', '.'])), 0..6)
    }

    fn mobile_national() -> impl Strategy<Value = String> {
        let codes: Vec<u16> = (700..=709).chain([747]).chain(770..=779).collect();
        (prop::sample::select(codes), 0u32..10_000_000).prop_map(|(code, rest)| format!("{code}{rest:07}"))
    }

    proptest! {
        #[test]
        fn every_common_form_of_a_mobile_normalises_alike(
            national in mobile_national(),
            form in 0usize..4,
            inserts in separators(),
        ) {
            let prefix = ["+7", "8", "7", ""][form];
            let typed = with_separators(&format!("{prefix}{national}"), &inserts);
            let phone = Phone::parse(&typed);
            let expected = format!("+7{national}");
            prop_assert_eq!(phone.as_ref().map(Phone::as_str), Ok(expected.as_str()), "{:?}", typed);
            let phone = phone.unwrap();
            prop_assert_eq!(Phone::parse(phone.as_str()), Ok(phone.clone()));
            prop_assert_eq!(Phone::parse(&phone.pretty()), Ok(phone));
        }

        /// With a country or trunk prefix, any 10 digits get the same answer, accepted or not.
        #[test]
        fn prefixes_agree_on_any_national_number(
            national in "[0-9]{10}",
            inserts in separators(),
        ) {
            let answers: Vec<_> = ["+7", "8", "7"]
                .iter()
                .map(|prefix| Phone::parse(&with_separators(&format!("{prefix}{national}"), &inserts)))
                .collect();
            prop_assert_eq!(&answers[0], &answers[1]);
            prop_assert_eq!(&answers[0], &answers[2]);
            if let Ok(phone) = &answers[0] {
                prop_assert_eq!(phone.as_str(), format!("+7{national}"));
                prop_assert_eq!(&Phone::parse(phone.as_str()), &answers[0]);
            }
        }
    }

    #[test]
    fn formats_and_masks() {
        let phone = Phone::parse("87011234567").unwrap();
        assert_eq!(phone.pretty(), "+7 701 123 45 67");
        assert_eq!(phone.masked(), "+7701*****67");
    }
}
