//! Amounts in whole tenge: the fee and every payment are whole numbers, so no minor units.

use std::fmt;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Money(u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an amount of money cannot be negative ({0})")]
pub struct NegativeAmount(pub i64);

impl Money {
    pub const fn from_tenge(tenge: u64) -> Money {
        Money(tenge)
    }

    pub const fn tenge(self) -> u64 {
        self.0
    }
}

/// The database keeps amounts as INT.
impl TryFrom<i32> for Money {
    type Error = NegativeAmount;
    fn try_from(tenge: i32) -> Result<Self, Self::Error> {
        u64::try_from(tenge).map(Money).map_err(|_| NegativeAmount(tenge.into()))
    }
}

impl TryFrom<i64> for Money {
    type Error = NegativeAmount;
    fn try_from(tenge: i64) -> Result<Self, Self::Error> {
        u64::try_from(tenge).map(Money).map_err(|_| NegativeAmount(tenge))
    }
}

/// `5 640 ₸` with NO-BREAK SPACEs, so a narrow phone screen never wraps the amount.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let mut grouped = String::with_capacity(digits.len() * 2 + 4);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('\u{a0}');
            }
            grouped.push(c);
        }
        write!(f, "{grouped}\u{a0}₸")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_with_no_break_spaces() {
        assert_eq!(Money::from_tenge(5640).to_string(), "5\u{a0}640\u{a0}₸");
        assert_eq!(Money::from_tenge(1_000_000).to_string(), "1\u{a0}000\u{a0}000\u{a0}₸");
        assert_eq!(Money::from_tenge(0).to_string(), "0\u{a0}₸");
        assert_eq!(Money::from_tenge(999).to_string(), "999\u{a0}₸");
        assert_eq!(Money::from_tenge(1000).to_string(), "1\u{a0}000\u{a0}₸");
        assert_eq!(Money::from_tenge(123_456).to_string(), "123\u{a0}456\u{a0}₸");
    }

    #[test]
    fn converts_database_integers() {
        assert_eq!(Money::try_from(5640i32), Ok(Money::from_tenge(5640)));
        assert_eq!(Money::try_from(-1i32), Err(NegativeAmount(-1)));
        assert_eq!(Money::try_from(-5i64), Err(NegativeAmount(-5)));
    }
}
