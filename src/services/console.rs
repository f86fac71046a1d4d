//! The staff web console's use cases: password-less sign-in through the bot, sessions,
//! the overview's figures, application search and actions, slots, refunds, the audit log
//! and broadcasts. Pages live in `http::console`; every action is audited here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::ExposeSecret;
use crate::db::console as store;
use crate::db::reports::{self, Search};
pub use crate::db::reports::{
    ApplicationDetail, ApplicationRow, AuditRow, BroadcastProgress, HourCount, OutboxRow, PaymentRow,
    RefundRow, SeatsCell, SlotRow,
};
pub use crate::db::slots::{SlotUpdate, VenueOption};
use crate::db::staff::FindKey;
use crate::db::{audit, slots as slot_store};
use crate::domain::{ApplicationStatus, Email, Iin, Phone, StaffAction};
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::staff;
pub use crate::services::staff::Role;

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

// ───────────────────────────── overview ─────────────────────────────

pub struct Overview {
    pub campaign: crate::db::campaigns::Campaign,
    pub stats: crate::db::staff::Stats,
    /// One entry per hour of the registration window so far (zeros included).
    pub per_hour: Vec<(DateTime<Utc>, i64)>,
    pub seats: Vec<SeatsCell>,
    pub refunds_waiting: usize,
    pub inbox_pending: i64,
    pub inbox_parked: i64,
    pub parked: Vec<crate::services::inbox::Parked>,
}

pub async fn overview(ctx: &Ctx) -> anyhow::Result<Option<Overview>> {
    let now = ctx.clock.now();
    let Some(campaign) = crate::db::campaigns::current(&ctx.db, now).await? else {
        return Ok(None);
    };
    let stats = crate::db::staff::stats(&ctx.db, campaign.id).await?;
    let counts = reports::registrations_per_hour(&ctx.db, campaign.id).await?;
    let per_hour = hours(&campaign, now, &counts);
    let seats = reports::seats_by_city_and_day(&ctx.db, campaign.id, ctx.config.timezone.name()).await?;
    let refunds_waiting = reports::refunds(&ctx.db, false).await?.len();
    let (inbox_pending, inbox_parked) = crate::services::inbox::depth(ctx).await?;
    let parked = crate::services::inbox::parked(ctx, 10).await?;
    Ok(Some(Overview {
        campaign,
        stats,
        per_hour,
        seats,
        refunds_waiting,
        inbox_pending,
        inbox_parked,
        parked,
    }))
}

/// Every hour from the window's opening to its close (or now, if sooner), at most two weeks.
fn hours(
    campaign: &crate::db::campaigns::Campaign,
    now: DateTime<Utc>,
    counts: &[HourCount],
) -> Vec<(DateTime<Utc>, i64)> {
    use chrono::{DurationRound, TimeDelta};
    let hour = TimeDelta::hours(1);
    let Ok(start) = campaign.registration_opens_at.duration_trunc(hour) else {
        return vec![];
    };
    let end = campaign.registration_closes_at.min(now);
    let mut out = vec![];
    let mut at = start;
    while at <= end && out.len() < 14 * 24 {
        let n = counts.iter().find(|c| c.hour == at).map(|c| c.count).unwrap_or(0);
        out.push((at, n));
        at += hour;
    }
    out
}

// ───────────────────────────── applications ─────────────────────────────

/// The list's filters; `query` is what staff typed (IIN, email, phone, order, id).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub query: String,
    pub status: Option<String>,
    pub city_id: Option<i32>,
    pub venue_id: Option<i32>,
    pub date: Option<NaiveDate>,
}

/// Applications matching the filters (at most 200). Every list is audited with the ids it
/// shows, whatever chose them. The query is personal data: it is never logged.
pub async fn search(ctx: &Ctx, actor: i64, f: &Filters) -> anyhow::Result<Vec<ApplicationRow>> {
    let rows = find_applications(ctx, f).await?;
    record_list(ctx, actor, f, &rows).await?;
    Ok(rows)
}

async fn record_list(ctx: &Ctx, actor: i64, f: &Filters, rows: &[ApplicationRow]) -> sqlx::Result<()> {
    use crate::services::views;
    let mut shown = views::Shown::default();
    for r in rows {
        shown.add(r.applicant_id, Some(r.id));
    }
    let filter = serde_json::json!({
        "query": views::masked_query(&f.query),
        "status": f.status.as_deref().and_then(ApplicationStatus::parse), "city_id": f.city_id,
        "venue_id": f.venue_id, "date": f.date,
    });
    let action = if f.query.trim().is_empty() { "console.list" } else { "console.search" };
    views::record(&ctx.db, actor, action, filter, &shown).await
}

