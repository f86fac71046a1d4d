//! Email confirmation by a 6-digit code: 15 minutes to live, 5 attempts, a new code after
//! 60 seconds, at most 5 codes an hour per account and 5 an hour per address. A code used up
//! or expired stays stored (void) until the next one, so its cooldown holds. Only a salted
//! hash of the code is stored.

use chrono::Duration;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::db::email_verifications::{self as store, Cap, Limits, Put};
use crate::domain::Email;
use crate::i18n::Locale;
use crate::mail::OutgoingEmail;
use crate::services::Ctx;

pub const CODE_TTL_MINUTES: i64 = 15;
pub const MAX_ATTEMPTS: i32 = 5;
pub const RESEND_COOLDOWN_SECONDS: i64 = 60;
/// Codes mailed per Telegram account in any hour: a legitimate applicant needs one or two.
pub const CODES_PER_ACCOUNT_PER_HOUR: i64 = 5;
/// Codes mailed to one address in any hour, from all accounts together: no one can make the
/// NCT's sender flood a stranger's mailbox (nor guess more than 25 codes an hour for it).
pub const CODES_PER_ADDRESS_PER_HOUR: i64 = 5;

#[derive(Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    Cooldown {
        seconds_left: i64,
    },
    /// The account has had its codes for the hour; nothing was mailed.
    AccountLimit {
        minutes_left: i64,
    },
    /// The address has had its codes for the hour; nothing was mailed.
    AddressLimit {
        minutes_left: i64,
    },
    MailFailed,
}

#[derive(Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    Verified,
    Wrong { attempts_left: i32 },
    TooManyAttempts,
    Expired,
    NoCode,
}

/// Mails a new code, unless one went out less than a minute ago. `again` is the "send it
/// again" button; without it (the address typed), a code already mailed to the same
/// address within the minute stands and the answer is `Sent`: the same address typed
/// twice, or this update run again after a crash, needs no second mail.
pub async fn send_code(
    ctx: &Ctx,
    telegram_user_id: i64,
    locale: Locale,
    email: &Email,
    again: bool,
) -> anyhow::Result<SendOutcome> {
    let now = ctx.clock.now();
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    let limits = Limits {
        cooldown_from: now - Duration::seconds(RESEND_COOLDOWN_SECONDS),
        expires_at: now + Duration::minutes(CODE_TTL_MINUTES),
        window: Duration::hours(1),
        per_account: CODES_PER_ACCOUNT_PER_HOUR,
        per_address: CODES_PER_ADDRESS_PER_HOUR,
    };
    let send_id = match store::put_within_limits(
        &ctx.db,
        telegram_user_id,
        email.as_str(),
        &hash(&code),
        now,
        limits,
    )
    .await?
    {
        Put::Stored { send_id } => send_id,
        Put::CoolingDown => {
            let pending = store::get(&ctx.db, telegram_user_id).await?;
            if let Some(p) = &pending
                && !again
                && p.email == email.as_str()
                && p.mailed_at.is_some()
                && now < p.expires_at
                && p.attempts < MAX_ATTEMPTS
            {
                return Ok(SendOutcome::Sent);
            }
            let sent_at = pending.map(|p| p.sent_at).unwrap_or(now);
            let seconds_left =
                (RESEND_COOLDOWN_SECONDS - (now - sent_at).num_seconds()).clamp(1, RESEND_COOLDOWN_SECONDS);
            return Ok(SendOutcome::Cooldown { seconds_left });
        }
        Put::OverCap { cap, retry_at } => {
            let minutes_left = ((retry_at - now).num_seconds() + 59).div_euclid(60).max(1);
            tracing::info!(user = telegram_user_id, email = %email.masked(), ?cap, "hourly cap of codes reached");
            return Ok(match cap {
                Cap::Account => SendOutcome::AccountLimit { minutes_left },
                Cap::Address => SendOutcome::AddressLimit { minutes_left },
            });
        }
    };

    let args = [("code", code.as_str().into())];
    let message = OutgoingEmail {
        to: email.clone(),
        subject: ctx.i18n.t(locale, "mail-code-subject"),
        text: ctx.i18n.f(locale, "mail-code-text", &args),
        html: ctx.i18n.f(locale, "mail-code-html", &args),
    };
    match ctx.mailer.send(message, now).await {
        Ok(()) => {
            store::mark_mailed(&ctx.db, telegram_user_id, now).await?;
            tracing::info!(user = telegram_user_id, email = %email.masked(), "confirmation code sent");
            Ok(SendOutcome::Sent)
        }
        Err(e) => {
            // `e` names the SMTP kind and code only: the server's reply quotes the address.
            tracing::warn!(user = telegram_user_id, email = %email.masked(), error = %e, "confirmation code not sent");
            // The code never arrived: let the applicant try again at once, and do not count it.
            store::delete(&ctx.db, telegram_user_id).await?;
            store::forget_send(&ctx.db, send_id).await?;
            Ok(SendOutcome::MailFailed)
        }
    }
}

