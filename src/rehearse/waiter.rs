//! Hears when the bot in this process has handled an update (its probe), for many waiting
//! applicants at once: one task looks every millisecond, since `UpdateProbe::wait` wakes
//! every waiter on every handled update, which thousands of waiters cannot afford.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::runtime::probe::UpdateProbe;

#[derive(Clone)]
pub struct Waiter {
    tx: mpsc::UnboundedSender<(u32, oneshot::Sender<Instant>)>,
}

impl Waiter {
    pub fn spawn(probe: UpdateProbe) -> Waiter {
        let (tx, mut rx) = mpsc::unbounded_channel::<(u32, oneshot::Sender<Instant>)>();
        tokio::spawn(async move {
            let mut pending: BTreeMap<u32, oneshot::Sender<Instant>> = BTreeMap::new();
            let mut seen = probe.handled();
            let mut tick = tokio::time::interval(Duration::from_millis(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let add = |pending: &mut BTreeMap<u32, oneshot::Sender<Instant>>,
                       (id, done): (u32, oneshot::Sender<Instant>)| {
                if probe.is_done(id) {
                    let _ = done.send(Instant::now());
                } else {
                    pending.insert(id, done);
                }
            };
            loop {
                tokio::select! {
                    next = rx.recv() => match next {
                        Some(w) => add(&mut pending, w),
                        None => return,
                    },
                    _ = tick.tick() => {}
                }
                while let Ok(w) = rx.try_recv() {
                    add(&mut pending, w);
                }
                let handled = probe.handled();
                if handled == seen {
                    continue;
                }
                // Updates are handled roughly in id order: look from the oldest waiting one
                // and stop once as many as were newly handled are found.
                let mut fresh = handled - seen;
                seen = handled;
                let now = Instant::now();
                let mut done = Vec::new();
                for id in pending.keys() {
                    if probe.is_done(*id) {
                        done.push(*id);
                        fresh -= 1;
                        if fresh == 0 {
                            break;
                        }
                    }
                }
                for id in done {
                    if let Some(s) = pending.remove(&id) {
                        let _ = s.send(now);
                    }
                }
            }
        });
        Waiter { tx }
    }

    /// When update `update_id` was handled; `None` after `within`.
    pub async fn handled(&self, update_id: i32, within: Duration) -> Option<Instant> {
        let (tx, rx) = oneshot::channel();
        self.tx.send((u32::try_from(update_id).ok()?, tx)).ok()?;
        tokio::time::timeout(within, rx).await.ok()?.ok()
    }
}