/// The query is read by the same classifier as the bot's `/find` ([`staff::find_keys`]):
/// a query of several shapes (an IIN that is also a valid order number) is looked up as
/// each; one that is none of the searchable identifiers finds nothing.
async fn find_applications(ctx: &Ctx, f: &Filters) -> anyhow::Result<Vec<ApplicationRow>> {
    const LIMIT: usize = 200;
    let filters = Search {
        campaign_id: None,
        status: f.status.as_deref().and_then(ApplicationStatus::parse),
        city_id: f.city_id,
        venue_id: f.venue_id,
        date: f.date,
        ..Search::default()
    };
    let tz = ctx.config.timezone.name();
    if f.query.trim().is_empty() {
        return Ok(reports::search(&ctx.db, &filters, tz, LIMIT as i64).await?);
    }
    let mut rows: Vec<ApplicationRow> = vec![];
    for key in staff::find_keys(&f.query) {
        let mut s = filters.clone();
        match key {
            FindKey::Iin(v) => s.iin = Some(v),
            FindKey::Email(v) => s.email = Some(v),
            FindKey::Phone(v) => s.phone = Some(v),
            FindKey::Order(v) => s.order_number = Some(v),
            FindKey::Application(id) => s.application_id = Some(id),
        }
        for row in reports::search(&ctx.db, &s, tz, LIMIT as i64).await? {
            if !rows.iter().any(|seen| seen.id == row.id) {
                rows.push(row);
            }
        }
    }
    rows.sort_by_key(|row| std::cmp::Reverse((row.created_at, row.id)));
    rows.truncate(LIMIT);
    Ok(rows)
}

/// Masks for lists: never a full IIN, email or phone outside the detail page.
pub fn mask_iin(iin: Option<&str>) -> String {
    iin.and_then(|i| Iin::parse(i).ok()).map(|i| i.masked()).unwrap_or_else(|| "—".into())
}

pub fn mask_email(email: Option<&str>) -> String {
    email.and_then(|e| Email::parse(e).ok()).map(|e| e.masked()).unwrap_or_else(|| "—".into())
}

pub fn mask_phone(phone: Option<&str>) -> String {
    phone.and_then(|p| Phone::parse(p).ok()).map(|p| p.masked()).unwrap_or_else(|| "—".into())
}

pub struct Detail {
    pub application: ApplicationDetail,
    pub payments: Vec<PaymentRow>,
    pub audit: Vec<AuditRow>,
    pub outbox: Vec<OutboxRow>,
    /// What staff may do with it now (the rules beside [`crate::domain::ApplicationStatus`]).
    pub can_mark_paid: bool,
    pub can_mark_no_show: bool,
    pub can_withdraw: bool,
}

