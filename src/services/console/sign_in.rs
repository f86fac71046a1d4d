//! Password-less sign-in: a one-time link from the bot, then a session cookie.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::ExposeSecret;
use crate::db::audit;
use crate::db::console as store;
use crate::domain::StaffAction;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::staff::Role;

/// How long a sign-in link from the bot works.
pub const LINK_VALID_MINUTES: i64 = 10;
/// How long a console session lasts.
pub const SESSION_HOURS: i64 = 8;
/// The session cookie's name.
pub const COOKIE: &str = "ent_console";

type HmacSha256 = Hmac<Sha256>;

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn signature(secret: &str, id: &str, user: i64, expires_at: DateTime<Utc>) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("console-link\0{id}\0{user}\0{}", expires_at.timestamp()).as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A fresh secret for `CONSOLE_SECRET` when none is configured.
pub fn random_secret() -> String {
    random_token(32)
}

/// What may be logged of a token: its first characters.
pub fn token_prefix(token: &str) -> &str {
    token.get(..8).unwrap_or("")
}

/// A one-time sign-in link for a staff member (`None` for anyone else). A new link ends
/// his console sessions and voids his earlier links.
pub async fn issue_link(ctx: &Ctx, user: i64) -> anyhow::Result<Option<String>> {
    if !crate::services::staff::is_staff(ctx, user).await? {
        return Ok(None);
    }
    let now = ctx.clock.now();
    let expires_at = now + Duration::minutes(LINK_VALID_MINUTES);
    let id = random_token(16);
    store::end_sessions_of(&ctx.db, user).await?;
    store::create_link(&ctx.db, &id, user, now, expires_at).await?;
    let sig = URL_SAFE_NO_PAD.encode(signature(ctx.console_secret.expose_secret(), &id, user, expires_at));
    let token = format!("{id}.{sig}");
    tracing::info!(user, token = token_prefix(&token), "console sign-in link issued");
    let mut url = ctx.config.http.public_url.join("console/login")?;
    url.query_pairs_mut().append_pair("token", &token);
    Ok(Some(url.to_string()))
}

#[derive(Debug)]
pub enum SignIn {
    /// The cookie's value.
    SignedIn {
        session_token: String,
        user: i64,
    },
    Used,
    Expired,
    Invalid,
}

pub async fn sign_in(ctx: &Ctx, token: &str) -> anyhow::Result<SignIn> {
    let prefix = token_prefix(token);
    let Some((id, sig)) = token.split_once('.') else {
        return Ok(SignIn::Invalid);
    };
    let Some(link) = store::link(&ctx.db, id).await? else {
        tracing::info!(token = prefix, "console sign-in with an unknown link");
        return Ok(SignIn::Invalid);
    };
    let expected = signature(ctx.console_secret.expose_secret(), id, link.telegram_user_id, link.expires_at);
    let given = URL_SAFE_NO_PAD.decode(sig).unwrap_or_default();
    if !bool::from(expected.ct_eq(&given)) {
        tracing::warn!(token = prefix, "console sign-in link with a bad signature");
        return Ok(SignIn::Invalid);
    }
    let now = ctx.clock.now();
    let session_token = random_token(32);
    let csrf = random_token(32);
    let expires = now + Duration::hours(SESSION_HOURS);
    match store::consume_link(
        &ctx.db,
        id,
        &hash(&session_token),
        &csrf,
        now,
        expires,
        &ctx.config.sandbox_admins,
    )
    .await?
    {
        Some(user) => {
            audit::record(&ctx.db, user, "console.sign_in", "", serde_json::json!({})).await?;
            tracing::info!(user, token = prefix, "console sign-in");
            Ok(SignIn::SignedIn { session_token, user })
        }
        None if link.used_at.is_some() => Ok(SignIn::Used),
        None if link.expires_at <= now => Ok(SignIn::Expired),
        // Consumed by a racing request, or the staff member was removed meanwhile.
        None => Ok(SignIn::Used),
    }
}

#[derive(Debug, Clone)]
pub struct StaffSession {
    pub user: i64,
    pub role: Role,
    pub locale: Locale,
    pub name: String,
    csrf: String,
    token_hash: String,
}

impl StaffSession {
    /// Whether his role may take `action` (the permission table the bot reads too).
    pub fn may(&self, action: StaffAction) -> bool {
        self.role.may(action)
    }

    pub fn csrf_token(&self) -> &str {
        &self.csrf
    }

    /// Constant-time comparison with the token a form sent back.
    pub fn csrf_ok(&self, given: &str) -> bool {
        !given.is_empty() && bool::from(self.csrf.as_bytes().ct_eq(given.as_bytes()))
    }
}

/// The session a cookie names, if it is live and its owner is still staff.
pub async fn session(ctx: &Ctx, cookie: &str) -> anyhow::Result<Option<StaffSession>> {
    if cookie.is_empty() {
        return Ok(None);
    }
    let token_hash = hash(cookie);
    Ok(store::session(&ctx.db, &token_hash, ctx.clock.now(), &ctx.config.sandbox_admins).await?.map(|s| {
        StaffSession {
            user: s.telegram_user_id,
            role: s.role,
            locale: s.locale.unwrap_or(Locale::Ru),
            name: s.first_name.unwrap_or_default(),
            csrf: s.csrf_token,
            token_hash,
        }
    }))
}

pub async fn sign_out(ctx: &Ctx, s: &StaffSession) -> anyhow::Result<()> {
    store::end_session(&ctx.db, &s.token_hash).await?;
    audit::record(&ctx.db, s.user, "console.sign_out", "", serde_json::json!({})).await?;
    Ok(())
}
