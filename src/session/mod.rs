//! Session files (`sessions/*.toml`): a campaign with everything the bot offers in it,
//! checked as a whole (`session check`) and applied in one transaction (`session apply`),
//! refusing any change that would strand a live application.

pub mod apply;
pub mod export;
pub mod file;
pub mod model;
pub mod plan;
pub mod table;
pub mod validate;

use std::fmt;

pub use apply::{apply, check};
pub use model::Session;
pub use plan::{Options, Plan};
pub use validate::load;

/// One thing wrong with the input, and where: `file:line`, `file row N` or `file`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pub place: String,
    pub reason: String,
}

impl Problem {
    pub fn new(place: impl Into<String>, reason: impl Into<String>) -> Self {
        Problem { place: place.into(), reason: reason.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{} problems:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    Refused(Box<Plan>),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl SessionError {
    /// Bad input exits with code 2; a database failure with 1.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, SessionError::Db(_))
    }
}

impl From<Vec<Problem>> for SessionError {
    fn from(mut problems: Vec<Problem>) -> Self {
        // A rule that expands to many slots repeats the same problem.
        let mut seen = std::collections::HashSet::new();
        problems.retain(|p| seen.insert(p.clone()));
        SessionError::Invalid(problems)
    }
}
