//! How many IIN lookups an account made lately (never which IINs), and how many accounts
//! looked an IIN up lately (the IIN kept as a digest, for an hour).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

/// The limits of one lookup.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Lookups an account may make in `window`.
    pub per_account: i64,
    /// Different accounts that may look one IIN up in `window`.
    pub accounts_per_iin: i64,
    pub window: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Allowed,
    /// The account made too many lookups; the next is allowed at this time.
    AccountLimited(DateTime<Utc>),
    /// Too many other accounts looked this IIN up; it may be looked up again at this time.
    IinLimited(DateTime<Utc>),
}

/// Counts a lookup if the account made fewer than `per_account` in the window and fewer
/// than `accounts_per_iin` other accounts looked this IIN up in it. One transaction,
/// serialised per account on its user row and per IIN on an advisory lock (always in this
/// order, so two lookups never wait on each other in a circle), so concurrent lookups
/// cannot all slip under either limit. A refused IIN still costs the account a lookup: the
/// refusal must not be a free probe.
pub async fn take(
    pool: &PgPool,
    telegram_user_id: i64,
    iin_digest: &[u8],
    now: DateTime<Utc>,
    limits: Limits,
) -> sqlx::Result<Taken> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT id FROM telegram_users WHERE id = $1 FOR UPDATE", telegram_user_id)
        .fetch_optional(&mut *tx)
        .await?;
    let since = now - limits.window;
    sqlx::query!(
        "DELETE FROM iin_lookups WHERE telegram_user_id = $1 AND looked_up_at <= $2",
        telegram_user_id,
        since
    )
    .execute(&mut *tx)
    .await?;
    let recent: Vec<DateTime<Utc>> = sqlx::query_scalar!(
        "SELECT looked_up_at FROM iin_lookups WHERE telegram_user_id = $1 ORDER BY looked_up_at DESC LIMIT $2",
        telegram_user_id,
        limits.per_account,
    )
    .fetch_all(&mut *tx)
    .await?;
    if recent.len() as i64 >= limits.per_account {
        // The oldest of the last `limit` lookups leaves the window first.
        let oldest = recent.last().copied().unwrap_or(now);
        tx.commit().await?;
        return Ok(Taken::AccountLimited(oldest + limits.window));
    }
    sqlx::query!(
        "INSERT INTO iin_lookups (telegram_user_id, looked_up_at) VALUES ($1, $2)",
        telegram_user_id,
        now
    )
    .execute(&mut *tx)
    .await?;

    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('iin-lookup:' || encode($1, 'hex'), 0))",
        iin_digest
    )
    .execute(&mut *tx)
    .await?;
    // Every IIN's old rows go, not only this one's: none outlives the hour.
    sqlx::query!("DELETE FROM iin_lookup_accounts WHERE looked_up_at <= $1", since).execute(&mut *tx).await?;
    let others: Vec<(i64, DateTime<Utc>)> = sqlx::query!(
        "SELECT telegram_user_id, looked_up_at FROM iin_lookup_accounts WHERE iin_digest = $1
         ORDER BY looked_up_at DESC",
        iin_digest
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.telegram_user_id, r.looked_up_at))
    .collect();
    // An account that looked the IIN up already in the window looks again for free.
    let seen = others.iter().any(|(user, _)| *user == telegram_user_id);
    if !seen && others.len() as i64 >= limits.accounts_per_iin {
        let index = usize::try_from(limits.accounts_per_iin - 1).unwrap_or(0);
        let frees = others.get(index).map(|(_, at)| *at).unwrap_or(now) + limits.window;
        tx.commit().await?;
        return Ok(Taken::IinLimited(frees));
    }
    if !seen {
        sqlx::query!(
            "INSERT INTO iin_lookup_accounts (iin_digest, telegram_user_id, looked_up_at) VALUES ($1, $2, $3)",
            iin_digest,
            telegram_user_id,
            now,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Taken::Allowed)
}
