//! Staff look-ups: `/find`, `/stats`, `/slots`, `/refunds`. They read; `/find` and
//! `/refunds` are audited with whose data they showed.

use super::{campaign_or_say, say};
use crate::bot::{HandlerResult, Session, TgBot};
use crate::domain::Money;
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::staff;

pub(super) async fn find(bot: &TgBot, ctx: &Ctx, s: &Session, query: &str) -> HandlerResult {
    let l = s.locale;
    let found = staff::find(ctx, s.user_id, query).await?;
    if found.is_empty() {
        return say(bot, s, ctx.i18n.t(l, "staff-not-found")).await;
    }
    let tz = ctx.config.timezone;
    let mut blocks = vec![];
    for f in found {
        let a = &f.applicant;
        let dash = || "—".to_string();
        let mut lines = vec![ctx.i18n.f(
            l,
            "staff-find-applicant",
            &[
                ("name", a.full_name.clone().unwrap_or_else(dash).into()),
                ("iin", a.iin.clone().unwrap_or_else(dash).into()),
                ("phone", a.phone.clone().unwrap_or_else(dash).into()),
                ("email", a.email.clone().unwrap_or_else(dash).into()),
                ("tg", a.telegram_user_id.into()),
            ],
        )];
        for app in &f.applications {
            let (city, venue) = (app.city.text(l), app.venue.text(l));
            lines.push(ctx.i18n.f(
                l,
                "staff-find-application",
                &[
                    ("id", app.id.into()),
                    ("status", ctx.i18n.t(l, app.status.fluent_id()).into()),
                    ("when", format::date_time(app.starts_at, tz, l).into()),
                    ("place", format!("{city}, {venue}").into()),
                ],
            ));
        }
        for p in &f.payments {
            let amount = p.amount_tenge.to_string();
            lines.push(ctx.i18n.f(
                l,
                "staff-find-payment",
                &[
                    ("order", p.order_number.as_str().into()),
                    ("method", ctx.i18n.t(l, &format!("payment-method-{}", p.method.code())).into()),
                    ("amount", amount.into()),
                    ("status", ctx.i18n.t(l, p.status.fluent_id()).into()),
                ],
            ));
        }
        blocks.push(lines.join("\n"));
    }
    say(bot, s, truncate(blocks.join("\n\n"))).await
}

/// Telegram refuses messages over 4096 characters; a long staff answer is cut, not lost.
pub(super) fn truncate(text: String) -> String {
    if text.chars().count() <= 4096 {
        return text;
    }
    let mut cut: String = text.chars().take(4090).collect();
    cut.push_str("\n…");
    cut
}

pub(super) async fn stats(bot: &TgBot, ctx: &Ctx, s: &Session, code: &str) -> HandlerResult {
    let l = s.locale;
    let Some(campaign) = campaign_or_say(bot, ctx, s, code).await? else {
        return Ok(());
    };
    let st = staff::stats(ctx, &campaign).await?;
    let sum = st.payments_sum.to_string();
    let args = [
        ("campaign", campaign_name(&campaign, l).into()),
        ("awaiting", st.awaiting.into()),
        ("paid", st.paid.into()),
        ("annulled", st.annulled.into()),
        ("cancelled", st.cancelled.into()),
        ("withdrawn", st.withdrawn.into()),
        ("no_show", st.no_show.into()),
        ("booked", st.booked.into()),
        ("capacity", st.capacity.into()),
        ("payments_sum", sum.into()),
        ("refunds", st.refunds.into()),
        ("outbox", st.outbox.into()),
        ("unreachable", st.unreachable.into()),
        ("inbox", st.inbox.into()),
        ("parked", st.parked.into()),
    ];
    say(bot, s, ctx.i18n.f(l, "staff-stats", &args)).await
}

/// Money owed back, oldest first: when, how much, which order, why.
pub(super) async fn refunds(bot: &TgBot, ctx: &Ctx, s: &Session) -> HandlerResult {
    let l = s.locale;
    let (open, total) = staff::refunds(ctx, s.user_id, 50).await?;
    if total == 0 {
        return say(bot, s, ctx.i18n.t(l, "staff-refunds-none")).await;
    }
    let tz = ctx.config.timezone;
    let mut lines = vec![ctx.i18n.f(l, "staff-refunds-title", &[("count", total.into())])];
    for r in open {
        let amount = match Money::try_from(r.amount_minor / 100) {
            Ok(m) if r.currency == "KZT" && r.amount_minor % 100 == 0 => m.to_string(),
            _ => format!("{} {}", crate::payments::amount::format_tiyn(r.amount_minor), r.currency),
        };
        let application = r.application_id.map_or_else(|| "—".to_string(), |id| format!("№{id}"));
        let args = [
            ("when", format::date_time(r.created_at, tz, l).into()),
            ("amount", amount.into()),
            ("method", r.provider.code().into()),
            ("order", r.order_number.into()),
            ("application", application.into()),
            ("reason", ctx.i18n.t(l, &format!("refund-reason-{}", r.reason)).into()),
            ("txn", r.txn_id.into()),
        ];
        lines.push(ctx.i18n.f(l, "staff-refunds-line", &args));
    }
    say(bot, s, truncate(lines.join("\n"))).await
}

pub(super) async fn slots(bot: &TgBot, ctx: &Ctx, s: &Session, code: &str) -> HandlerResult {
    let l = s.locale;
    let tz = ctx.config.timezone;
    let Some(campaign) = campaign_or_say(bot, ctx, s, code).await? else {
        return Ok(());
    };
    let mut lines =
        vec![ctx.i18n.f(l, "staff-slots-title", &[("campaign", campaign_name(&campaign, l).into())])];
    for slot in staff::slots(ctx, &campaign).await? {
        let city = slot.city.get(l).clone();
        let args = [
            ("city", city.into()),
            (
                "when",
                format!(
                    "{} {}",
                    format::short_date(format::local_date(slot.starts_at, tz), l),
                    format::time(slot.starts_at, tz)
                )
                .into(),
            ),
            ("free", slot.free.into()),
            ("capacity", slot.capacity.into()),
        ];
        lines.push(format!("#{} {}", slot.id, ctx.i18n.f(l, "staff-slots-line", &args)));
    }
    say(bot, s, truncate(lines.join("\n"))).await
}

pub(super) fn campaign_name(c: &crate::services::staff::Campaign, l: Locale) -> String {
    c.name.get(l).clone()
}
