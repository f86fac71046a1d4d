//! Reference data (categories, test languages, subject combinations, cities, venues) as
//! values the handlers render. Kept in memory: it changes a few times a season, while the
//! wizard reads it on every press. A statement on those tables notifies
//! `catalog_changed` (a trigger), and `workers::catalog` reloads; an id that is not found
//! reloads once at once, so data added a moment ago is never refused.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::db::catalog;
pub use crate::db::catalog::{CitySeats, Day, DaySlot, Named, SlotPlace};
use crate::domain::{fill_year, graduation_year as domain_year};
use crate::i18n::Locale;
use crate::services::Ctx;

/// The PostgreSQL channel the reference tables' trigger notifies.
pub const CHANNEL: &str = "catalog_changed";

#[derive(Debug, Default)]
pub struct Catalog {
    pub categories: Vec<Named<i16>>,
    pub test_languages: Vec<Named<String>>,
    pub combinations: Vec<Named<i16>>,
    pub cities: Vec<Named<i32>>,
    /// «City: venue», for staff.
    pub venues: Vec<Named<i32>>,
}

impl Catalog {
    pub fn category(&self, id: i16) -> Option<&Named<i16>> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn test_language(&self, code: &str) -> Option<&Named<String>> {
        self.test_languages.iter().find(|c| c.id == code)
    }

    pub fn combination(&self, id: i16) -> Option<&Named<i16>> {
        self.combinations.iter().find(|c| c.id == id)
    }

    pub fn city(&self, id: i32) -> Option<&Named<i32>> {
        self.cities.iter().find(|c| c.id == id)
    }

    pub fn city_name(&self, id: i32, l: Locale) -> String {
        self.city(id).map(|c| c.name(l).to_string()).unwrap_or_default()
    }
}

/// The loaded catalog, shared by every handler of the process. Cheap to clone.
#[derive(Clone, Default)]
pub struct CatalogCache {
    current: Arc<RwLock<Arc<Catalog>>>,
}

impl CatalogCache {
    pub fn get(&self) -> Arc<Catalog> {
        self.current.read().expect("catalog lock").clone()
    }

    #[tracing::instrument(skip_all)]
    pub async fn reload(&self, pool: &sqlx::PgPool) -> sqlx::Result<Arc<Catalog>> {
        let fresh = Arc::new(Catalog {
            categories: catalog::categories(pool).await?,
            test_languages: catalog::test_languages(pool).await?,
            combinations: catalog::combinations(pool).await?,
            cities: catalog::all_cities(pool).await?,
            venues: catalog::all_venues(pool).await?,
        });
        *self.current.write().expect("catalog lock") = fresh.clone();
        Ok(fresh)
    }
}

/// The catalog, reloaded first when it has nothing yet (a fresh database seeded after the
/// start) or when `wanted` says something is missing from it.
pub async fn get_with(ctx: &Ctx, wanted: impl Fn(&Catalog) -> bool) -> anyhow::Result<Arc<Catalog>> {
    let now = ctx.catalog.get();
    if !now.categories.is_empty() && wanted(&now) {
        return Ok(now);
    }
    Ok(ctx.catalog.reload(&ctx.db).await?)
}

pub async fn get(ctx: &Ctx) -> anyhow::Result<Arc<Catalog>> {
    get_with(ctx, |_| true).await
}

/// Cities with a free seat in a future slot of the campaign.
pub async fn cities_with_seats(ctx: &Ctx, campaign: i64) -> anyhow::Result<Vec<Named<i32>>> {
    cities_with_seats_in(ctx, campaign, None).await
}

/// The most localities one screen of buttons offers; a campaign with more, spread over
/// regions, asks the region first.
pub const LOCALITIES_ON_ONE_SCREEN: i64 = 12;

/// Whether the wizard asks the region before the locality: more localities than one
/// screen holds, every one in a region, and fewer regions than localities (with one
/// locality a region, the region step would repeat the locality step).
pub async fn asks_region(ctx: &Ctx, campaign: i64) -> anyhow::Result<bool> {
    let s = crate::db::regions::spread(&ctx.db, campaign, ctx.clock.now()).await?;
    Ok(s.localities > LOCALITIES_ON_ONE_SCREEN && s.in_regions == s.localities && s.regions < s.localities)
}

/// Regions with a free seat in a future slot of the campaign.
pub async fn regions_with_seats(ctx: &Ctx, campaign: i64) -> anyhow::Result<Vec<Named<i32>>> {
    Ok(crate::db::regions::with_seats(&ctx.db, campaign, ctx.clock.now()).await?)
}

/// Cities with a free seat, in the region when one was picked.
pub async fn cities_with_seats_in(
    ctx: &Ctx,
    campaign: i64,
    region: Option<i32>,
) -> anyhow::Result<Vec<Named<i32>>> {
    Ok(catalog::cities_with_seats(&ctx.db, campaign, region, ctx.clock.now()).await?)
}

