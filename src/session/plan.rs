//! The difference between a session and the database: what would be added, changed and
//! removed per kind, what is kept because something still uses it, and what is refused.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::model::Session;
use crate::db::session::{Kind, StoredCampaign, StoredRow, StoredSlot};

/// What the operator allowed on the command line (or the console form).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Slots holding applicants may move; the slot-change notice tells them.
    pub notify: bool,
    /// The fee, payment window and registration start of an opened campaign may change.
    pub allow_live_changes: bool,
}

#[derive(Debug, Default, Clone)]
pub struct KindPlan {
    pub kind: &'static str,
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    /// Not in the file but still used (by another campaign or past applications).
    pub kept: Vec<String>,
}

impl KindPlan {
    fn new(kind: &'static str) -> Self {
        KindPlan { kind, ..Default::default() }
    }

    pub fn changes(&self) -> usize {
        self.added.len() + self.changed.len() + self.removed.len()
    }
}

#[derive(Debug, Clone, Default)]
pub struct SlotOps {
    pub insert: Vec<(String, DateTime<Utc>, i32)>,
    pub capacity: Vec<(i64, i32)>,
    pub moves: Vec<(i64, DateTime<Utc>, i32)>,
    pub delete: Vec<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub campaign_code: String,
    pub campaign_new: bool,
    /// `key: old → new`
    pub campaign_changes: Vec<String>,
    /// Changes to an opened campaign that needed `--allow-live-changes` (audited).
    pub live_changes: Vec<String>,
    pub kinds: Vec<KindPlan>,
    pub refusals: Vec<String>,
    pub(super) deletes: Vec<(Kind, Vec<String>)>,
    pub(super) slots: SlotOps,
}

impl Plan {
    pub fn changes(&self) -> usize {
        usize::from(self.campaign_new)
            + self.campaign_changes.len()
            + self.kinds.iter().map(KindPlan::changes).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.changes() == 0
    }
}

fn first_few(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut out = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        out.push_str(", …");
    }
    out
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.campaign_new {
            "new"
        } else if self.campaign_changes.is_empty() {
            "unchanged"
        } else {
            "changed"
        };
        writeln!(f, "campaign {}: {state}", self.campaign_code)?;
        for c in &self.campaign_changes {
            writeln!(f, "  {c}")?;
        }
        for k in &self.kinds {
            write!(f, "{}:", k.kind)?;
            let parts =
                [("added", &k.added), ("changed", &k.changed), ("removed", &k.removed), ("kept", &k.kept)];
            let mut any = false;
            for (word, list) in parts {
                if list.is_empty() {
                    continue;
                }
                write!(f, "{} {} {word} ({})", if any { ";" } else { "" }, list.len(), first_few(list))?;
                any = true;
            }
            writeln!(f, "{}", if any { "" } else { " no change" })?;
        }
        if self.refusals.is_empty() {
            if self.is_empty() {
                writeln!(f, "nothing to change")?;
            } else {
                writeln!(f, "{} changes", self.changes())?;
            }
        } else {
            writeln!(f, "refused, nothing written:")?;
            for r in &self.refusals {
                writeln!(f, "  {r}")?;
            }
        }
        Ok(())
    }
}

/// The database as the plan compares it.
pub struct Stored {
    pub campaign: Option<StoredCampaign>,
    pub categories: Vec<StoredRow>,
    pub offered: Vec<StoredRow>,
    pub test_languages: Vec<StoredRow>,
    pub subjects: Vec<StoredRow>,
    pub combinations: Vec<StoredRow>,
    pub regions: Vec<StoredRow>,
    pub cities: Vec<StoredRow>,
    pub venues: Vec<StoredRow>,
    pub slots: Vec<StoredSlot>,
}

/// Wanted rows of one kind: code and the compared fields (same order as `StoredRow`).
struct Wanted {
    code: String,
    fields: Vec<String>,
}

fn order(i: usize) -> String {
    (i + 1).to_string()
}

