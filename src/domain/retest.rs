//! The 2026 retest for a valid reason (order No. 204): the reasons the rules accept, where a
//! request stands, and what an applicant may send as documents.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The valid reasons the rules list for missing the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "retest_reason", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RetestReason {
    /// Illness, with a medical commission's conclusion.
    Illness,
    /// The death of a close relative.
    Bereavement,
    /// A republican or international olympiad or competition.
    Olympiad,
    Emergency,
}

impl RetestReason {
    pub const ALL: [RetestReason; 4] =
        [RetestReason::Illness, RetestReason::Bereavement, RetestReason::Olympiad, RetestReason::Emergency];

    /// As buttons and PostgreSQL spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            RetestReason::Illness => "illness",
            RetestReason::Bereavement => "bereavement",
            RetestReason::Olympiad => "olympiad",
            RetestReason::Emergency => "emergency",
        }
    }

    pub fn parse(s: &str) -> Option<RetestReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Its name in `locales/*/retest.ftl`.
    pub fn fluent_id(self) -> &'static str {
        match self {
            RetestReason::Illness => "retest-reason-illness",
            RetestReason::Bereavement => "retest-reason-bereavement",
            RetestReason::Olympiad => "retest-reason-olympiad",
            RetestReason::Emergency => "retest-reason-emergency",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "retest_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RetestStatus {
    Pending,
    Approved,
    Refused,
    /// Approved and a new slot taken.
    Booked,
}

impl RetestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RetestStatus::Pending => "pending",
            RetestStatus::Approved => "approved",
            RetestStatus::Refused => "refused",
            RetestStatus::Booked => "booked",
        }
    }
}

/// At most this many documents a request.
pub const MAX_DOCUMENTS: usize = 5;
/// Telegram's getFile serves files up to 20 MB: a larger one could never be read by staff.
pub const MAX_DOCUMENT_BYTES: u64 = 20 * 1024 * 1024;

/// A file the applicant sent: a photo, or a document that is a PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetestFile {
    pub kind: DocumentKind,
    pub file_id: String,
    pub file_unique_id: String,
    pub size: Option<u64>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Photo,
    Pdf,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Photo => "photo",
            DocumentKind::Pdf => "pdf",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        match s {
            "photo" => Some(DocumentKind::Photo),
            "pdf" => Some(DocumentKind::Pdf),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            DocumentKind::Photo => "image/jpeg",
            DocumentKind::Pdf => "application/pdf",
        }
    }
}

/// Why a file is not taken as a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRefusal {
    /// Not a photo or a PDF.
    Kind,
    TooLarge,
    TooMany,
}

/// Whether a document (not a photo) is taken: a PDF by its MIME type or, when the client
/// sent none, by its name.
pub fn is_pdf(mime: Option<&str>, name: Option<&str>) -> bool {
    match mime {
        Some(m) => m.eq_ignore_ascii_case("application/pdf"),
        None => name.is_some_and(|n| n.to_ascii_lowercase().ends_with(".pdf")),
    }
}

/// Checks one more file against the rules: kind, size, count.
pub fn admit(already: usize, size: Option<u64>) -> Result<(), FileRefusal> {
    if already >= MAX_DOCUMENTS {
        return Err(FileRefusal::TooMany);
    }
    if size.is_some_and(|s| s > MAX_DOCUMENT_BYTES) {
        return Err(FileRefusal::TooLarge);
    }
    Ok(())
}

/// A no-show may ask within `days` of the test's start.
pub fn within_request_window(test_starts: DateTime<Utc>, days: i16, now: DateTime<Utc>) -> bool {
    test_starts <= now && now <= test_starts + Duration::days(i64::from(days))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn reasons_round_trip() {
        for r in RetestReason::ALL {
            assert_eq!(RetestReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(RetestReason::parse("holiday"), None);
    }

    #[test]
    fn files_are_admitted_by_kind_size_and_count() {
        assert!(is_pdf(Some("application/pdf"), Some("x.jpg")));
        assert!(!is_pdf(Some("application/msword"), Some("x.pdf")));
        assert!(is_pdf(None, Some("Справка.PDF")));
        assert!(!is_pdf(None, None));
        assert_eq!(admit(0, Some(MAX_DOCUMENT_BYTES)), Ok(()));
        assert_eq!(admit(0, Some(MAX_DOCUMENT_BYTES + 1)), Err(FileRefusal::TooLarge));
        assert_eq!(admit(5, Some(1)), Err(FileRefusal::TooMany));
    }

    #[test]
    fn the_window_runs_from_the_test_for_the_campaigns_days() {
        let t = Utc.with_ymd_and_hms(2027, 1, 11, 4, 0, 0).unwrap();
        assert!(!within_request_window(t, 3, t - Duration::minutes(1)));
        assert!(within_request_window(t, 3, t + Duration::days(3)));
        assert!(!within_request_window(t, 3, t + Duration::days(3) + Duration::seconds(1)));
    }
}