/// Cities with a future slot of the campaign, full or not, with their free seats.
pub async fn cities_with_slots(ctx: &Ctx, campaign: i64) -> anyhow::Result<Vec<CitySeats>> {
    Ok(catalog::cities_with_slots(&ctx.db, campaign, ctx.clock.now()).await?)
}

/// The city's local days with a future slot, full or not.
pub async fn days(ctx: &Ctx, campaign: i64, city: i32) -> anyhow::Result<Vec<Day>> {
    Ok(catalog::days(&ctx.db, campaign, city, ctx.clock.now(), ctx.config.timezone).await?)
}

/// Local dates with a free seat in the city.
pub async fn dates_with_seats(ctx: &Ctx, campaign: i64, city: i32) -> anyhow::Result<Vec<NaiveDate>> {
    Ok(days(ctx, campaign, city).await?.into_iter().filter(|d| d.free > 0).map(|d| d.date).collect())
}

/// The city's future slots on a local date, full or not.
pub async fn day_slots(ctx: &Ctx, campaign: i64, city: i32, date: NaiveDate) -> anyhow::Result<Vec<DaySlot>> {
    let bounds = day_bounds(date, ctx.config.timezone);
    Ok(catalog::day_slots(&ctx.db, campaign, city, bounds, ctx.clock.now()).await?)
}

/// Slots with free seats in the city on a local date.
pub async fn free_slots(
    ctx: &Ctx,
    campaign: i64,
    city: i32,
    date: NaiveDate,
) -> anyhow::Result<Vec<DaySlot>> {
    Ok(day_slots(ctx, campaign, city, date).await?.into_iter().filter(|s| s.free > 0).collect())
}

/// The UTC instants a local day of `tz` begins and ends.
pub fn day_bounds(date: NaiveDate, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")))
    };
    (start(date), start(date + Duration::days(1)))
}

pub async fn slot_place(ctx: &Ctx, slot: i64) -> anyhow::Result<Option<SlotPlace>> {
    Ok(catalog::slot_place(&ctx.db, slot).await?)
}

/// A venue by its code (`ast-1`) or id.
pub async fn venue_id(ctx: &Ctx, key: &str) -> anyhow::Result<Option<i32>> {
    Ok(catalog::venue_id(&ctx.db, key).await?)
}

pub use crate::db::catalog::CategoryOption;

/// The categories a campaign offers, in its order (a campaign that lists none offers all),
/// `{ $year }` filled with its graduation year.
pub async fn campaign_categories(ctx: &Ctx, campaign: i64) -> anyhow::Result<Vec<CategoryOption>> {
    let year = graduation_year(ctx, campaign).await?;
    let categories = catalog::campaign_categories(&ctx.db, campaign).await?;
    Ok(categories.into_iter().map(|c| with_year(c, year)).collect())
}

/// The category of an application, with its label and full wording, `{ $year }` filled.
pub async fn application_category(ctx: &Ctx, application: i64) -> anyhow::Result<Option<CategoryOption>> {
    let Some((category, campaign)) = catalog::application_category(&ctx.db, application).await? else {
        return Ok(None);
    };
    Ok(Some(with_year(category, graduation_year(ctx, campaign).await?)))
}

fn with_year(c: CategoryOption, year: i32) -> CategoryOption {
    CategoryOption {
        id: c.id,
        short: c.short.map(|t| fill_year(&t, year)),
        name: c.name.map(|t| fill_year(&t, year)),
    }
}

/// The year whose school leavers are the campaign's "graduates of this year": its
/// `graduation_year`, else derived from its registration close (`domain::graduation_year`).
pub async fn graduation_year(ctx: &Ctx, campaign: i64) -> anyhow::Result<i32> {
    let tz = ctx.config.timezone;
    let year = match crate::db::campaigns::by_id(&ctx.db, campaign).await? {
        Some(c) => domain_year(c.graduation_year, crate::format::local_date(c.registration_closes_at, tz)),
        None => domain_year(None, crate::format::local_date(ctx.clock.now(), tz)),
    };
    Ok(year)
}

/// The first and the last local day with a slot in the campaign.
pub async fn test_days(ctx: &Ctx, campaign: i64) -> anyhow::Result<Option<(NaiveDate, NaiveDate)>> {
    Ok(catalog::test_days(&ctx.db, campaign, ctx.config.timezone).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_bounded_by_local_midnights() {
        let (from, to) = day_bounds(NaiveDate::from_ymd_opt(2027, 1, 11).unwrap(), chrono_tz::Asia::Almaty);
        assert_eq!(from, Utc.with_ymd_and_hms(2027, 1, 10, 19, 0, 0).unwrap());
        assert_eq!(to - from, Duration::hours(24));
    }
}