/// Diffs one catalog. `used_now` says whether a stored row absent from the file is still
/// used; absent and live-used is refused.
fn catalog(
    plan: &mut Plan,
    label: &'static str,
    kind: Kind,
    wanted: &[Wanted],
    stored: &[StoredRow],
    used_now: impl Fn(&StoredRow) -> bool,
) -> HashSet<String> {
    let mut k = KindPlan::new(label);
    let by_code: HashMap<&str, &StoredRow> = stored.iter().map(|r| (r.code.as_str(), r)).collect();
    for w in wanted {
        match by_code.get(w.code.as_str()) {
            None => k.added.push(w.code.clone()),
            Some(r) if r.fields != w.fields => k.changed.push(w.code.clone()),
            Some(_) => {}
        }
    }
    let in_file: HashSet<&str> = wanted.iter().map(|w| w.code.as_str()).collect();
    let mut surviving: HashSet<String> = in_file.iter().map(|c| c.to_string()).collect();
    let mut delete = Vec::new();
    for r in stored.iter().filter(|r| !in_file.contains(r.code.as_str())) {
        if r.live > 0 {
            plan.refusals.push(format!(
                "{label} \"{}\" is not in the file, but {} live applications use it",
                r.code, r.live
            ));
            surviving.insert(r.code.clone());
        } else if used_now(r) {
            k.kept.push(r.code.clone());
            surviving.insert(r.code.clone());
        } else {
            k.removed.push(r.code.clone());
            delete.push(r.code.clone());
        }
    }
    if !delete.is_empty() {
        plan.deletes.push((kind, delete));
    }
    plan.kinds.push(k);
    surviving
}

pub fn diff(session: &Session, stored: &Stored, opts: Options, now: DateTime<Utc>, tz: Tz) -> Plan {
    let mut plan = Plan { campaign_code: session.campaign.code.clone(), ..Plan::default() };
    campaign(&mut plan, session, stored.campaign.as_ref(), opts, now, tz);

    let offered_live: HashMap<&str, i64> = stored.offered.iter().map(|r| (r.code.as_str(), r.live)).collect();
    let file_categories: HashSet<&str> = session.categories.iter().map(|c| c.code.as_str()).collect();
    for (code, live) in &offered_live {
        if *live > 0 && !file_categories.contains(code) {
            plan.refusals.push(format!(
                "category \"{code}\" is not in the file, but {live} live applications of this campaign use it"
            ));
        }
    }
    let wanted: Vec<Wanted> = session
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| Wanted {
            code: c.code.clone(),
            fields: vec![
                c.short.kk.clone(),
                c.short.ru.clone(),
                c.name.kk.clone(),
                c.name.ru.clone(),
                order(i),
            ],
        })
        .collect();
    // A category this campaign stops offering is judged by the campaign's own use above.
    let stored_categories: Vec<StoredRow> =
        stored.categories.iter().cloned().map(|r| StoredRow { live: 0, ..r }).collect();
    catalog(&mut plan, "categories", Kind::Categories, &wanted, &stored_categories, |r| r.used > 0);
    let offered_now: Vec<&str> = stored.offered.iter().map(|r| r.code.as_str()).collect();
    let offered_wanted: Vec<&str> = session.categories.iter().map(|c| c.code.as_str()).collect();
    if stored.campaign.is_some() && offered_now != offered_wanted {
        plan.campaign_changes.push(format!(
            "categories offered: {} → {}",
            offered_now.join(","),
            offered_wanted.join(",")
        ));
    }

    let named = |list: &[super::model::Named], sorted: bool| -> Vec<Wanted> {
        list.iter()
            .enumerate()
            .map(|(i, n)| {
                let mut fields = vec![n.name.kk.clone(), n.name.ru.clone()];
                if sorted {
                    fields.push(order(i));
                }
                Wanted { code: n.code.clone(), fields }
            })
            .collect()
    };
    catalog(
        &mut plan,
        "test languages",
        Kind::TestLanguages,
        &named(&session.test_languages, true),
        &stored.test_languages,
        |r| r.used > 0,
    );

    let wanted: Vec<Wanted> = session
        .combinations
        .iter()
        .enumerate()
        .map(|(i, c)| Wanted {
            code: c.code.clone(),
            fields: vec![c.first.clone(), c.second.clone().unwrap_or_default(), order(i)],
        })
        .collect();
    let combos =
        catalog(&mut plan, "combinations", Kind::Combinations, &wanted, &stored.combinations, |r| r.used > 0);
    let subjects_used: HashSet<&str> = stored
        .combinations
        .iter()
        .filter(|c| combos.contains(&c.code))
        .flat_map(|c| [c.fields[0].as_str(), c.fields[1].as_str()])
        .collect();
    catalog(&mut plan, "subjects", Kind::Subjects, &named(&session.subjects, false), &stored.subjects, |r| {
        subjects_used.contains(r.code.as_str())
    });

    let venue_wanted: Vec<Wanted> = session
        .venues
        .iter()
        .map(|v| Wanted {
            code: v.code.clone(),
            fields: vec![
                v.city.clone(),
                v.name.kk.clone(),
                v.name.ru.clone(),
                v.address.kk.clone(),
                v.address.ru.clone(),
            ],
        })
        .collect();
    let slot_venues = slots(&mut plan, session, &stored.slots, opts, tz);
    // Regions and cities are diffed before venues in the report, but what they keep
    // depends on which venues survive.
    let mut venue_plan = Plan::default();
    let venues = catalog(&mut venue_plan, "venues", Kind::Venues, &venue_wanted, &stored.venues, |r| {
        r.used > 0 || slot_venues.contains(&r.code)
    });
    let cities_used: HashSet<&str> =
        stored.venues.iter().filter(|v| venues.contains(&v.code)).map(|v| v.fields[0].as_str()).collect();
    let wanted: Vec<Wanted> = session
        .cities
        .iter()
        .enumerate()
        .map(|(i, c)| Wanted {
            code: c.code.clone(),
            fields: vec![c.region.clone(), c.name.kk.clone(), c.name.ru.clone(), order(i)],
        })
        .collect();
    let mut city_plan = Plan::default();
    let cities = catalog(&mut city_plan, "cities", Kind::Cities, &wanted, &stored.cities, |r| {
        cities_used.contains(r.code.as_str())
    });
    let regions_used: HashSet<&str> = stored
        .cities
        .iter()
        .filter(|c| cities.contains(&c.code) && !c.fields[0].is_empty())
        .map(|c| c.fields[0].as_str())
        .collect();
    catalog(&mut plan, "regions", Kind::Regions, &named(&session.regions, true), &stored.regions, |r| {
        regions_used.contains(r.code.as_str())
    });
    for part in [city_plan, venue_plan] {
        plan.kinds.extend(part.kinds);
        plan.refusals.extend(part.refusals);
        plan.deletes.extend(part.deletes);
    }
    // Slots last in the report, as they are applied.
    let slot_kind = plan.kinds.iter().position(|k| k.kind == "slots").expect("slots() adds its kind");
    let k = plan.kinds.remove(slot_kind);
    plan.kinds.push(k);
    plan
}

