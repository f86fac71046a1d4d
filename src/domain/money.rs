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

/// Decoded at the row boundary (`amount_tenge AS "amount_tenge: Money"`): an INT column,
/// or a BIGINT sum; a negative amount is a decoding error, not a value.
impl sqlx::Type<sqlx::Postgres> for Money {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <i32 as sqlx::Type<sqlx::Postgres>>::type_info()
    }

    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <i32 as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            || <i64 as sqlx::Type<sqlx::Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for Money {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        use sqlx::{TypeInfo, ValueRef};
        let wide = value.type_info().name() == "INT8";
        let tenge: i64 = if wide {
            <i64 as sqlx::Decode<sqlx::Postgres>>::decode(value)?
        } else {
            <i32 as sqlx::Decode<sqlx::Postgres>>::decode(value)?.into()
        };
        Ok(Money::try_from(tenge)?)
    }
}

impl sqlx::Encode<'_, sqlx::Postgres> for Money {
    fn encode_by_ref(
        &self,
        buf: &mut sqlx::postgres::PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <i32 as sqlx::Encode<sqlx::Postgres>>::encode_by_ref(&i32::try_from(self.0)?, buf)
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
