//! The IIN: looked up in the person registry, bound to exactly one Telegram account.

use crate::db::{applicants, iin_lookups, persons};
use crate::domain::Iin;
use crate::services::Ctx;

/// A lookup shows a person's full name: an account gets this many an hour, unknown IINs
/// included, so the registry cannot be walked through the bot.
pub const LOOKUPS_PER_HOUR: i64 = 10;

#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Found {
        full_name: String,
    },
    NotFound,
    TakenByAnother,
    /// Too many lookups in the last hour; the next is allowed in this many minutes.
    Limited {
        minutes: i64,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub enum Bind {
    Bound,
    NotFound,
    TakenByAnother,
    /// The email step was not completed; the caller restarts onboarding.
    NoApplicant,
}

pub async fn lookup(ctx: &Ctx, telegram_user_id: i64, iin: &Iin) -> sqlx::Result<Lookup> {
    let now = ctx.clock.now();
    let window = chrono::Duration::hours(1);
    if let Err(next) = iin_lookups::take(&ctx.db, telegram_user_id, now, LOOKUPS_PER_HOUR, window).await? {
        let minutes = ((next - now).num_seconds() + 59).div_euclid(60).max(1);
        tracing::warn!(user = telegram_user_id, minutes, "IIN lookups limited");
        return Ok(Lookup::Limited { minutes });
    }
    let Some(person) = persons::find(&ctx.db, iin.as_str()).await? else {
        tracing::info!(user = telegram_user_id, iin = %iin.masked(), "IIN not in the registry");
        return Ok(Lookup::NotFound);
    };
    match applicants::holder_of_iin(&ctx.db, iin.as_str()).await? {
        Some(holder) if holder != telegram_user_id => {
            tracing::warn!(user = telegram_user_id, iin = %iin.masked(), "IIN held by another account");
            Ok(Lookup::TakenByAnother)
        }
        _ => Ok(Lookup::Found { full_name: person.full_name() }),
    }
}

/// Binds the IIN. The unique index decides a race between two accounts.
pub async fn bind(ctx: &Ctx, telegram_user_id: i64, iin: &Iin) -> sqlx::Result<Bind> {
    let Some(person) = persons::find(&ctx.db, iin.as_str()).await? else {
        return Ok(Bind::NotFound);
    };
    match applicants::bind_iin(&ctx.db, telegram_user_id, iin.as_str(), &person.full_name(), iin.birth_date())
        .await
    {
        Ok(true) => {
            tracing::info!(user = telegram_user_id, iin = %iin.masked(), "IIN bound");
            Ok(Bind::Bound)
        }
        Ok(false) => Ok(Bind::NoApplicant),
        Err(e) if crate::db::violates(&e, applicants::IIN_UNIQUE) => Ok(Bind::TakenByAnother),
        Err(e) => Err(e),
    }
}
