//! The wizard's steps as text and buttons: one small view function per step.

use chrono::{Datelike, NaiveDate};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::bot::Session;
use crate::bot::state::{At, Chosen, Wizard};
use crate::callback::{Callback, WizardAction as Action};
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::{booking, catalog};

const PAGE: usize = 12;
/// The most characters a page of category details may take, so that with the step line
/// the message stays within the 600 characters a phone screen shows at once.
const DETAILS_BUDGET: usize = 560;

type Rows = Vec<Vec<InlineKeyboardButton>>;

pub(super) fn button(text: impl Into<String>, seq: u64, action: Action) -> InlineKeyboardButton {
    Callback::Wizard { seq, action }.button(text)
}

fn pick(text: impl Into<String>, seq: u64, value: impl std::fmt::Display) -> InlineKeyboardButton {
    button(text, seq, Action::Pick(value.to_string()))
}

/// The text and buttons of a step.
pub(super) async fn view(
    ctx: &Ctx,
    s: &Session,
    w: &Wizard,
) -> anyhow::Result<(String, InlineKeyboardMarkup)> {
    let l = s.locale;
    let (body, mut rows) = match &w.at {
        At::Category => category_view(ctx, l, w).await?,
        At::CategoryInfo => category_info_view(ctx, l, w).await?,
        At::Language { .. } => language_view(ctx, l, w).await?,
        At::Combination { .. } => combination_view(ctx, l, w).await?,
        At::Region { .. } => region_view(ctx, l, w).await?,
        At::City { .. } => city_view(ctx, l, w).await?,
        At::Date { city, .. } => date_view(ctx, l, w, *city).await?,
        At::Time { city, date, .. } => time_view(ctx, l, w, *city, *date).await?,
        At::Summary(chosen) => summary_view(ctx, s, w, chosen).await?,
        At::Rules(chosen) => rules_view(ctx, s, w, chosen).await?,
    };
    let t = |id: &str| ctx.i18n.t(l, id);
    if matches!(w.at, At::City { .. } | At::Date { .. } | At::Time { .. }) {
        rows.push(vec![button(t("waitlist-button"), w.seq, Action::Waitlist)]);
    }
    let mut nav = vec![];
    if w.at.step().previous(w.path()).is_some() {
        nav.push(button(t("wizard-back"), w.seq, Action::Back));
    }
    nav.push(button(t("wizard-cancel"), w.seq, Action::Cancel));
    rows.push(nav);
    Ok((body, InlineKeyboardMarkup::new(rows)))
}

async fn category_view(ctx: &Ctx, l: Locale, w: &Wizard) -> anyhow::Result<(String, Rows)> {
    let categories = catalog::campaign_categories(ctx, w.campaign_id).await?;
    let mut rows: Rows =
        categories.iter().map(|c| vec![pick(format::capitalize(c.short(l)), w.seq, c.id)]).collect();
    rows.push(vec![button(ctx.i18n.t(l, "wizard-category-more"), w.seq, Action::Info)]);
    Ok((ctx.i18n.t(l, "wizard-category"), rows))
}

/// The categories' full wording, as many to a page as fit one screen.
async fn category_info_view(ctx: &Ctx, l: Locale, w: &Wizard) -> anyhow::Result<(String, Rows)> {
    let categories = catalog::campaign_categories(ctx, w.campaign_id).await?;
    let header = ctx.i18n.t(l, "wizard-category-details");
    let items: Vec<String> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let args = [
                ("n", (i + 1).into()),
                ("short", format::capitalize(c.short(l)).into()),
                ("full", format::capitalize(c.full(l)).into()),
            ];
            ctx.i18n.f(l, "wizard-category-item", &args)
        })
        .collect();
    let pages = pack(&header, &items, DETAILS_BUDGET);
    let page = (w.page as usize).min(pages.len().saturating_sub(1));
    let shown = pages.get(page).cloned().unwrap_or(0..0);
    let mut text = header;
    for item in &items[shown.clone()] {
        text.push_str("\n\n");
        text.push_str(item);
    }
    let mut rows: Rows =
        categories[shown].iter().map(|c| vec![pick(format::capitalize(c.short(l)), w.seq, c.id)]).collect();
    let mut nav = vec![];
    if page > 0 {
        nav.push(button(ctx.i18n.t(l, "wizard-prev-page"), w.seq, Action::Page(page as u16 - 1)));
    }
    if page + 1 < pages.len() {
        nav.push(button(ctx.i18n.t(l, "wizard-next-page"), w.seq, Action::Page(page as u16 + 1)));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    Ok((text, rows))
}

