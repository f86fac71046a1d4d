//! The rehearsal's report and its pass/fail against the operator's thresholds.

use std::time::Duration;

use super::journey::{Behaviour, EMAIL_TYPO, IIN_TYPO, STEP_NAMES};
use super::load::{Outcome, percentile};

/// What the rehearsal must achieve; each one given is checked.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Thresholds {
    /// Updates a second over the whole run, at least.
    #[arg(long)]
    pub min_updates_per_sec: Option<f64>,
    /// Paid registrations a minute, at least.
    #[arg(long)]
    pub min_registrations_per_min: Option<f64>,
    /// The 95th percentile of every step's reply latency, at most (ms).
    #[arg(long)]
    pub max_p95_ms: Option<f64>,
    /// The 99th percentile, at most (ms).
    #[arg(long)]
    pub max_p99_ms: Option<f64>,
    /// Applicants who failed (a step unanswered, a payment refused), at most.
    #[arg(long, default_value_t = 0)]
    pub max_errors: usize,
    /// Updates parked during the run, at most.
    #[arg(long, default_value_t = 0)]
    pub max_parked: i64,
}

/// What the database says after the run.
pub struct Facts {
    pub applicants: usize,
    pub ramp_secs: f64,
    pub behaviour: Behaviour,
    pub parked: i64,
    pub paid: i64,
    pub seats_taken: i64,
    pub seats_left: i64,
    pub capacity: i64,
    pub mails: u64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The measured figures the thresholds are checked against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub updates_per_sec: f64,
    pub registrations_per_min: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub errors: usize,
    pub parked: i64,
}

/// Each threshold given: its line, and whether it held.
pub fn verdicts(f: &Figures, t: &Thresholds) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if let Some(min) = t.min_updates_per_sec {
        out.push((format!("updates/s {:.1} ≥ {min}", f.updates_per_sec), f.updates_per_sec >= min));
    }
    if let Some(min) = t.min_registrations_per_min {
        out.push((
            format!("registrations/min {:.1} ≥ {min}", f.registrations_per_min),
            f.registrations_per_min >= min,
        ));
    }
    if let Some(max) = t.max_p95_ms {
        out.push((format!("p95 {:.1} ms ≤ {max}", f.p95_ms), f.p95_ms <= max));
    }
    if let Some(max) = t.max_p99_ms {
        out.push((format!("p99 {:.1} ms ≤ {max}", f.p99_ms), f.p99_ms <= max));
    }
    out.push((format!("errors {} ≤ {}", f.errors, t.max_errors), f.errors <= t.max_errors));
    out.push((format!("parked {} ≤ {}", f.parked, t.max_parked), f.parked <= t.max_parked));
    out
}

/// Prints the report; returns how many thresholds failed.
pub fn print(o: &Outcome, facts: &Facts, t: &Thresholds) -> usize {
    let b = &facts.behaviour;
    println!(
        "rehearsal: {} applicants over {} s (think {:.1} s, typos {:.0}%, give up {:.0}%, pay late {:.0}% after {} s)",
        facts.applicants,
        facts.ramp_secs,
        b.think.as_secs_f64(),
        b.typos * 100.0,
        b.abandon * 100.0,
        b.late_pay * 100.0,
        b.late_pay_after.as_secs()
    );
    println!("{:<16} {:>7} {:>9} {:>9} {:>9}", "step", "count", "p50 ms", "p95 ms", "p99 ms");
    let row = |name: &str, v: &[Duration]| {
        println!(
            "{name:<16} {:>7} {:>9.1} {:>9.1} {:>9.1}",
            v.len(),
            ms(percentile(v, 0.50)),
            ms(percentile(v, 0.95)),
            ms(percentile(v, 0.99))
        );
    };
    for name in STEP_NAMES.iter().chain([EMAIL_TYPO, IIN_TYPO].iter()) {
        if let Some(v) = o.steps.get(name) {
            row(name, v);
        }
    }
    let all = o.latencies();
    row("every step", &all);
    row("Kaspi pay", &o.kaspi);
    let secs = o.elapsed.as_secs_f64().max(1e-9);
    let figures = Figures {
        updates_per_sec: o.updates() as f64 / secs,
        registrations_per_min: o.registrations as f64 / secs * 60.0,
        p95_ms: ms(percentile(&all, 0.95)),
        p99_ms: ms(percentile(&all, 0.99)),
        errors: o.errors.len(),
        parked: facts.parked,
    };
    println!("updates/s: {:.1} ({} updates in {:.1} s)", figures.updates_per_sec, o.updates(), secs);
    println!(
        "registrations: {} paid ({:.1}/min; {} paid in the database), {} gave up, {} errors, {} emails",
        o.registrations,
        figures.registrations_per_min,
        facts.paid,
        o.abandoned,
        o.errors.len(),
        facts.mails
    );
    for (id, e) in o.errors.iter().take(5) {
        println!("  applicant {id}: {e}");
    }
    println!(
        "parked updates: {}; seats taken: {}; seats left: {} of {}",
        facts.parked, facts.seats_taken, facts.seats_left, facts.capacity
    );
    let verdicts = verdicts(&figures, t);
    let failed = verdicts.iter().filter(|(_, ok)| !ok).count();
    let lines: Vec<String> =
        verdicts.iter().map(|(line, ok)| format!("{line} {}", if *ok { "✓" } else { "✗" })).collect();
    println!("thresholds: {}", lines.join("; "));
    println!("{}", if failed == 0 { "PASS" } else { "FAIL" });
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_thresholds_given_are_checked() {
        let f = Figures {
            updates_per_sec: 500.0,
            registrations_per_min: 30.0,
            p95_ms: 80.0,
            p99_ms: 300.0,
            errors: 0,
            parked: 0,
        };
        let none = Thresholds::default();
        assert!(verdicts(&f, &none).iter().all(|(_, ok)| *ok));
        assert_eq!(verdicts(&f, &none).len(), 2, "errors and parked are always checked");
        let strict = Thresholds {
            min_updates_per_sec: Some(600.0),
            min_registrations_per_min: Some(30.0),
            max_p95_ms: Some(100.0),
            max_p99_ms: Some(250.0),
            max_errors: 0,
            max_parked: 0,
        };
        let failed: Vec<String> =
            verdicts(&f, &strict).into_iter().filter(|(_, ok)| !ok).map(|(l, _)| l).collect();
        assert_eq!(failed, vec!["updates/s 500.0 ≥ 600".to_string(), "p99 300.0 ms ≤ 250".to_string()]);
        let broken = Figures { errors: 2, parked: 1, ..f };
        assert_eq!(verdicts(&broken, &none).iter().filter(|(_, ok)| !ok).count(), 2);
    }
}
