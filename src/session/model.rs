//! A checked session: what `session apply` writes.

use chrono::{DateTime, Utc};

pub use super::file::Text;
pub use crate::db::session::CampaignSpec;

#[derive(Debug, Clone)]
pub struct Session {
    pub campaign: CampaignSpec,
    pub categories: Vec<Category>,
    pub test_languages: Vec<Named>,
    pub subjects: Vec<Named>,
    pub combinations: Vec<Combination>,
    pub regions: Vec<Named>,
    pub cities: Vec<City>,
    pub venues: Vec<Venue>,
    pub slots: Vec<Slot>,
}

#[derive(Debug, Clone)]
pub struct Category {
    pub code: String,
    /// The button label (≤ 40 characters); `{ $year }` stands for the graduation year.
    pub short: Text,
    pub name: Text,
}

#[derive(Debug, Clone)]
pub struct Named {
    pub code: String,
    pub name: Text,
}

#[derive(Debug, Clone)]
pub struct Combination {
    pub code: String,
    pub first: String,
    pub second: Option<String>,
}

#[derive(Debug, Clone)]
pub struct City {
    pub code: String,
    pub region: String,
    pub name: Text,
}

#[derive(Debug, Clone)]
pub struct Venue {
    pub code: String,
    pub city: String,
    pub name: Text,
    pub address: Text,
}

#[derive(Debug, Clone)]
pub struct Slot {
    pub venue: String,
    pub starts_at: DateTime<Utc>,
    pub capacity: i32,
}
