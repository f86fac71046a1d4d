//! `Bilingual<String>` as a column: queries select `ARRAY[x_kk, x_ru] AS x`, one value
//! instead of a pair of fields on every row type.

use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::{Decode, Postgres, Type};

use crate::i18n::Bilingual;

impl Type<Postgres> for Bilingual<String> {
    fn type_info() -> PgTypeInfo {
        <Vec<String> as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <Vec<String> as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for Bilingual<String> {
    fn decode(value: PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let v = <Vec<String> as Decode<Postgres>>::decode(value)?;
        match <[String; 2]>::try_from(v) {
            Ok([kk, ru]) => Ok(Bilingual { kk, ru }),
            Err(v) => Err(format!("a bilingual column needs [kk, ru], got {} values", v.len()).into()),
        }
    }
}
