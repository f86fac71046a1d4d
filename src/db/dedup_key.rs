//! The outbox's dedup keys: what caused a message. The same cause queued twice (a retried
//! job, a repeated callback, a second process) writes one message. The text forms are
//! stored in `outbox.dedup_key` and must not change: a cause retried across a deploy must
//! find the key its first attempt wrote.

use std::fmt;

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupKey {
    /// A payment reminder, by its job.
    PaymentReminder {
        job: i64,
    },
    /// The application annulled at its payment deadline.
    Annulled {
        application: i64,
    },
    /// The payment applied to the application.
    Paid {
        application: i64,
    },
    /// Money that came after the application stopped waiting for it.
    LatePayment {
        payment: i64,
    },
    /// Staff withdrew the application on the applicant's behalf (the audit event).
    WithdrawnByStaff {
        event: i64,
    },
    NoShow {
        event: i64,
    },
    NoShowUndone {
        event: i64,
    },
    /// An IIN moved between Telegram accounts: each side is told once.
    RebindFrom {
        event: i64,
    },
    RebindTo {
        event: i64,
    },
    RebindRefused {
        event: i64,
    },
    /// A retest request approved or refused (the audit event).
    Retest {
        event: i64,
    },
    /// Keys of messages to many: the recipient's id or application is appended.
    SlotChanged {
        job: i64,
    },
    TestDay {
        date: NaiveDate,
    },
    Notice {
        event: i64,
    },
    Broadcast {
        id: i64,
    },
}

impl DedupKey {
    /// The key of one recipient's copy of a message to many.
    pub fn per_application(&self, application: i64) -> String {
        format!("{self}:{application}")
    }
}

impl fmt::Display for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DedupKey::PaymentReminder { job } => write!(f, "reminder:{job}"),
            DedupKey::Annulled { application } => write!(f, "annulled:{application}"),
            DedupKey::Paid { application } => write!(f, "paid:{application}"),
            DedupKey::LatePayment { payment } => write!(f, "late:{payment}"),
            DedupKey::WithdrawnByStaff { event } => write!(f, "withdraw:{event}"),
            DedupKey::NoShow { event } => write!(f, "noshow:{event}"),
            DedupKey::NoShowUndone { event } => write!(f, "noshow-undo:{event}"),
            DedupKey::RebindFrom { event } => write!(f, "rebind:{event}:from"),
            DedupKey::RebindTo { event } => write!(f, "rebind:{event}:to"),
            DedupKey::RebindRefused { event } => write!(f, "rebind-refused:{event}"),
            DedupKey::Retest { event } => write!(f, "retest:{event}"),
            DedupKey::SlotChanged { job } => write!(f, "slot-changed:{job}"),
            DedupKey::TestDay { date } => write!(f, "test-day:{date}"),
            DedupKey::Notice { event } => write!(f, "notify:{event}"),
            DedupKey::Broadcast { id } => write!(f, "bc:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored forms, as written before this type existed.
    #[test]
    fn keys_keep_their_stored_form() {
        let date = NaiveDate::from_ymd_opt(2027, 1, 11).unwrap();
        let cases = [
            (DedupKey::PaymentReminder { job: 7 }, "reminder:7"),
            (DedupKey::Annulled { application: 8 }, "annulled:8"),
            (DedupKey::Paid { application: 9 }, "paid:9"),
            (DedupKey::LatePayment { payment: 10 }, "late:10"),
            (DedupKey::WithdrawnByStaff { event: 11 }, "withdraw:11"),
            (DedupKey::NoShow { event: 12 }, "noshow:12"),
            (DedupKey::NoShowUndone { event: 13 }, "noshow-undo:13"),
            (DedupKey::RebindFrom { event: 14 }, "rebind:14:from"),
            (DedupKey::RebindTo { event: 14 }, "rebind:14:to"),
            (DedupKey::RebindRefused { event: 15 }, "rebind-refused:15"),
            (DedupKey::Retest { event: 19 }, "retest:19"),
            (DedupKey::SlotChanged { job: 16 }, "slot-changed:16"),
            (DedupKey::TestDay { date }, "test-day:2027-01-11"),
            (DedupKey::Notice { event: 17 }, "notify:17"),
            (DedupKey::Broadcast { id: 18 }, "bc:18"),
        ];
        for (key, stored) in cases {
            assert_eq!(key.to_string(), stored);
        }
    }
}