fn campaign(
    plan: &mut Plan,
    session: &Session,
    stored: Option<&StoredCampaign>,
    opts: Options,
    now: DateTime<Utc>,
    tz: Tz,
) {
    let Some(s) = stored else {
        plan.campaign_new = true;
        return;
    };
    let c = &session.campaign;
    let t = |d: DateTime<Utc>| d.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string();
    let o = |d: Option<DateTime<Utc>>| d.map_or("—".to_owned(), t);
    let mut change = |key: &str, old: String, new: String, guarded: bool| {
        if old == new {
            return;
        }
        let line = format!("{key}: {old} → {new}");
        if guarded && s.registration_opens_at <= now {
            if opts.allow_live_changes {
                plan.live_changes.push(line.clone());
            } else {
                plan.refusals.push(format!(
                    "{key} of campaign {} would change ({old} → {new}) after its registration opened; \
                     pass --allow-live-changes to do it anyway",
                    c.code
                ));
            }
        }
        plan.campaign_changes.push(line);
    };
    change("name.kk", s.name_kk.clone(), c.name.kk.clone(), false);
    change("name.ru", s.name_ru.clone(), c.name.ru.clone(), false);
    change("registration_opens", t(s.registration_opens_at), t(c.opens_at), true);
    change("registration_closes", t(s.registration_closes_at), t(c.closes_at), false);
    if c.database_closes_at.is_some() {
        change("database_closes", o(s.database_closed_at), o(c.database_closes_at), false);
    }
    let d = |x: Option<chrono::NaiveDate>| x.map_or("—".to_owned(), |d| d.to_string());
    change("tests_from", d(s.tests_from), c.tests_from.to_string(), false);
    change("tests_until", d(s.tests_until), c.tests_until.to_string(), false);
    change("fee_tenge", s.fee_tenge.to_string(), c.fee_tenge.to_string(), true);
    change(
        "payment_window_minutes",
        s.payment_window_minutes.to_string(),
        c.payment_window_minutes.to_string(),
        true,
    );
    let list = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    change(
        "reminders_minutes_left",
        s.reminders_minutes_left.as_deref().map_or("—".to_owned(), list),
        list(&c.reminders_minutes_left),
        false,
    );
    change(
        "graduation_year",
        s.graduation_year.map_or("—".to_owned(), |y| y.to_string()),
        c.graduation_year.to_string(),
        false,
    );
    change(
        "retest_request_days",
        s.retest_request_days.to_string(),
        c.retest_request_days.to_string(),
        false,
    );
}

