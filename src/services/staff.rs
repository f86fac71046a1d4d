//! Staff actions. Each one checks the actor's role and writes the audit log.

use crate::db::audit;
use crate::db::campaigns::{self, Campaign};
pub use crate::db::staff::Role;
use crate::db::staff::{self as store, FoundApplicant, FoundApplication, FoundPayment, SlotLoad, Stats};
use crate::services::Ctx;

/// What a command needs: any staff member, or an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Staff,
    Admin,
}

/// The actor's role if it is enough for the command; `None` means "not staff" (the
/// caller answers as to any unknown command) and `Some(Err)` "staff, but not admin".
/// The staff role of a user: from the `staff` table, or an in-memory sandbox admin.
async fn role_of(ctx: &Ctx, user: i64) -> sqlx::Result<Option<Role>> {
    if ctx.config.sandbox_admins.contains(&user) {
        return Ok(Some(Role::Admin));
    }
    store::role(&ctx.db, user).await
}

pub async fn authorize(ctx: &Ctx, actor: i64, needs: Needs) -> sqlx::Result<Option<Result<Role, ()>>> {
    Ok(match role_of(ctx, actor).await? {
        None => None,
        Some(Role::Admin) => Some(Ok(Role::Admin)),
        Some(Role::Operator) if needs == Needs::Staff => Some(Ok(Role::Operator)),
        Some(Role::Operator) => Some(Err(())),
    })
}

pub async fn is_staff(ctx: &Ctx, user: i64) -> sqlx::Result<bool> {
    Ok(role_of(ctx, user).await?.is_some())
}

pub struct Found {
    pub applicant: FoundApplicant,
    pub applications: Vec<FoundApplication>,
    pub payments: Vec<FoundPayment>,
}

pub async fn find(ctx: &Ctx, actor: i64, query: &str) -> anyhow::Result<Vec<Found>> {
    let query = query.trim();
    let mut found = vec![];
    for applicant in store::find_applicants(&ctx.db, query).await? {
        let applications = store::applications_of(&ctx.db, applicant.id).await?;
        let payments = store::payments_of(&ctx.db, applicant.id).await?;
        found.push(Found { applicant, applications, payments });
    }
    // The query itself may be personal data: the log keeps its shape only.
    audit::record(&ctx.db, actor, "find", "", serde_json::json!({ "matches": found.len() })).await?;
    Ok(found)
}

pub async fn stats(ctx: &Ctx) -> anyhow::Result<Option<(Campaign, Stats)>> {
    let Some(campaign) = campaigns::current(&ctx.db, ctx.clock.now()).await? else {
        return Ok(None);
    };
    let stats = store::stats(&ctx.db, campaign.id).await?;
    Ok(Some((campaign, stats)))
}

pub async fn slots(ctx: &Ctx) -> anyhow::Result<Vec<SlotLoad>> {
    let Some(campaign) = campaigns::current(&ctx.db, ctx.clock.now()).await? else {
        return Ok(vec![]);
    };
    Ok(store::slot_load(&ctx.db, campaign.id, ctx.clock.now(), 60).await?)
}

pub async fn no_show(ctx: &Ctx, actor: i64, application_id: i64) -> anyhow::Result<bool> {
    let mut tx = ctx.db.begin().await?;
    if !store::mark_no_show(&mut *tx, application_id, ctx.clock.now()).await? {
        return Ok(false);
    }
    audit::record(
        &mut *tx,
        actor,
        "no_show",
        &format!("application:{application_id}"),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn current_campaign(ctx: &Ctx) -> sqlx::Result<Option<Campaign>> {
    campaigns::current(&ctx.db, ctx.clock.now()).await
}

pub async fn close_database(ctx: &Ctx, actor: i64, campaign_id: i64) -> anyhow::Result<bool> {
    let mut tx = ctx.db.begin().await?;
    if !store::close_database(&mut *tx, campaign_id, ctx.clock.now()).await? {
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
    let removed = store::remove(&ctx.db, who).await?;
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
pub async fn campaign(ctx: &Ctx, id: i64) -> anyhow::Result<Option<Campaign>> {
    Ok(campaigns::by_id(&ctx.db, id).await?)
}