async fn language_view(ctx: &Ctx, l: Locale, w: &Wizard) -> anyhow::Result<(String, Rows)> {
    let cat = catalog::get(ctx).await?;
    let rows = cat.test_languages.iter().map(|x| vec![pick(x.name(l), w.seq, &x.id)]).collect();
    Ok((ctx.i18n.t(l, "wizard-language"), rows))
}

async fn combination_view(ctx: &Ctx, l: Locale, w: &Wizard) -> anyhow::Result<(String, Rows)> {
    let cat = catalog::get(ctx).await?;
    let rows = cat.combinations.iter().map(|x| vec![pick(x.name(l), w.seq, x.id)]).collect();
    Ok((ctx.i18n.t(l, "wizard-combination"), rows))
}

async fn region_view(ctx: &Ctx, l: Locale, w: &Wizard) -> anyhow::Result<(String, Rows)> {
    let regions = catalog::regions_with_seats(ctx, w.campaign_id).await?;
    let buttons = regions.iter().map(|r| pick(r.name(l), w.seq, r.id)).collect();
    let rows = paged(buttons, 2, w.page, w.seq, ctx, l);
    Ok((ctx.i18n.t(l, if regions.is_empty() { "wizard-no-seats" } else { "wizard-region" }), rows))
}

async fn city_view(ctx: &Ctx, l: Locale, w: &Wizard) -> anyhow::Result<(String, Rows)> {
    let cities = catalog::cities_with_seats_in(ctx, w.campaign_id, w.region).await?;
    let buttons = cities.iter().map(|c| pick(c.name(l), w.seq, c.id)).collect();
    let mut rows = paged(buttons, 2, w.page, w.seq, ctx, l);
    rows.extend(crate::bot::miniapp::open_button(ctx, l).map(|b| vec![b]));
    Ok((ctx.i18n.t(l, if cities.is_empty() { "wizard-no-seats" } else { "wizard-city" }), rows))
}

async fn date_view(ctx: &Ctx, l: Locale, w: &Wizard, city: i32) -> anyhow::Result<(String, Rows)> {
    let dates = catalog::dates_with_seats(ctx, w.campaign_id, city).await?;
    let buttons = dates
        .iter()
        .map(|d| {
            pick(format::short_date(*d, l), w.seq, format!("{:04}{:02}{:02}", d.year(), d.month(), d.day()))
        })
        .collect();
    let rows = paged(buttons, 3, w.page, w.seq, ctx, l);
    if dates.is_empty() {
        return Ok((ctx.i18n.t(l, "wizard-no-seats"), rows));
    }
    let text = ctx.i18n.f(l, "wizard-date", &[("city", city_name(ctx, city, l).await?.into())]);
    Ok((text, rows))
}

async fn time_view(
    ctx: &Ctx,
    l: Locale,
    w: &Wizard,
    city: i32,
    date: NaiveDate,
) -> anyhow::Result<(String, Rows)> {
    let slots = catalog::free_slots(ctx, w.campaign_id, city, date).await?;
    let rows = slots
        .iter()
        .map(|slot| {
            let venue = slot.venue.text(l);
            let seats = ctx.i18n.f(l, "wizard-seats", &[("n", slot.free.into())]);
            let label = format!("{} · {venue} · {seats}", format::time(slot.starts_at, ctx.config.timezone));
            vec![pick(label, w.seq, slot.id)]
        })
        .collect();
    if slots.is_empty() {
        return Ok((ctx.i18n.t(l, "wizard-no-seats"), rows));
    }
    let args = [("city", city_name(ctx, city, l).await?.into()), ("date", format::long_date(date, l).into())];
    Ok((ctx.i18n.f(l, "wizard-time", &args), rows))
}

async fn summary_view(ctx: &Ctx, s: &Session, w: &Wizard, chosen: &Chosen) -> anyhow::Result<(String, Rows)> {
    let l = s.locale;
    let rows = vec![
        vec![button(ctx.i18n.t(l, "wizard-confirm"), w.seq, Action::Confirm)],
        vec![button(ctx.i18n.t(l, "wizard-rules-button"), w.seq, Action::Rules)],
    ];
    let mut text = summary(ctx, l, w, chosen).await?;
    // The documents differ under 16: said here too when the summary has room.
    if booking::under_16_on_test_day(ctx, s.user_id, chosen.slot).await? {
        let note = ctx.i18n.t(l, "wizard-under-16");
        if text.chars().count() + note.chars().count() + 20 <= 600 {
            text.push_str("\n\n");
            text.push_str(&note);
        }
    }
    Ok((text, rows))
}

