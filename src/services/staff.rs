//! Staff actions. Each one checks the actor's role and writes the audit log.

use crate::db::applicants::Applicant;
use crate::db::campaigns;
pub use crate::db::campaigns::Campaign;
use crate::db::outbox::{DedupKey, NewMessage};
pub use crate::db::staff::Role;
use crate::db::staff::{self as store, FindKey, FoundApplication, FoundPayment, SlotLoad, Stats};
use crate::db::{applications, audit, refunds};
use crate::domain::{ApplicationStatus, Iin, Phone, StaffAction};
use crate::payments::order_number;
use crate::services::Ctx;

/// May `actor` take `action`? One answer for the bot and the console alike: both read
/// the permission table ([`StaffAction::needs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Not staff at all: answered as any unknown command (staff commands stay unrevealed).
    NotStaff,
    /// Staff, but his role may not take this action.
    Denied(Role),
    Granted(Role),
}

/// The staff role of a user: from the `staff` table, or an in-memory sandbox admin.
pub async fn role_of(ctx: &Ctx, user: i64) -> sqlx::Result<Option<Role>> {
    if ctx.config.sandbox_admins.contains(&user) {
        return Ok(Some(Role::Admin));
    }
    store::role(&ctx.db, user).await
}

pub async fn authorize(ctx: &Ctx, actor: i64, action: StaffAction) -> sqlx::Result<Access> {
    Ok(match role_of(ctx, actor).await? {
        None => Access::NotStaff,
        Some(role) if role.may(action) => Access::Granted(role),
        Some(role) => Access::Denied(role),
    })
}

pub async fn is_staff(ctx: &Ctx, user: i64) -> sqlx::Result<bool> {
    Ok(role_of(ctx, user).await?.is_some())
}

pub struct Found {
    pub applicant: Applicant,
    pub applications: Vec<FoundApplication>,
    pub payments: Vec<FoundPayment>,
}

/// What a search may name, from its shape: an IIN (12 digits with a valid check digit), an
/// email (has `@`), a mobile phone in any usual spelling, an order number (12 digits with
/// its check digit), an application number (up to 9 digits, or any after `№` or `#`). A query
/// of several shapes (an IIN that is also a valid order number) is looked up as each.
pub fn find_keys(query: &str) -> Vec<FindKey> {
    let q = query.trim();
    if q.contains('@') {
        return vec![FindKey::Email(q.to_lowercase())];
    }
    let mut keys = vec![];
    if let Ok(iin) = Iin::parse(q) {
        keys.push(FindKey::Iin(iin.as_str().to_string()));
    }
    if order_number::is_well_formed(q) {
        keys.push(FindKey::Order(q.to_string()));
    }
    if let Ok(phone) = Phone::parse(q) {
        keys.push(FindKey::Phone(phone.as_str().to_string()));
    }
    // Application numbers are short; a long run of digits is one only when marked as such.
    let (number, longest) = match q.strip_prefix('№').or_else(|| q.strip_prefix('#')) {
        Some(marked) => (marked.trim(), 18),
        None => (q, 9),
    };
    if !number.is_empty() && number.len() <= longest && number.bytes().all(|b| b.is_ascii_digit()) {
        keys.extend(number.parse().ok().map(FindKey::Application));
    }
    keys
}

pub async fn find(ctx: &Ctx, actor: i64, query: &str) -> anyhow::Result<Vec<Found>> {
    let mut applicants: Vec<Applicant> = vec![];
    for key in find_keys(query) {
        if let Some(a) = store::find_applicant(&ctx.db, &key).await?
            && !applicants.iter().any(|seen| seen.id == a.id)
        {
            applicants.push(a);
        }
    }
    let mut found = vec![];
    for applicant in applicants {
        let applications = store::applications_of(&ctx.db, applicant.id).await?;
        let payments = store::payments_of(&ctx.db, applicant.id).await?;
        found.push(Found { applicant, applications, payments });
    }
    record_find(ctx, actor, query, &found).await?;
    Ok(found)
}

