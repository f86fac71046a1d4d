//! The session file as written (TOML): every key typed, unknown keys refused, each table
//! remembering where it stands in the file so a problem can name the line.

use serde::Deserialize;
use toml::Spanned;

/// A text in both languages; neither may be left out, nothing else may be added.
pub type Text = crate::i18n::Bilingual<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionFile {
    pub campaign: Spanned<CampaignFile>,
    #[serde(default)]
    pub categories: Vec<Spanned<CategoryFile>>,
    #[serde(default)]
    pub test_languages: Vec<Spanned<NamedFile>>,
    #[serde(default)]
    pub subjects: Vec<Spanned<NamedFile>>,
    #[serde(default)]
    pub combinations: Vec<Spanned<CombinationFile>>,
    #[serde(default)]
    pub regions: Vec<Spanned<NamedFile>>,
    #[serde(default)]
    pub cities: Vec<Spanned<CityFile>>,
    #[serde(default)]
    pub venues: Option<VenuesFile>,
    #[serde(default)]
    pub slots: Option<SlotsFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignFile {
    pub code: String,
    pub name: Text,
    /// Local time in `TIMEZONE`, `YYYY-MM-DDTHH:MM`.
    pub registration_opens: Spanned<String>,
    pub registration_closes: Spanned<String>,
    pub database_closes: Option<Spanned<String>>,
    /// `YYYY-MM-DD`, both days included.
    pub tests_from: Spanned<String>,
    pub tests_until: Spanned<String>,
    pub fee_tenge: Spanned<i64>,
    #[serde(default = "default_window")]
    pub payment_window_minutes: Spanned<i64>,
    #[serde(default = "default_reminders")]
    pub reminders_minutes_left: Spanned<Vec<i64>>,
    pub graduation_year: Spanned<i64>,
    #[serde(default = "default_retest_days")]
    pub retest_request_days: Spanned<i64>,
}

fn default_window() -> Spanned<i64> {
    Spanned::new(0..0, 60)
}

fn default_reminders() -> Spanned<Vec<i64>> {
    Spanned::new(0..0, vec![30, 10])
}

fn default_retest_days() -> Spanned<i64> {
    Spanned::new(0..0, 3)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryFile {
    pub code: String,
    pub short: Text,
    pub name: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedFile {
    pub code: String,
    pub name: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CombinationFile {
    pub code: String,
    /// One subject (the creative exam) or two, in the order shown.
    pub subjects: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityFile {
    pub code: String,
    pub region: String,
    pub name: Text,
}

/// A spreadsheet path (relative to the session file) or the rows themselves. Not
/// `#[serde(untagged)]`: that buffers the value and loses the line of each row.
#[derive(Debug)]
pub enum PathOr<T> {
    Path(String),
    List(Vec<Spanned<T>>),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for PathOr<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = PathOr<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a file name (CSV or XLSX) or an array of tables")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(PathOr::Path(v.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(PathOr::List(out))
            }
        }
        d.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

pub type VenuesFile = PathOr<VenueFile>;
pub type SlotsFile = PathOr<SlotRuleFile>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueFile {
    pub code: String,
    pub city: String,
    pub name: Text,
    pub address: Text,
}

/// Slots by rule: every listed time of every listed day at the venue (or every venue).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotRuleFile {
    /// A venue code, or `*` for every venue of the file.
    pub venue: String,
    /// `YYYY-MM-DD` or a range `YYYY-MM-DD..YYYY-MM-DD` (both days included).
    pub dates: Vec<String>,
    /// `HH:MM`, local time.
    pub times: Vec<String>,
    pub capacity: i64,
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}
