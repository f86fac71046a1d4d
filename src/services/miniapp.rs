//! The Mini App (a calendar of live seats): what it shows, and the choice of a time, which
//! reaches the bot as Telegram delivers Mini App data — a message with `web_app_data` —
//! written to the inbox, so the wizard continues in the chat in the chat's own order.

use crate::db::miniapp as db;
pub use crate::db::miniapp::Known;
use crate::i18n::Locale;
use crate::services::Ctx;
pub use crate::services::catalog::{
    CitySeats, Day, DaySlot, cities_with_slots as cities, day_slots as slots, days,
};

/// What `web_app_data.data` carries for a chosen slot.
pub fn slot_data(slot: i64) -> String {
    format!("slot:{slot}")
}

pub fn parse_slot_data(data: &str) -> Option<i64> {
    data.strip_prefix("slot:")?.parse().ok().filter(|id| *id > 0)
}

/// The user the signed `initData` names, if he has talked to the bot.
pub async fn known(ctx: &Ctx, user_id: i64) -> anyhow::Result<Option<Known>> {
    Ok(db::known(&ctx.db, user_id).await?)
}

pub async fn current_campaign(ctx: &Ctx) -> anyhow::Result<Option<i64>> {
    Ok(crate::services::booking::current_campaign(ctx).await?.map(|c| c.id))
}

/// Where a slot is, for the wizard the choice continues.
pub async fn slot_at(ctx: &Ctx, slot: i64) -> anyhow::Result<Option<db::SlotAt>> {
    Ok(db::slot_at(&ctx.db, slot, ctx.clock.now(), ctx.config.timezone).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// On its way to the chat.
    Sent,
    /// Not a slot of the campaign, past, or full.
    Unavailable,
}

/// Hands the chosen slot to the bot: an update like the one Telegram sends when a Mini
/// App sends data, stored in the inbox and handled in the chat's order.
#[tracing::instrument(skip_all, fields(user = user.0, slot))]
pub async fn choose(
    ctx: &Ctx,
    user: (i64, &Known),
    campaign: i64,
    slot: i64,
    button: &str,
) -> anyhow::Result<Choice> {
    let (user_id, known) = user;
    match slot_at(ctx, slot).await? {
        Some(at) if at.campaign_id == campaign && at.free && at.future => {}
        _ => return Ok(Choice::Unavailable),
    }
    let update_id = db::next_update_id(&ctx.db).await?;
    let now = ctx.clock.now().timestamp();
    // The payload's own id is for teloxide, which reads 32 unsigned bits; the inbox keys
    // the row by `update_id`.
    let raw = serde_json::json!({
        "update_id": 0,
        "message": {
            "message_id": 1,
            "date": now,
            "chat": { "id": known.chat_id, "type": "private", "first_name": known.first_name },
            "from": {
                "id": user_id, "is_bot": false, "first_name": known.first_name,
                "language_code": known.locale.unwrap_or(Locale::Kk).code(),
            },
            "web_app_data": { "data": slot_data(slot), "button_text": button },
        },
    });
    let mut update =
        crate::services::inbox::describe(&raw).ok_or_else(|| anyhow::anyhow!("not an update"))?;
    update.update_id = update_id;
    crate::services::inbox::intake(ctx, vec![update]).await?;
    tracing::info!(update_id, "mini app choice queued for the chat");
    Ok(Choice::Sent)
}