async fn rules_view(ctx: &Ctx, s: &Session, w: &Wizard, chosen: &Chosen) -> anyhow::Result<(String, Rows)> {
    let l = s.locale;
    let rows = vec![vec![button(ctx.i18n.t(l, "wizard-confirm"), w.seq, Action::Confirm)]];
    let window = booking::campaign(ctx, w.campaign_id)
        .await?
        .map(|c| c.payment_window_minutes)
        .unwrap_or(ctx.config.payments.deadline_minutes as i32);
    let mut text = ctx.i18n.f(l, "wizard-rules", &[("window", window.into())]);
    if booking::under_16_on_test_day(ctx, s.user_id, chosen.slot).await? {
        text.push_str("\n\n");
        text.push_str(&ctx.i18n.t(l, "wizard-under-16"));
    }
    Ok((text, rows))
}

/// Lays buttons out `per_row`, a page at a time, with ◀️ ▶️ when there is more.
fn paged(
    buttons: Vec<InlineKeyboardButton>,
    per_row: usize,
    page: u16,
    seq: u64,
    ctx: &Ctx,
    l: Locale,
) -> Rows {
    let pages = buttons.len().div_ceil(PAGE).max(1);
    let page = (page as usize).min(pages - 1);
    let chunk: Vec<_> = buttons.into_iter().skip(page * PAGE).take(PAGE).collect();
    let mut rows: Rows = chunk.chunks(per_row).map(<[_]>::to_vec).collect();
    if pages > 1 {
        let mut nav = vec![];
        if page > 0 {
            nav.push(button(ctx.i18n.t(l, "wizard-prev-page"), seq, Action::Page(page as u16 - 1)));
        }
        if page + 1 < pages {
            nav.push(button(ctx.i18n.t(l, "wizard-next-page"), seq, Action::Page(page as u16 + 1)));
        }
        rows.push(nav);
    }
    rows
}

/// Splits `items` into pages that fit `budget` characters with `header` above them and a
/// blank line between; an item too long for any page gets a page of its own.
fn pack(header: &str, items: &[String], budget: usize) -> Vec<std::ops::Range<usize>> {
    let mut pages = vec![];
    let (mut start, mut used) = (0, header.chars().count());
    for (i, item) in items.iter().enumerate() {
        let len = item.chars().count() + 2;
        if i > start && used + len > budget {
            pages.push(start..i);
            (start, used) = (i, header.chars().count());
        }
        used += len;
    }
    if start < items.len() || pages.is_empty() {
        pages.push(start..items.len());
    }
    pages
}

async fn city_name(ctx: &Ctx, city: i32, l: Locale) -> anyhow::Result<String> {
    Ok(catalog::get_with(ctx, |c| c.city(city).is_some()).await?.city_name(city, l))
}

async fn summary(ctx: &Ctx, l: Locale, w: &Wizard, chosen: &Chosen) -> anyhow::Result<String> {
    let cat = catalog::get(ctx).await?;
    let subjects = &chosen.subjects;
    let category = catalog::campaign_categories(ctx, w.campaign_id)
        .await?
        .into_iter()
        .find(|c| c.id == subjects.category)
        .map(|c| format::capitalize(c.short(l)))
        .unwrap_or_default();
    let combination =
        cat.combination(subjects.combination).map(|x| format::capitalize(x.name(l))).unwrap_or_default();
    let language = cat.test_language(&subjects.language).map(|x| x.name(l).to_string()).unwrap_or_default();
    let place = catalog::slot_place(ctx, chosen.slot).await?;
    let fee = booking::fee(ctx, w.campaign_id).await?;
    let (city, venue, when) = match &place {
        Some(p) => (
            p.city.text(l).to_string(),
            p.venue.text(l).to_string(),
            format::date_time(p.starts_at, ctx.config.timezone, l),
        ),
        None => Default::default(),
    };
    let args = [
        ("category", category.into()),
        ("language", language.into()),
        ("combination", combination.into()),
        ("city", city.into()),
        ("venue", venue.into()),
        ("when", when.into()),
        ("fee", fee.to_string().into()),
    ];
    Ok(ctx.i18n.f(l, "wizard-summary", &args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_details_fill_pages_within_the_budget() {
        let items: Vec<String> = ["a".repeat(100), "b".repeat(100), "c".repeat(700), "d".repeat(10)].into();
        assert_eq!(pack("h", &items, 250), vec![0..2, 2..3, 3..4]);
        assert_eq!(pack("h", &[], 250), vec![0..0]);
    }
}