/// `/find` shows IINs, phones and emails in full: the audit names whose (the query masked).
async fn record_find(ctx: &Ctx, actor: i64, query: &str, found: &[Found]) -> sqlx::Result<()> {
    let mut shown = crate::services::views::Shown::default();
    for f in found {
        shown.add(f.applicant.id, None);
        for application in &f.applications {
            shown.add(f.applicant.id, Some(application.id));
        }
    }
    let filter = serde_json::json!({ "query": crate::services::views::masked_query(query) });
    crate::services::views::record(&ctx.db, actor, "find", filter, &shown).await
}

/// Which campaign a staff command acts on.
#[derive(Debug, Clone)]
pub enum Pick {
    Campaign(Campaign),
    /// No campaign has this code; these exist.
    Unknown {
        code: String,
        known: Vec<String>,
    },
    /// There is no campaign at all.
    None,
}

/// The campaign named by `code`, or by default the latest whose registration has opened
/// (before any has opened: the next to open). Staff answers name the campaign they used.
pub async fn campaign(ctx: &Ctx, code: &str) -> sqlx::Result<Pick> {
    let code = code.trim();
    let found = if code.is_empty() {
        match campaigns::latest_opened(&ctx.db, ctx.clock.now()).await? {
            Some(c) => Some(c),
            None => campaigns::current(&ctx.db, ctx.clock.now()).await?,
        }
    } else {
        campaigns::by_code(&ctx.db, code).await?
    };
    Ok(match found {
        Some(c) => Pick::Campaign(c),
        None if code.is_empty() => Pick::None,
        None => Pick::Unknown { code: code.to_string(), known: campaigns::codes(&ctx.db).await? },
    })
}

pub async fn stats(ctx: &Ctx, campaign: &Campaign) -> anyhow::Result<Stats> {
    Ok(store::stats(&ctx.db, campaign.id).await?)
}

/// The money owed back (at most `limit` of it) and how much there is in all; the
/// listing is audited like a search.
pub async fn refunds(ctx: &Ctx, actor: i64, limit: i64) -> anyhow::Result<(Vec<refunds::Open>, i64)> {
    let (open, total) = refunds::open(&ctx.db, limit).await?;
    let applications: Vec<i64> = open.iter().filter_map(|r| r.application_id).collect();
    let details = serde_json::json!({ "open": total, "applications": applications });
    audit::record(&ctx.db, actor, "refunds", "", details).await?;
    Ok((open, total))
}

pub async fn slots(ctx: &Ctx, campaign: &Campaign) -> anyhow::Result<Vec<SlotLoad>> {
    Ok(store::slot_load(&ctx.db, campaign.id, ctx.clock.now(), 60).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoShow {
    Marked,
    /// The application's test has not begun yet.
    TooEarly,
    /// Only a paid application can be a no-show.
    NotPaid,
}

/// Records a no-show once the test has begun, tells the applicant (in his language,
/// through the outbox, in the same transaction) and writes the audit log.
pub async fn no_show(ctx: &Ctx, actor: i64, application_id: i64) -> anyhow::Result<NoShow> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(holder) = applications::mark_no_show(&mut *tx, application_id, now).await? else {
        drop(tx);
        return Ok(match applications::status_and_test_time(&ctx.db, application_id).await? {
            Some((status, starts_at))
                if status == ApplicationStatus::Paid && !status.can_mark_no_show(now, starts_at) =>
            {
                NoShow::TooEarly
            }
            _ => NoShow::NotPaid,
        });
    };
    let target = format!("application:{application_id}");
    let event = audit::record_id(&mut *tx, actor, "no_show", &target, serde_json::json!({})).await?;
    tell(&mut tx, ctx, &holder, "noshow-notice", application_id, DedupKey::NoShow { event }).await?;
    tx.commit().await?;
    tracing::info!(actor, application_id, "no-show recorded");
    Ok(NoShow::Marked)
}

/// An admin takes a no-show back (recorded by mistake): the application is paid again,
/// the applicant told, the audit log written. False when it was not a no-show.
pub async fn undo_no_show(ctx: &Ctx, actor: i64, application_id: i64) -> anyhow::Result<bool> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(holder) = applications::undo_no_show(&mut *tx, application_id, now).await? else {
        return Ok(false);
    };
    let target = format!("application:{application_id}");
    let event = audit::record_id(&mut *tx, actor, "no_show.undo", &target, serde_json::json!({})).await?;
    tell(&mut tx, ctx, &holder, "noshow-undone-notice", application_id, DedupKey::NoShowUndone { event })
        .await?;
    tx.commit().await?;
    tracing::warn!(actor, application_id, "no-show taken back");
    Ok(true)
}

