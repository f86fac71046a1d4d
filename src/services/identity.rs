//! The IIN: looked up in the person registry, bound to exactly one Telegram account;
//! moved to another account by support (`rebind`), on an applicant's request or not.

use crate::db::outbox::{DedupKey, NewMessage};
use sha2::{Digest, Sha256};

use crate::db::iin_lookups::{Limits, Taken};
use crate::db::rebinds::{self, Moved, NewRequest};
pub use crate::db::rebinds::{Plan as RebindPlan, Request as RebindRequest};
use crate::db::{applicants, audit, iin_lookups, persons};
use crate::domain::StaffAction;
use crate::domain::{Iin, Phone};
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::staff::{self, Access};

/// A lookup shows a person's full name: an account gets this many an hour, unknown IINs
/// included, so the registry cannot be walked through the bot.
pub const LOOKUPS_PER_HOUR: i64 = 10;
/// An IIN is looked up by at most this many accounts an hour: its owner, a relative
/// helping him, a new phone. More is someone collecting names or about to claim it.
pub const ACCOUNTS_PER_IIN_PER_HOUR: i64 = 3;
/// Open re-bind requests an account may have at once.
pub const OPEN_REQUESTS_PER_ACCOUNT: i64 = 3;

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
    /// Too many accounts looked this IIN up in the last hour; it can be looked up again
    /// in this many minutes.
    IinLimited {
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
    let limits =
        Limits { per_account: LOOKUPS_PER_HOUR, accounts_per_iin: ACCOUNTS_PER_IIN_PER_HOUR, window };
    let minutes =
        |next: chrono::DateTime<chrono::Utc>| ((next - now).num_seconds() + 59).div_euclid(60).max(1);
    match iin_lookups::take(&ctx.db, telegram_user_id, &digest(iin), now, limits).await? {
        Taken::Allowed => {}
        Taken::AccountLimited(next) => {
            let minutes = minutes(next);
            tracing::warn!(user = telegram_user_id, minutes, "IIN lookups limited");
            return Ok(Lookup::Limited { minutes });
        }
        Taken::IinLimited(next) => {
            let minutes = minutes(next);
            tracing::warn!(user = telegram_user_id, iin = %iin.masked(), minutes, "IIN looked up by too many accounts");
            return Ok(Lookup::IinLimited { minutes });
        }
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

/// How the per-IIN limit keys an IIN. Not a secret (the registry could be hashed too): its
/// rows are gone after an hour, and the digest keeps IINs out of casual reading.
fn digest(iin: &Iin) -> Vec<u8> {
    Sha256::new().chain_update(b"ent-bot iin lookup\0").chain_update(iin.as_str()).finalize().to_vec()
}

// ───────────────────────────── re-bind ─────────────────────────────

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rebind {
    Done {
        /// The account that held the IIN (`None`: nobody did).
        from: Option<i64>,
        /// Applications that moved with the IIN, and how many of them are live.
        applications: i64,
        live: i64,
    },
    /// The actor is not an admin.
    Forbidden,
    /// The IIN is not in the person registry.
    NotInRegistry,
    /// The new account never wrote to the bot.
    UnknownAccount,
    AlreadyHolder,
    /// The new account holds another IIN.
    HoldsAnother,
    /// Someone bound the IIN at this very moment; nothing changed, try again.
    Conflict,
}

/// Support's re-bind, the one use case behind the bot's `/rebind` and the console: moves
/// the IIN from whoever holds it to the account `to`, in one transaction with the audit
/// entry, the closing of the new holder's open requests about it, and a message to each
/// account in its own language.
///
/// What belongs to the IIN moves with it: the registry name, the birth date and every
/// application made under it, live ones included (a paid registration, a seat on hold).
/// An application is the person's registration (the attendance list prints the registry
/// name of the IIN), not the account's: the usual reason for a re-bind is an owner who
/// lost his Telegram account, and his paid registration must reach him on the new one.
/// When the previous account was a squatter, the owner gets the squatter's hold or paid
/// seat in his own name and may cancel or withdraw it; the squatter keeps nothing that
/// carries the owner's name. Refusing while the old account had a live application would
/// instead leave the owner locked out by the very seat that was taken in his name. Email
/// and phone stay with their accounts (each confirmed its own).
pub async fn rebind(ctx: &Ctx, actor: i64, iin: &Iin, to: i64) -> anyhow::Result<Rebind> {
    if !matches!(staff::authorize(ctx, actor, StaffAction::Rebind).await?, Access::Granted(_)) {
        return Ok(Rebind::Forbidden);
    }
    let Some(person) = persons::find(&ctx.db, iin.as_str()).await? else {
        return Ok(Rebind::NotInRegistry);
    };
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let moved =
        match rebinds::move_iin(&mut tx, iin.as_str(), &person.full_name(), iin.birth_date(), to).await {
            Ok(moved) => moved,
            Err(e) if crate::db::violates(&e, applicants::IIN_UNIQUE) => return Ok(Rebind::Conflict),
            Err(e) => return Err(e.into()),
        };
    let (from, from_locale, to_locale, applications, live) = match moved {
        Moved::Moved { from, from_locale, to_locale, applications, live } => {
            (from, from_locale, to_locale, applications, live)
        }
        Moved::UnknownAccount => return Ok(Rebind::UnknownAccount),
        Moved::AlreadyHolder => return Ok(Rebind::AlreadyHolder),
        Moved::HoldsAnother => return Ok(Rebind::HoldsAnother),
    };
    let requests = rebinds::resolve_rebound(&mut tx, to, iin.as_str(), actor, now).await?;
    let details = serde_json::json!({
        "iin": iin.masked(), "from": from, "to": to, "applications": applications, "live": live,
        "requests": requests,
    });
    let event = audit::record_id(&mut *tx, actor, "iin.rebind", &format!("telegram:{to}"), details).await?;
    let masked = iin.masked();
    let support = ctx.config.support_contact.as_str();
    if let Some(from) = from {
        let locale = from_locale.unwrap_or(Locale::Kk);
        let args = [("iin", masked.as_str().into()), ("support", support.into())];
        let text = ctx.i18n.f(locale, "rebind-notice-from", &args);
        queue(&mut tx, ctx, from, &text, DedupKey::RebindFrom { event }).await?;
    }
    let locale = to_locale.unwrap_or(Locale::Kk);
    let args = [("iin", masked.as_str().into()), ("applications", applications.into())];
    let text = ctx.i18n.f(locale, "rebind-notice-to", &args);
    queue(&mut tx, ctx, to, &text, DedupKey::RebindTo { event }).await?;
    tx.commit().await?;
    tracing::warn!(actor, iin = %masked, ?from, to, applications, live, "IIN re-bound");
    Ok(Rebind::Done { from, applications, live })
}

async fn queue(
    conn: &mut sqlx::PgConnection,
    ctx: &Ctx,
    user: i64,
    text: &str,
    key: DedupKey,
) -> sqlx::Result<bool> {
    crate::db::outbox::enqueue(conn, &NewMessage::transactional(user, text, key, ctx.clock.now())).await
}

/// What a re-bind would do, for the console's confirmation page (audited: it shows who
/// holds an IIN).
pub async fn rebind_plan(
    ctx: &Ctx,
    actor: i64,
    iin: &Iin,
    to: i64,
) -> anyhow::Result<Option<(String, rebinds::Plan)>> {
    let Some(person) = persons::find(&ctx.db, iin.as_str()).await? else {
        return Ok(None);
    };
    let plan = rebinds::plan(&ctx.db, iin.as_str(), to).await?;
    let details = serde_json::json!({ "iin": iin.masked(), "holder": plan.holder, "to": to });
    audit::record(&ctx.db, actor, "console.rebind_preview", &format!("telegram:{to}"), details).await?;
    Ok(Some((person.full_name(), plan)))
}

// ───────────────────────────── requests to support ─────────────────────────────

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Recorded,
    AlreadyOpen,
    TooMany,
    /// The IIN is not bound to another account (any more): he can simply bind it.
    NotNeeded,
}

/// An applicant asks support to re-bind an IIN bound to another account to his.
pub async fn request_rebind(ctx: &Ctx, telegram_user_id: i64, iin: &Iin) -> anyhow::Result<Request> {
    match applicants::holder_of_iin(&ctx.db, iin.as_str()).await? {
        Some(holder) if holder != telegram_user_id => {}
        _ => return Ok(Request::NotNeeded),
    }
    let now = ctx.clock.now();
    Ok(
        match rebinds::create_request(&ctx.db, telegram_user_id, iin.as_str(), now, OPEN_REQUESTS_PER_ACCOUNT)
            .await?
        {
            NewRequest::Recorded(id) => {
                tracing::warn!(user = telegram_user_id, iin = %iin.masked(), request = id, "re-bind requested");
                Request::Recorded
            }
            NewRequest::AlreadyOpen => Request::AlreadyOpen,
            NewRequest::TooMany => Request::TooMany,
        },
    )
}

/// The phone he shared for his open requests; false when he has none open.
pub async fn request_phone(ctx: &Ctx, telegram_user_id: i64, phone: &Phone) -> anyhow::Result<bool> {
    let n = rebinds::attach_phone(&ctx.db, telegram_user_id, phone.as_str()).await?;
    tracing::info!(user = telegram_user_id, phone = %phone.masked(), requests = n, "phone added to re-bind requests");
    Ok(n > 0)
}

/// The open requests, oldest first (audited: the list names people).
pub async fn open_requests(ctx: &Ctx, actor: i64) -> anyhow::Result<Vec<rebinds::Request>> {
    let rows = rebinds::open_requests(&ctx.db, 200).await?;
    audit::record(&ctx.db, actor, "console.rebind_requests", "", serde_json::json!({ "open": rows.len() }))
        .await?;
    Ok(rows)
}

/// One request in full (audited).
pub async fn request(ctx: &Ctx, actor: i64, id: i64) -> anyhow::Result<Option<rebinds::Request>> {
    let Some(r) = rebinds::request(&ctx.db, id).await? else {
        return Ok(None);
    };
    audit::record(&ctx.db, actor, "console.view", &format!("rebind_request:{id}"), serde_json::json!({}))
        .await?;
    Ok(Some(r))
}

/// Refuses an open request (admins), with a note for the audit log; the applicant is told
/// in his language. False when it was not open.
pub async fn refuse_request(ctx: &Ctx, actor: i64, id: i64, note: &str) -> anyhow::Result<bool> {
    if !matches!(staff::authorize(ctx, actor, StaffAction::Rebind).await?, Access::Granted(_)) {
        return Ok(false);
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some((requester, iin, locale)) = rebinds::refuse(&mut tx, id, actor, note, now).await? else {
        return Ok(false);
    };
    let target = format!("rebind_request:{id}");
    let event =
        audit::record_id(&mut *tx, actor, "iin.rebind_refused", &target, serde_json::json!({ "note": note }))
            .await?;
    let masked = Iin::parse(&iin).map(|i| i.masked()).unwrap_or_default();
    let args = [("iin", masked.into()), ("support", ctx.config.support_contact.as_str().into())];
    let text = ctx.i18n.f(locale.unwrap_or(Locale::Kk), "rebind-request-refused-notice", &args);
    queue(&mut tx, ctx, requester, &text, DedupKey::RebindRefused { event }).await?;
    tx.commit().await?;
    tracing::info!(actor, request = id, "re-bind request refused");
    Ok(true)
}