/// An application in full; the view itself is audited (it shows personal data).
pub async fn detail(ctx: &Ctx, actor: i64, id: i64) -> anyhow::Result<Option<Detail>> {
    let Some(application) = reports::application(&ctx.db, id).await? else {
        return Ok(None);
    };
    audit::record(&ctx.db, actor, "console.view", &format!("application:{id}"), serde_json::json!({}))
        .await?;
    let payments = reports::payments_of_application(&ctx.db, id).await?;
    let audit = reports::audit_of_application(&ctx.db, id).await?;
    let outbox = reports::outbox_of(&ctx.db, application.telegram_user_id, 30).await?;
    let (now, status, starts) = (ctx.clock.now(), application.status, application.starts_at);
    let can_mark_paid = status.can_pay() && payments.iter().any(|p| p.status.is_open());
    let (can_mark_no_show, can_withdraw) =
        (status.can_mark_no_show(now, starts), status.can_withdraw(now, starts));
    Ok(Some(Detail { application, payments, audit, outbox, can_mark_paid, can_mark_no_show, can_withdraw }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    MarkPaid,
    NoShow,
    Withdraw,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "markpaid" => Some(Action::MarkPaid),
            "noshow" => Some(Action::NoShow),
            "withdraw" => Some(Action::Withdraw),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::MarkPaid => "markpaid",
            Action::NoShow => "noshow",
            Action::Withdraw => "withdraw",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    Done,
    /// The application is not in a state this action applies to (or its test is ahead).
    Refused,
    NotFound,
}

impl Action {
    /// The permission-table entry the action falls under.
    pub fn staff_action(self) -> StaffAction {
        match self {
            Action::MarkPaid => StaffAction::MarkPaid,
            Action::NoShow => StaffAction::NoShow,
            Action::Withdraw => StaffAction::Withdraw,
        }
    }
}

/// An admin's action on an application (the caller checked the role): the same use cases
/// as the bot's `/markpaid`, `/noshow` and `/withdraw`, so the applicant is told the same.
pub async fn act(ctx: &Ctx, actor: i64, id: i64, action: Action) -> anyhow::Result<ActionOutcome> {
    let Some(app) = reports::application(&ctx.db, id).await? else {
        return Ok(ActionOutcome::NotFound);
    };
    let outcome = match action {
        Action::MarkPaid => {
            if !app.status.can_pay() {
                return Ok(ActionOutcome::Refused);
            }
            let payments = reports::payments_of_application(&ctx.db, id).await?;
            let Some(order) = payments.iter().rev().find(|p| p.status.is_open()) else {
                return Ok(ActionOutcome::Refused);
            };
            match crate::services::payments::mark_paid_by_staff(ctx, actor, &order.order_number).await? {
                crate::payments::PayOutcome::Applied { .. } => ActionOutcome::Done,
                _ => ActionOutcome::Refused,
            }
        }
        Action::NoShow => match crate::services::staff::no_show(ctx, actor, id).await? {
            crate::services::staff::NoShow::Marked => ActionOutcome::Done,
            crate::services::staff::NoShow::TooEarly | crate::services::staff::NoShow::NotPaid => {
                ActionOutcome::Refused
            }
        },
        Action::Withdraw => match crate::services::history::withdraw_on_behalf(ctx, actor, id).await? {
            crate::services::history::Withdrawal::Withdrawn { .. } => ActionOutcome::Done,
            crate::services::history::Withdrawal::NotAllowed => ActionOutcome::Refused,
        },
    };
    tracing::info!(actor, application_id = id, action = action.as_str(), outcome = ?outcome, "console action");
    Ok(outcome)
}

// ───────────────────────────── slots ─────────────────────────────

pub async fn campaign_id(ctx: &Ctx) -> anyhow::Result<Option<i64>> {
    Ok(crate::db::campaigns::current(&ctx.db, ctx.clock.now()).await?.map(|c| c.id))
}

pub async fn slots(ctx: &Ctx, city_id: Option<i32>, date: Option<NaiveDate>) -> anyhow::Result<Vec<SlotRow>> {
    let Some(campaign) = campaign_id(ctx).await? else {
        return Ok(vec![]);
    };
    Ok(reports::slots(&ctx.db, campaign, city_id, date, ctx.config.timezone.name()).await?)
}

pub async fn slot(ctx: &Ctx, id: i64) -> anyhow::Result<Option<SlotRow>> {
    Ok(reports::slot(&ctx.db, id).await?)
}

pub async fn venues(ctx: &Ctx) -> anyhow::Result<Vec<VenueOption>> {
    Ok(slot_store::venues(&ctx.db).await?)
}

pub async fn cities(ctx: &Ctx) -> anyhow::Result<Vec<crate::db::catalog::Named<i32>>> {
    Ok(crate::db::catalog::all_cities(&ctx.db).await?)
}

/// A slot change: capacity never below the booked seats; a new time or venue makes the
/// `slots_changed` trigger queue a message to each paid applicant.
pub async fn change_slot(
    ctx: &Ctx,
    actor: i64,
    id: i64,
    capacity: i32,
    starts_at: DateTime<Utc>,
    venue_id: i32,
) -> anyhow::Result<SlotUpdate> {
    let before = reports::slot(&ctx.db, id).await?;
    let outcome = slot_store::update(&ctx.db, id, capacity, starts_at, venue_id, ctx.clock.now()).await?;
    if outcome == SlotUpdate::Done
        && let Some(b) = before
    {
        let details = serde_json::json!({
            "capacity": [b.capacity, capacity],
            "starts_at": [b.starts_at, starts_at],
            "venue_id": [b.venue_id, venue_id],
        });
        audit::record(&ctx.db, actor, "slot.change", &format!("slot:{id}"), details).await?;
    }
    tracing::info!(actor, slot_id = id, outcome = ?outcome, "console slot change");
    Ok(outcome)
}

// ───────────────────────────── refunds, audit, broadcasts ─────────────────────────────

/// The refund queue; it names applicants, so the view is audited with whose rows it shows.
pub async fn refunds(ctx: &Ctx, actor: i64, include_done: bool) -> anyhow::Result<Vec<RefundRow>> {
    let rows = reports::refunds(&ctx.db, include_done).await?;
    let mut shown = crate::services::views::Shown::default();
    for r in &rows {
        shown.add(r.applicant_id, Some(r.application_id));
    }
    let filter = serde_json::json!({ "all": include_done });
    crate::services::views::record(&ctx.db, actor, "console.refunds", filter, &shown).await?;
    Ok(rows)
}

pub async fn mark_refunded(ctx: &Ctx, actor: i64, payment_id: i64) -> anyhow::Result<bool> {
    let mut tx = ctx.db.begin().await?;
    if !reports::mark_refunded(&mut *tx, payment_id, actor, ctx.clock.now()).await? {
        return Ok(false);
    }
    audit::record(&mut *tx, actor, "refund.done", &format!("payment:{payment_id}"), serde_json::json!({}))
        .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn audit_log(
    ctx: &Ctx,
    actor: Option<i64>,
    action: Option<&str>,
    target: Option<&str>,
) -> anyhow::Result<Vec<AuditRow>> {
    Ok(reports::audit(&ctx.db, actor, action, target, 300).await?)
}

pub async fn broadcast_progress(ctx: &Ctx, id: i64) -> anyhow::Result<Option<BroadcastProgress>> {
    Ok(reports::broadcast_progress(&ctx.db, id).await?)
}
