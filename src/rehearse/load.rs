//! Many applicants at once: how they arrive, the run that starts each and gathers what
//! they measured, and the percentiles of it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use super::journey::{Drive, UserRun};

/// How applicants arrive.
#[derive(Clone, Copy, Debug)]
pub enum Arrivals {
    /// Everyone at once.
    Closed,
    /// At random, this many a second (exponential gaps).
    Open { users_per_sec: f64 },
    /// Over this long, ever more of them a second (the rate rises linearly from zero, as
    /// in the first minutes after registration opens).
    Ramp { over: Duration },
}

/// What a run of many applicants measured.
#[derive(Debug, Default)]
pub struct Outcome {
    pub users: usize,
    pub elapsed: Duration,
    /// Every step's latency, by step name.
    pub steps: BTreeMap<&'static str, Vec<Duration>>,
    pub kaspi: Vec<Duration>,
    pub registrations: u64,
    pub abandoned: u64,
    pub errors: Vec<(u64, String)>,
}

impl Outcome {
    /// Every step's latency, sorted.
    pub fn latencies(&self) -> Vec<Duration> {
        let mut all: Vec<Duration> = self.steps.values().flatten().copied().collect();
        all.sort();
        all
    }

    pub fn updates(&self) -> u64 {
        self.steps.values().map(|v| v.len() as u64).sum()
    }
}

/// Which journey the applicants walk.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Journey {
    Register,
    /// The echo baseline: plain messages.
    Echo,
}

/// Runs one applicant per id, arriving as `arrivals` says, and gathers what they measured.
pub async fn run_load(
    drive: std::sync::Arc<Drive>,
    ids: Vec<u64>,
    arrivals: Arrivals,
    journey: Journey,
) -> Outcome {
    let users = ids.len();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let mut next_arrival = Duration::ZERO;
    for (i, id) in ids.into_iter().enumerate() {
        match arrivals {
            Arrivals::Closed => {}
            Arrivals::Open { users_per_sec } => {
                tokio::time::sleep_until((started + next_arrival).into()).await;
                let u: f64 = rng.gen_range(f64::EPSILON..1.0);
                next_arrival += Duration::from_secs_f64(-u.ln() / users_per_sec);
            }
            Arrivals::Ramp { over } => {
                // The i-th of n arrives at over·√(i/n): the arrival rate grows linearly.
                let at = over.mul_f64(((i as f64) / (users as f64)).sqrt());
                tokio::time::sleep_until((started + at).into()).await;
            }
        }
        let drive = drive.clone();
        tasks.spawn(async move {
            let mut run = UserRun::default();
            let outcome = match journey {
                Journey::Register => drive.register(id, &mut run, &mut None).await,
                Journey::Echo => drive.chat(id, &mut run).await,
            };
            if let Err(e) = outcome {
                run.error = Some(format!("{e:#}"));
            }
            (id, run)
        });
    }
    let mut out = Outcome { users, ..Outcome::default() };
    while let Some(joined) = tasks.join_next().await {
        let Ok((id, run)) = joined else { continue };
        for (step, took) in run.steps {
            out.steps.entry(step).or_default().push(took);
        }
        if let Some(k) = run.kaspi {
            out.kaspi.push(k);
            out.registrations += 1;
        }
        if run.abandoned_before.is_some() {
            out.abandoned += 1;
        }
        if let Some(e) = run.error {
            out.errors.push((id, e));
        }
    }
    out.elapsed = started.elapsed();
    for v in out.steps.values_mut() {
        v.sort();
    }
    out.kaspi.sort();
    out
}

pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_rank_above() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&d, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&d, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }
}