/// Diffs the campaign's slots; returns the venues whose slots of this campaign remain.
fn slots(
    plan: &mut Plan,
    session: &Session,
    stored: &[StoredSlot],
    opts: Options,
    tz: Tz,
) -> HashSet<String> {
    let mut k = KindPlan::new("slots");
    let name = |venue: &str, at: DateTime<Utc>| {
        format!("{venue} {}", at.with_timezone(&tz).format("%Y-%m-%d %H:%M"))
    };
    let by_key: HashMap<(&str, DateTime<Utc>), &StoredSlot> =
        stored.iter().map(|s| ((s.venue.as_str(), s.starts_at), s)).collect();
    let mut remaining = HashSet::new();
    let mut added: Vec<(String, DateTime<Utc>, i32)> = Vec::new();
    for w in &session.slots {
        match by_key.get(&(w.venue.as_str(), w.starts_at)) {
            None => added.push((w.venue.clone(), w.starts_at, w.capacity)),
            Some(s) => {
                remaining.insert(s.venue.clone());
                if s.capacity != w.capacity {
                    if w.capacity < s.booked {
                        plan.refusals.push(format!(
                            "slot {}: capacity {} is below the {} seats booked",
                            name(&s.venue, s.starts_at),
                            w.capacity,
                            s.booked
                        ));
                    }
                    k.changed.push(format!(
                        "{} capacity {} → {}",
                        name(&s.venue, s.starts_at),
                        s.capacity,
                        w.capacity
                    ));
                    plan.slots.capacity.push((s.id, w.capacity));
                }
            }
        }
    }
    let wanted: HashSet<(&str, DateTime<Utc>)> =
        session.slots.iter().map(|w| (w.venue.as_str(), w.starts_at)).collect();
    for s in stored.iter().filter(|s| !wanted.contains(&(s.venue.as_str(), s.starts_at))) {
        if s.live == 0 && s.used == 0 {
            k.removed.push(name(&s.venue, s.starts_at));
            plan.slots.delete.push(s.id);
            continue;
        }
        remaining.insert(s.venue.clone());
        if s.live == 0 {
            k.kept.push(format!("{} (past applications)", name(&s.venue, s.starts_at)));
            continue;
        }
        // Held seats move with their slot to the nearest new time at the same venue.
        let target = added
            .iter()
            .enumerate()
            .filter(|(_, a)| a.0 == s.venue)
            .min_by_key(|(_, a)| (a.1 - s.starts_at).num_minutes().abs())
            .map(|(i, _)| i);
        let Some(i) = target else {
            plan.refusals.push(format!(
                "slot {} is not in the file, but {} applicants hold seats in it ({} paid)",
                name(&s.venue, s.starts_at),
                s.live,
                s.paid
            ));
            continue;
        };
        let (venue, starts_at, capacity) = added.remove(i);
        let moved = format!("{} → {}", name(&s.venue, s.starts_at), name(&venue, starts_at));
        if !opts.notify {
            plan.refusals.push(format!(
                "slot {moved} would move {} applicants ({} paid); pass --notify to move it and tell them",
                s.live, s.paid
            ));
        } else if capacity < s.booked {
            plan.refusals
                .push(format!("slot {moved}: capacity {capacity} is below the {} seats booked", s.booked));
        }
        k.changed.push(format!("{moved} (moved, {} applicants told)", s.live));
        plan.slots.moves.push((s.id, starts_at, capacity));
    }
    for (venue, starts_at, capacity) in added {
        k.added.push(name(&venue, starts_at));
        remaining.insert(venue.clone());
        plan.slots.insert.push((venue, starts_at, capacity));
    }
    plan.kinds.push(k);
    remaining
}
