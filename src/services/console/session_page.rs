//! The console's session page: every campaign's timeline and figures, and edits to a
//! campaign (its settings, a venue, a venue or slot sheet) proposed as a changed session
//! file. A proposal is checked and planned exactly as `ent-bot session check` does, and
//! applied as `session apply` does (one transaction, the safety rules, audited).

use std::path::Path;

use toml::{Table, Value};

pub use crate::db::campaign_figures::CampaignFigures;
use crate::services::Ctx;
use crate::session::{self, Options, Plan, SessionError, export};

pub async fn campaigns(ctx: &Ctx) -> anyhow::Result<Vec<CampaignFigures>> {
    Ok(crate::db::campaign_figures::all(&ctx.db).await?)
}

/// The campaign as a session file, to be edited; `None` when there is no such campaign.
pub async fn current(ctx: &Ctx, code: &str) -> anyhow::Result<Option<Table>> {
    Ok(export::current(&ctx.db, code, ctx.config.timezone).await?)
}

/// A changed file with its plan, or why it cannot be applied.
pub struct Proposal {
    /// The whole file, every row inline: what the confirmation sends back to apply.
    pub text: String,
    pub outcome: Result<Plan, SessionError>,
}

/// The campaign settings an admin may change in the form, as the file's keys.
pub const SETTINGS: [&str; 8] = [
    "registration_opens",
    "registration_closes",
    "database_closes",
    "tests_from",
    "tests_until",
    "fee_tenge",
    "payment_window_minutes",
    "graduation_year",
];

/// The file with the form's settings: numbers as numbers, an empty optional date left out.
pub fn with_settings(mut file: Table, form: &[(&str, &str)]) -> Table {
    if let Some(Value::Table(c)) = file.get_mut("campaign") {
        for (key, value) in form {
            let value = value.trim();
            if !SETTINGS.contains(key) {
                continue;
            }
            if value.is_empty() && *key == "database_closes" {
                c.remove(*key);
                continue;
            }
            let v = match *key {
                "fee_tenge" | "payment_window_minutes" | "graduation_year" => match value.parse::<i64>() {
                    Ok(n) => Value::Integer(n),
                    Err(_) => Value::String(value.to_owned()),
                },
                _ => Value::String(value.replace(' ', "T")),
            };
            c.insert((*key).to_owned(), v);
        }
        // Reminders must stay inside a shorter window: those that would not are dropped.
        let window = c.get("payment_window_minutes").and_then(Value::as_integer).unwrap_or(60);
        if let Some(Value::Array(r)) = c.get_mut("reminders_minutes_left") {
            r.retain(|m| m.as_integer().is_some_and(|m| m < window));
        }
    }
    file
}

/// The file with one venue added, or changed when its code exists.
pub fn with_venue(mut file: Table, venue: [&str; 6]) -> Table {
    let [code, city, name_kk, name_ru, address_kk, address_ru] = venue.map(str::trim);
    let text = |kk: &str, ru: &str| {
        Value::Table(Table::from_iter([("kk".to_owned(), kk.into()), ("ru".to_owned(), ru.into())]))
    };
    let row = Value::Table(Table::from_iter([
        ("code".to_owned(), code.into()),
        ("city".to_owned(), city.into()),
        ("name".to_owned(), text(name_kk, name_ru)),
        ("address".to_owned(), text(address_kk, address_ru)),
    ]));
    let venues = file.entry("venues").or_insert_with(|| Value::Array(vec![]));
    if let Value::Array(list) = venues {
        match list.iter_mut().find(|v| v.get("code").and_then(Value::as_str) == Some(code)) {
            Some(existing) => *existing = row,
            None => list.push(row),
        }
    }
    file
}

/// Which of the file's sheets an upload replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheet {
    Venues,
    Slots,
}

/// The file with an uploaded sheet in place of its venues or slots: the sheet is the
/// campaign's whole list, as `venues = "venues.xlsx"` in a session file.
pub async fn with_sheet(
    ctx: &Ctx,
    file: Table,
    sheet: Sheet,
    name: &str,
    bytes: &[u8],
) -> anyhow::Result<Proposal> {
    let ext = if name.to_ascii_lowercase().ends_with(".xlsx") { "xlsx" } else { "csv" };
    let dir = std::env::temp_dir().join(format!("ent-console-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir)?;
    let shown = format!("{}.{ext}", if sheet == Sheet::Venues { "venues" } else { "slots" });
    std::fs::write(dir.join(&shown), bytes)?;
    let mut file = file;
    let key = if sheet == Sheet::Venues { "venues" } else { "slots" };
    file.insert(key.to_owned(), Value::String(shown));
    let text = toml::to_string(&file)?;
    let loaded = export::load_edited(&ctx.db, &text, &dir, ctx.config.timezone).await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(match loaded {
        Ok(s) => {
            let inline = toml::to_string(&export::inline(&s, ctx.config.timezone))?;
            let outcome = check(ctx, &s).await;
            Proposal { text: inline, outcome }
        }
        Err(e) => Proposal { text, outcome: Err(e) },
    })
}

async fn check(ctx: &Ctx, s: &session::Session) -> Result<Plan, SessionError> {
    session::check(&ctx.db, s, Options::default(), ctx.clock.now(), ctx.config.timezone).await
}

/// Checks a changed file and plans it against the database; nothing is written.
pub async fn propose(ctx: &Ctx, file: &Table) -> anyhow::Result<Proposal> {
    let text = toml::to_string(file)?;
    let outcome = match export::load_edited(&ctx.db, &text, Path::new("."), ctx.config.timezone).await {
        Ok(s) => check(ctx, &s).await,
        Err(e) => Err(e),
    };
    Ok(Proposal { text, outcome })
}

/// Applies a proposal the admin confirmed, under the same rules; audited as his.
#[tracing::instrument(skip_all, fields(staff = actor))]
pub async fn apply(
    ctx: &Ctx,
    actor: i64,
    code: &str,
    text: &str,
    opts: Options,
) -> Result<Plan, SessionError> {
    // Sheets come as uploads, read into the file: a name would open a file of the server's.
    let names_a_file = toml::from_str::<Table>(text)
        .map(|t| ["venues", "slots"].iter().any(|k| t.get(*k).is_some_and(Value::is_str)))
        .unwrap_or(false);
    if names_a_file {
        return Err(
            vec![session::Problem::new("console", "venues and slots must be rows, not a file name")].into()
        );
    }
    let s = export::load_edited(&ctx.db, text, Path::new("."), ctx.config.timezone).await?;
    if s.campaign.code != code {
        let reason = format!("the file is campaign {}, the page campaign {code}", s.campaign.code);
        return Err(vec![session::Problem::new("console", reason)].into());
    }
    session::apply(&ctx.db, &s, opts, ctx.clock.now(), ctx.config.timezone, Some(actor), "console").await
}
