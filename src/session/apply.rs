//! Applying a plan: in one transaction, under a lock that keeps two applies apart, with
//! the database re-read inside it, so what is written is what the plan said.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};

use super::SessionError;
use super::model::Session;
use super::plan::{self, Options, Plan, Stored};
use crate::db::{audit, session as store};

/// Who applied it, for the audit log: a staff member's Telegram id, or 0 for the command line.
pub const COMMAND_LINE: Option<i64> = Some(0);
/// `seed demo`: demo data, not an operator's act, so no audit row.
pub const UNAUDITED: Option<i64> = None;

pub(super) async fn snapshot(conn: &mut PgConnection, code: &str) -> sqlx::Result<Stored> {
    let campaign = store::campaign(conn, code).await?;
    let id = campaign.as_ref().map_or(0, |c| c.id);
    Ok(Stored {
        categories: store::categories(conn, id).await?,
        offered: store::offered(conn, id).await?,
        test_languages: store::test_languages(conn).await?,
        subjects: store::subjects(conn).await?,
        combinations: store::combinations(conn).await?,
        regions: store::regions(conn).await?,
        cities: store::cities(conn).await?,
        venues: store::venues(conn, id).await?,
        slots: store::slots(conn, id).await?,
        campaign,
    })
}

/// The plan against the database now; nothing is written.
pub async fn check(
    pool: &PgPool,
    session: &Session,
    opts: Options,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<Plan, SessionError> {
    let mut tx = pool.begin().await?;
    let stored = snapshot(&mut tx, &session.campaign.code).await?;
    tx.rollback().await?;
    Ok(plan::diff(session, &stored, opts, now, tz))
}

/// Plans and applies in one transaction. A refused plan writes nothing and is returned
/// as `SessionError::Refused`.
#[tracing::instrument(skip_all, fields(campaign = %session.campaign.code))]
pub async fn apply(
    pool: &PgPool,
    session: &Session,
    opts: Options,
    now: DateTime<Utc>,
    tz: Tz,
    actor: Option<i64>,
    source: &str,
) -> Result<Plan, SessionError> {
    let mut tx = pool.begin().await?;
    store::lock(&mut tx).await?;
    let stored = snapshot(&mut tx, &session.campaign.code).await?;
    let plan = plan::diff(session, &stored, opts, now, tz);
    if !plan.refusals.is_empty() {
        tx.rollback().await?;
        return Err(SessionError::Refused(Box::new(plan)));
    }
    if plan.is_empty() {
        tx.rollback().await?;
        return Ok(plan);
    }
    write(&mut tx, session, &plan).await.map_err(|e| match e {
        e if crate::db::violates(&e, "slots_check") => SessionError::Refused(Box::new(Plan {
            refusals: vec![format!("a capacity fell below its booked seats while applying: {e}")],
            ..plan.clone()
        })),
        e => SessionError::Db(e),
    })?;
    let details = serde_json::json!({
        "file": source,
        "changes": plan.changes(),
        "campaign": plan.campaign_changes,
        "live_changes": plan.live_changes,
        "notify": opts.notify,
        "kinds": plan.kinds.iter().map(|k| serde_json::json!({
            "kind": k.kind, "added": k.added.len(), "changed": k.changed.len(), "removed": k.removed.len(),
        })).collect::<Vec<_>>(),
    });
    if let Some(actor) = actor {
        audit::record(&mut *tx, actor, "session_apply", &session.campaign.code, details).await?;
    }
    store::notify_catalog(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(changes = plan.changes(), "session applied");
    Ok(plan)
}

async fn write(conn: &mut PgConnection, s: &Session, plan: &Plan) -> sqlx::Result<()> {
    let campaign_id = store::put_campaign(conn, &s.campaign).await?;
    let sort = |i: usize| i16::try_from(i + 1).unwrap_or(i16::MAX);
    for (i, x) in s.categories.iter().enumerate() {
        store::put_category(conn, &x.code, &x.short, &x.name, sort(i)).await?;
    }
    let offered: Vec<String> = s.categories.iter().map(|x| x.code.clone()).collect();
    store::set_offered(conn, campaign_id, &offered).await?;
    for (i, x) in s.test_languages.iter().enumerate() {
        store::put_test_language(conn, &x.code, &x.name, sort(i)).await?;
    }
    for x in &s.subjects {
        store::put_subject(conn, &x.code, &x.name).await?;
    }
    for (i, x) in s.combinations.iter().enumerate() {
        store::put_combination(conn, &x.code, &x.first, x.second.as_deref(), sort(i)).await?;
    }
    for (i, x) in s.regions.iter().enumerate() {
        store::put_region(conn, &x.code, &x.name, sort(i)).await?;
    }
    for (i, x) in s.cities.iter().enumerate() {
        store::put_city(conn, &x.code, &x.region, &x.name, sort(i)).await?;
    }
    for v in &s.venues {
        store::put_venue(conn, &v.code, &v.city, &v.name, &v.address).await?;
    }
    let ops = &plan.slots;
    store::delete_slots(conn, &ops.delete).await?;
    for (id, starts_at, capacity) in &ops.moves {
        store::move_slot(conn, *id, *starts_at, *capacity).await?;
    }
    let (ids, caps): (Vec<i64>, Vec<i32>) = ops.capacity.iter().copied().unzip();
    store::set_capacities(conn, &ids, &caps).await?;
    for chunk in ops.insert.chunks(5_000) {
        let venues: Vec<String> = chunk.iter().map(|x| x.0.clone()).collect();
        let starts: Vec<DateTime<Utc>> = chunk.iter().map(|x| x.1).collect();
        let caps: Vec<i32> = chunk.iter().map(|x| x.2).collect();
        store::insert_slots(conn, campaign_id, &venues, &starts, &caps).await?;
    }
    // Dependants first: venues before cities before regions; combinations before subjects.
    let rank = |k: store::Kind| match k {
        store::Kind::Venues => 0,
        store::Kind::Cities => 1,
        store::Kind::Regions => 2,
        store::Kind::Combinations => 3,
        store::Kind::Subjects => 4,
        store::Kind::Categories => 5,
        store::Kind::TestLanguages => 6,
    };
    let mut deletes = plan.deletes.clone();
    deletes.sort_by_key(|(k, _)| rank(*k));
    for (kind, codes) in &deletes {
        store::delete_unused(conn, *kind, codes).await?;
    }
    Ok(())
}
