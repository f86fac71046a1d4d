//! Where an application stands, mapped to PostgreSQL's `application_status`, and the
//! rules of what may be done in each status. Every adapter (the applicant's buttons, the
//! staff commands, the console) asks these, so they cannot disagree.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "application_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    AwaitingPayment,
    Paid,
    Annulled,
    Cancelled,
    Withdrawn,
    NoShow,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 6] = [
        ApplicationStatus::AwaitingPayment,
        ApplicationStatus::Paid,
        ApplicationStatus::Annulled,
        ApplicationStatus::Cancelled,
        ApplicationStatus::Withdrawn,
        ApplicationStatus::NoShow,
    ];

    /// As PostgreSQL spells it (and forms, buttons and the audit log).
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::AwaitingPayment => "awaiting_payment",
            ApplicationStatus::Paid => "paid",
            ApplicationStatus::Annulled => "annulled",
            ApplicationStatus::Cancelled => "cancelled",
            ApplicationStatus::Withdrawn => "withdrawn",
            ApplicationStatus::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<ApplicationStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Its name in `locales/*/history.ftl`.
    pub fn fluent_id(self) -> &'static str {
        match self {
            ApplicationStatus::AwaitingPayment => "status-awaiting_payment",
            ApplicationStatus::Paid => "status-paid",
            ApplicationStatus::Annulled => "status-annulled",
            ApplicationStatus::Cancelled => "status-cancelled",
            ApplicationStatus::Withdrawn => "status-withdrawn",
            ApplicationStatus::NoShow => "status-no_show",
        }
    }

    /// Holds a seat (the partial unique index allows one such per applicant and campaign).
    pub fn is_live(self) -> bool {
        matches!(self, ApplicationStatus::AwaitingPayment | ApplicationStatus::Paid)
    }

    pub fn can_pay(self) -> bool {
        self == ApplicationStatus::AwaitingPayment
    }

    /// Money arriving now is applied to the application (otherwise it is late money).
    pub fn accepts_payment(self, now: DateTime<Utc>, deadline: DateTime<Utc>) -> bool {
        self.can_pay() && now < deadline
    }

    /// A paid application may be withdrawn until its test begins; after that there is
    /// nothing left to withdraw from.
    pub fn can_withdraw(self, now: DateTime<Utc>, test_starts: DateTime<Utc>) -> bool {
        self == ApplicationStatus::Paid && now < test_starts
    }

    /// A no-show is known only once the test has begun.
    pub fn can_mark_no_show(self, now: DateTime<Utc>, test_starts: DateTime<Utc>) -> bool {
        self == ApplicationStatus::Paid && test_starts <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn names_round_trip() {
        for st in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse(st.as_str()), Some(st));
            assert_eq!(st.fluent_id(), format!("status-{st}"));
            assert_eq!(serde_json::to_value(st).unwrap(), st.as_str());
        }
        assert_eq!(ApplicationStatus::parse("PAID"), None);
    }

    #[test]
    fn withdraw_before_the_test_no_show_after_it() {
        let starts = Utc::now();
        let (before, after) = (starts - Duration::minutes(1), starts + Duration::minutes(1));
        assert!(ApplicationStatus::Paid.can_withdraw(before, starts));
        assert!(!ApplicationStatus::Paid.can_withdraw(starts, starts));
        assert!(!ApplicationStatus::Paid.can_withdraw(after, starts));
        assert!(!ApplicationStatus::AwaitingPayment.can_withdraw(before, starts));
        assert!(ApplicationStatus::Paid.can_mark_no_show(starts, starts));
        assert!(!ApplicationStatus::Paid.can_mark_no_show(before, starts));
        assert!(!ApplicationStatus::Withdrawn.can_mark_no_show(after, starts));
    }
}
