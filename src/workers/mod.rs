//! Background work: the due-job runner (payment reminders and expiry, slot changes), the
//! outbox sender, the notices worker (day-before sweep, broadcast progress, pruning) and
//! the catalog reload. The first two claim rows with `FOR UPDATE SKIP LOCKED`, so any
//! number of processes may run them, and use `LISTEN/NOTIFY` only to wake up: the rows
//! are the truth.

pub mod catalog;
pub mod jobs;
pub mod notices;
pub mod outbox;
mod pacer;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::Clock;

/// How long to sleep before looking again: until the next due time, but never so long
/// that a lost notification (a reconnect drops them) or a moved test clock goes unseen.
fn pause(clock: &Clock, next_due: Option<DateTime<Utc>>) -> Duration {
    let cap = match clock {
        Clock::System => Duration::from_secs(30),
        // A test moves the clock without notifying anyone.
        Clock::Manual(_) => Duration::from_millis(250),
    };
    match next_due {
        // Due already yet not taken: another runner holds it. Do not spin.
        Some(t) if t <= clock.now() => Duration::from_millis(200),
        Some(t) => (t - clock.now()).to_std().unwrap_or(cap).min(cap),
        None => cap,
    }
}

/// Exponential backoff for failed attempts: `base`, 2×, 4× …, at most `max`.
fn backoff(attempts: i32, base: chrono::Duration, max: chrono::Duration) -> chrono::Duration {
    let factor = 1i32 << attempts.clamp(0, 16);
    (base * factor).min(max)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration as D, TimeZone};

    use super::*;

    #[test]
    fn pauses_until_the_next_due_time_within_limits() {
        let t = Utc.with_ymd_and_hms(2026, 12, 22, 5, 0, 0).unwrap();
        let clock = Clock::manual(t);
        assert_eq!(pause(&clock, Some(t + D::milliseconds(100))), Duration::from_millis(100));
        assert_eq!(pause(&clock, Some(t + D::minutes(30))), Duration::from_millis(250));
        assert_eq!(pause(&clock, Some(t - D::minutes(1))), Duration::from_millis(200));
        assert_eq!(pause(&clock, None), Duration::from_millis(250));
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = |n| backoff(n, D::seconds(5), D::minutes(10));
        assert_eq!(b(0), D::seconds(5));
        assert_eq!(b(1), D::seconds(10));
        assert_eq!(b(3), D::seconds(40));
        assert_eq!(b(20), D::minutes(10));
    }
}
