//! Email confirmation by a 6-digit code: 15 minutes to live, 5 attempts, a new code after
//! 60 seconds. Only a salted hash of the code is stored.

use chrono::Duration;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::db::email_verifications as store;
use crate::domain::Email;
use crate::i18n::Locale;
use crate::mail::OutgoingEmail;
use crate::services::Ctx;

pub const CODE_TTL_MINUTES: i64 = 15;
pub const MAX_ATTEMPTS: i32 = 5;
pub const RESEND_COOLDOWN_SECONDS: i64 = 60;

#[derive(Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    Cooldown { seconds_left: i64 },
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
    let stored = store::put_unless_cooling_down(
        &ctx.db,
        telegram_user_id,
        email.as_str(),
        &hash(&code),
        now,
        now - Duration::seconds(RESEND_COOLDOWN_SECONDS),
        now + Duration::minutes(CODE_TTL_MINUTES),
    )
    .await?;
    if !stored {
        let pending = store::get(&ctx.db, telegram_user_id).await?;
        if let Some(p) = &pending
            && !again
            && p.email == email.as_str()
            && p.mailed_at.is_some()
        {
            return Ok(SendOutcome::Sent);
        }
        let sent_at = pending.map(|p| p.sent_at).unwrap_or(now);
        let seconds_left =
            (RESEND_COOLDOWN_SECONDS - (now - sent_at).num_seconds()).clamp(1, RESEND_COOLDOWN_SECONDS);
        return Ok(SendOutcome::Cooldown { seconds_left });
    }

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
            // The code never arrived: let the applicant try again at once.
            store::delete(&ctx.db, telegram_user_id).await?;
            Ok(SendOutcome::MailFailed)
        }
    }
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
    if now >= pending.expires_at {
        store::delete(&mut *tx, telegram_user_id).await?;
        tx.commit().await?;
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
    let outcome = if used >= MAX_ATTEMPTS {
        store::delete(&mut *tx, telegram_user_id).await?;
        VerifyOutcome::TooManyAttempts
    } else {
        store::count_attempt(&mut *tx, telegram_user_id).await?;
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