/// Forgets the record of codes mailed more than a day ago: the caps look back an hour.
#[tracing::instrument(skip_all)]
pub async fn prune_sends(ctx: &Ctx) -> anyhow::Result<u64> {
    Ok(store::prune_sends(&ctx.db, ctx.clock.now() - Duration::days(1)).await?)
}

/// The address a code is pending for.
pub async fn pending_email(ctx: &Ctx, telegram_user_id: i64) -> sqlx::Result<Option<String>> {
    Ok(store::get(&ctx.db, telegram_user_id).await?.map(|p| p.email))
}

/// Checks a code; on success the email becomes the applicant's verified address.
/// `email` is the address the code was asked for: when it is already the applicant's
/// verified address, the code was accepted before (this update runs again after a crash
/// cut it short, or the applicant typed the code twice) and the answer is the same.
pub async fn verify(
    ctx: &Ctx,
    telegram_user_id: i64,
    email: &str,
    code: &str,
) -> anyhow::Result<VerifyOutcome> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(pending) = store::lock(&mut *tx, telegram_user_id).await? else {
        // An applicant row holds only a verified address.
        let applicant = crate::db::applicants::by_user(&ctx.db, telegram_user_id).await?;
        if applicant.is_some_and(|a| a.email.as_deref() == Some(email)) {
            return Ok(VerifyOutcome::Verified);
        }
        return Ok(VerifyOutcome::NoCode);
    };
    // A void code stays stored: its `sent_at` holds the cooldown of the next one.
    if pending.attempts >= MAX_ATTEMPTS {
        return Ok(VerifyOutcome::TooManyAttempts);
    }
    if now >= pending.expires_at {
        return Ok(VerifyOutcome::Expired);
    }
    if matches(&pending.code_hash, code) {
        crate::db::applicants::set_verified_email(&mut *tx, telegram_user_id, &pending.email, now).await?;
        store::delete(&mut *tx, telegram_user_id).await?;
        tx.commit().await?;
        tracing::info!(user = telegram_user_id, "email verified");
        return Ok(VerifyOutcome::Verified);
    }
    let used = pending.attempts + 1;
    store::count_attempt(&mut *tx, telegram_user_id).await?;
    let outcome = if used >= MAX_ATTEMPTS {
        VerifyOutcome::TooManyAttempts
    } else {
        VerifyOutcome::Wrong { attempts_left: MAX_ATTEMPTS - used }
    };
    tx.commit().await?;
    Ok(outcome)
}

fn hash(code: &str) -> String {
    let salt: [u8; 16] = rand::random();
    let salt = hex(&salt);
    format!("{salt}${}", digest(&salt, code))
}

fn matches(stored: &str, code: &str) -> bool {
    match stored.split_once('$') {
        Some((salt, expected)) => digest(salt, code).as_bytes().ct_eq(expected.as_bytes()).into(),
        None => false,
    }
}

fn digest(salt: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b":");
    h.update(code.as_bytes());
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `123 456`, `123-456` → `123456`; anything else is not a code.
pub fn normalize_code(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_matches_only_its_code_and_hides_it() {
        let h = hash("042917");
        assert!(!h.contains("042917"));
        assert!(matches(&h, "042917"));
        assert!(!matches(&h, "042918"));
        assert_ne!(hash("042917"), h, "salted");
    }

    #[test]
    fn codes_are_read_leniently() {
        assert_eq!(normalize_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(normalize_code("123-456").as_deref(), Some("123456"));
        assert_eq!(normalize_code("12345"), None);
        assert_eq!(normalize_code("12345a"), None);
    }
}
