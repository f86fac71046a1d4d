//! Telegram's flood control as the bot experiences it: sliding one-second
//! windows, globally and per chat, answered with `retry_after` in whole seconds.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);
/// Messages a second a bot may send with `allow_paid_broadcast` (Bot API), whatever its
/// free broadcasting limit.
pub const PAID_BROADCAST_PER_SEC: u32 = 1000;

/// Timestamps of accepted operations within the last second.
#[derive(Debug, Default)]
struct Window {
    hits: VecDeque<Instant>,
}

impl Window {
    fn prune(&mut self, now: Instant) {
        while self.hits.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            self.hits.pop_front();
        }
    }

    /// `Some(wait)` when one more hit would exceed `limit`.
    fn wait(&mut self, limit: Option<u32>, now: Instant) -> Option<Duration> {
        let limit = limit? as usize;
        self.prune(now);
        if limit == 0 {
            return Some(WINDOW);
        }
        if self.hits.len() < limit {
            return None;
        }
        // The hit that must expire before there is room again.
        let blocking = self.hits[self.hits.len() - limit];
        Some(WINDOW.saturating_sub(now.duration_since(blocking)))
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    pub global_per_sec: Option<u32>,
    pub per_chat_per_sec: Option<u32>,
    global: Window,
    /// Paid broadcast sends: beyond the free limit, in a window of their own.
    paid: Window,
    chats: HashMap<i64, Window>,
    /// Chats Telegram holds back until then, whatever the windows say (a flood wait
    /// imposed from outside, as after a burst Telegram remembers longer than a second).
    held: HashMap<i64, Instant>,
}

/// What the caller does: sends count against both windows, edits only
/// against their chat's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    Send,
    /// A send with `allow_paid_broadcast`: up to 1,000 a second across chats.
    PaidSend,
    Edit,
}

impl RateLimiter {
    pub fn new(global_per_sec: Option<u32>, per_chat_per_sec: Option<u32>) -> RateLimiter {
        RateLimiter {
            global_per_sec,
            per_chat_per_sec,
            global: Window::default(),
            paid: Window::default(),
            chats: HashMap::new(),
            held: HashMap::new(),
        }
    }

    /// Every call for the chat answers 429 until `until`.
    pub fn hold(&mut self, chat_id: i64, until: Instant) {
        self.held.insert(chat_id, until);
    }

    /// Records the operation if both windows have room; otherwise returns the
    /// `retry_after` seconds (at least 1) and records nothing.
    pub fn admit(&mut self, chat_id: i64, charge: Charge, now: Instant) -> Result<(), u64> {
        if let Some(until) = self.held.get(&chat_id).copied() {
            if until > now {
                return Err((until - now).as_secs_f64().ceil().max(1.0) as u64);
            }
            self.held.remove(&chat_id);
        }
        let chat = self.chats.entry(chat_id).or_default();
        let chat_wait = chat.wait(self.per_chat_per_sec, now);
        let global_wait = match charge {
            Charge::Send => self.global.wait(self.global_per_sec, now),
            Charge::PaidSend => {
                let limit = self.global_per_sec.map(|l| l.max(PAID_BROADCAST_PER_SEC));
                self.paid.wait(limit, now)
            }
            Charge::Edit => None,
        };
        if let Some(wait) = chat_wait.max(global_wait) {
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        // Without a limit there is nothing to remember, and an unbounded
        // history would grow through a long benchmark.
        if self.per_chat_per_sec.is_some() {
            chat.hits.push_back(now);
        }
        if self.global_per_sec.is_some() {
            match charge {
                Charge::Send => self.global.hits.push_back(now),
                Charge::PaidSend => self.paid.hits.push_back(now),
                Charge::Edit => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_chat_waits_out_its_hold_alone() {
        let mut rl = RateLimiter::new(None, None);
        let t0 = Instant::now();
        rl.hold(1, t0 + Duration::from_millis(2500));
        assert_eq!(rl.admit(1, Charge::Send, t0), Err(3));
        assert_eq!(rl.admit(1, Charge::Edit, t0 + Duration::from_secs(2)), Err(1));
        assert_eq!(rl.admit(2, Charge::Send, t0), Ok(()));
        assert_eq!(rl.admit(1, Charge::Send, t0 + Duration::from_secs(3)), Ok(()));
    }

    #[test]
    fn per_chat_window_slides() {
        let mut rl = RateLimiter::new(None, Some(1));
        let t0 = Instant::now();
        assert_eq!(rl.admit(1, Charge::Send, t0), Ok(()));
        assert_eq!(rl.admit(1, Charge::Edit, t0 + Duration::from_millis(10)), Err(1));
        assert_eq!(rl.admit(2, Charge::Send, t0), Ok(()));
        assert_eq!(rl.admit(1, Charge::Send, t0 + WINDOW), Ok(()));
    }

    #[test]
    fn global_window_counts_sends_not_edits() {
        let mut rl = RateLimiter::new(Some(2), None);
        let t0 = Instant::now();
        assert_eq!(rl.admit(1, Charge::Send, t0), Ok(()));
        assert_eq!(rl.admit(2, Charge::Send, t0), Ok(()));
        assert_eq!(rl.admit(3, Charge::Edit, t0), Ok(()));
        assert_eq!(rl.admit(3, Charge::Send, t0), Err(1));
    }

    #[test]
    fn paid_broadcasts_go_beyond_the_free_limit() {
        let mut rl = RateLimiter::new(Some(2), None);
        let t0 = Instant::now();
        assert_eq!(rl.admit(1, Charge::Send, t0), Ok(()));
        assert_eq!(rl.admit(2, Charge::Send, t0), Ok(()));
        assert_eq!(rl.admit(3, Charge::Send, t0), Err(1));
        for chat in 3..100 {
            assert_eq!(rl.admit(chat, Charge::PaidSend, t0), Ok(()));
        }
        // Paid sends do not use up the free budget either.
        let t1 = t0 + WINDOW;
        for chat in 100..200 {
            assert_eq!(rl.admit(chat, Charge::PaidSend, t1), Ok(()));
        }
        assert_eq!(rl.admit(1, Charge::Send, t1), Ok(()));
    }

    #[test]
    fn disabled_limits_admit_everything() {
        let mut rl = RateLimiter::new(None, None);
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert_eq!(rl.admit(1, Charge::Send, t0), Ok(()));
        }
    }
}