async fn tell(
    conn: &mut sqlx::PgConnection,
    ctx: &Ctx,
    holder: &applications::Holder,
    message: &str,
    application_id: i64,
    key: DedupKey,
) -> sqlx::Result<bool> {
    let locale = holder.locale.unwrap_or(crate::i18n::Locale::Kk);
    let args = [("id", application_id.into()), ("support", ctx.config.support_contact.as_str().into())];
    let text = ctx.i18n.f(locale, message, &args);
    let message = NewMessage::transactional(holder.telegram_user_id, &text, key, ctx.clock.now());
    crate::db::outbox::enqueue(conn, &message).await
}

pub async fn close_database(ctx: &Ctx, actor: i64, campaign_id: i64) -> anyhow::Result<bool> {
    let mut tx = ctx.db.begin().await?;
    if !campaigns::close_database(&mut *tx, campaign_id, ctx.clock.now()).await? {
        return Ok(false);
    }
    audit::record(
        &mut *tx,
        actor,
        "close_database",
        &format!("campaign:{campaign_id}"),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(actor, campaign_id, "database closed");
    Ok(true)
}

pub async fn put_staff(ctx: &Ctx, actor: i64, who: i64, role: Role) -> anyhow::Result<()> {
    store::put(&ctx.db, who, role, actor).await?;
    audit::record(
        &ctx.db,
        actor,
        "staff.add",
        &format!("telegram:{who}"),
        serde_json::json!({ "role": role.as_str() }),
    )
    .await?;
    Ok(())
}

pub async fn remove_staff(ctx: &Ctx, actor: i64, who: i64) -> anyhow::Result<bool> {
    let removed = store::remove(&ctx.db, who, actor).await?;
    if removed {
        audit::record(&ctx.db, actor, "staff.remove", &format!("telegram:{who}"), serde_json::json!({}))
            .await?;
    }
    Ok(removed)
}

/// Every staff member and his role (for the command menus at start).
pub async fn all(ctx: &Ctx) -> anyhow::Result<Vec<(i64, Role)>> {
    Ok(crate::db::staff::all(&ctx.db).await?)
}

/// A campaign by id, for naming it in an answer.
pub async fn campaign_by_id(ctx: &Ctx, id: i64) -> anyhow::Result<Option<Campaign>> {
    Ok(campaigns::by_id(&ctx.db, id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_read_by_its_shape() {
        let order = order_number::generate(&mut rand::thread_rng());
        assert_eq!(find_keys(" Aigerim@Mail.KZ "), [FindKey::Email("aigerim@mail.kz".into())]);
        assert_eq!(find_keys("080315600016"), [FindKey::Iin("080315600016".into())]);
        assert_eq!(find_keys("0803 1560 0016"), [FindKey::Iin("080315600016".into())]);
        assert!(find_keys(&order).contains(&FindKey::Order(order.clone())));
        for phone in ["+7 (701) 000-78-01", "8 701 000 78 01", "+77010007801", "87010007801"] {
            assert!(find_keys(phone).contains(&FindKey::Phone("+77010007801".into())), "{phone}");
        }
        assert_eq!(find_keys("№42"), [FindKey::Application(42)]);
        assert_eq!(find_keys("#42"), [FindKey::Application(42)]);
        assert_eq!(find_keys("42"), [FindKey::Application(42)]);
        assert_eq!(find_keys("Тестов"), []);
        assert_eq!(find_keys("99999999999999999999"), [], "too long for an id, no other shape");
        assert_eq!(find_keys("№80315600016"), [FindKey::Application(80315600016)]);
    }
}
