//! The loop every background worker shares: one step, then a pause until the step says, a
//! NOTIFY on the worker's channel, or shutdown, whichever comes first. A failed step is
//! logged and tried again after a short pause: a worker outlives a database outage instead
//! of ending with it. Each step runs in a span of its own, so a slow or failing pass can be
//! told from the next one in the log.

use std::future::Future;
use std::time::Duration;

use tracing::Instrument;

use super::shutdown::Shutdown;
use super::wakeups::Wakeups;

/// The pause after a failed step: long enough not to flood the log while PostgreSQL is
/// away, short enough that nothing waits long once it is back.
const AFTER_FAILURE: Duration = Duration::from_secs(1);

/// What a step decides about the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Run again after at most this long (sooner on a wakeup of the worker's channel).
    After(Duration),
    /// This worker has nothing more to do here (it lost the lock that let it run).
    Stop,
}

/// A background worker: its state and a single step. The loop is [`run`].
pub trait Worker: Send {
    /// Names the worker in the log.
    const NAME: &'static str;
    /// The `NOTIFY` channel (see [`Wakeups`]) that cuts the pause short.
    const CHANNEL: Option<&'static str> = None;

    /// One pass over the worker's work.
    fn step(&mut self) -> impl Future<Output = anyhow::Result<Next>> + Send;
}

/// Runs `worker` step by step until shutdown or until a step says [`Next::Stop`].
pub async fn run<W: Worker>(worker: &mut W, wakeups: &Wakeups, shutdown: &mut Shutdown) {
    while !shutdown.is_triggered() {
        let span = tracing::info_span!("worker", worker = W::NAME);
        let pause = match worker.step().instrument(span).await {
            Ok(Next::After(pause)) => pause,
            Ok(Next::Stop) => return,
            Err(e) => {
                tracing::error!(worker = W::NAME, error = %format!("{e:#}"), "worker step failed");
                AFTER_FAILURE
            }
        };
        let wait = async {
            match W::CHANNEL {
                Some(channel) => wakeups.wait(channel, pause).await,
                None => tokio::time::sleep(pause).await,
            }
        };
        tokio::select! {
            _ = wait => {}
            _ = shutdown.triggered() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter {
        steps: u32,
        fail_on: u32,
        stop_after: u32,
    }

    impl Worker for Counter {
        const NAME: &'static str = "counter";

        async fn step(&mut self) -> anyhow::Result<Next> {
            self.steps += 1;
            if self.steps == self.fail_on {
                anyhow::bail!("a failing pass");
            }
            Ok(if self.steps >= self.stop_after { Next::Stop } else { Next::After(Duration::ZERO) })
        }
    }

    #[tokio::test]
    async fn a_failed_step_is_retried_and_stop_ends_the_loop() {
        let (_trigger, mut shutdown) = super::super::shutdown::channel();
        let mut worker = Counter { steps: 0, fail_on: 2, stop_after: 4 };
        run(&mut worker, &Wakeups::default(), &mut shutdown).await;
        assert_eq!(worker.steps, 4);
    }

    #[tokio::test]
    async fn shutdown_ends_the_loop_before_the_next_step() {
        let (trigger, mut shutdown) = super::super::shutdown::channel();
        trigger.fire();
        let mut worker = Counter { steps: 0, fail_on: 0, stop_after: 100 };
        run(&mut worker, &Wakeups::default(), &mut shutdown).await;
        assert_eq!(worker.steps, 0);
    }
}
