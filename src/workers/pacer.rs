//! Paces sends to Telegram's limits: a global budget of N messages a second, spaced
//! evenly (1/N s apart, so no one-second window ever holds more than N), and one message
//! a second per chat. Paid broadcasts (`allow_paid_broadcast`) may be spaced closer, at
//! their own rate. The budget belongs to the bot token, so every sender in the process
//! sending as the same bot shares one pacer.
//!
//! A 429 freezes the pacer as a whole: nothing goes out before `retry_after` has passed,
//! sends already booked included; they book again after the freeze (see `frozen_until`).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use teloxide::Bot;
use tokio::time::Instant;

const PER_CHAT: Duration = Duration::from_secs(1);

pub struct Pacer {
    interval: Duration,
    /// Spacing of paid broadcast messages; `None` when they are paced like any other.
    paid_interval: Option<Duration>,
    next_global: Instant,
    next_in_chat: HashMap<i64, Instant>,
    frozen_until: Instant,
}

impl Pacer {
    fn new(rate_per_sec: u32, paid_rate_per_sec: Option<u32>) -> Pacer {
        let now = Instant::now();
        Pacer {
            interval: interval(rate_per_sec),
            paid_interval: paid_rate_per_sec.map(interval),
            next_global: now,
            next_in_chat: HashMap::new(),
            frozen_until: now,
        }
    }

    /// Books the earliest moment a message to `chat` may be sent; `paid` for a paid
    /// broadcast message, which may follow the previous one sooner.
    pub fn reserve(&mut self, chat: i64, paid: bool, now: Instant) -> Instant {
        let chat_free = self.next_in_chat.get(&chat).copied().unwrap_or(now);
        let start = now.max(chat_free).max(self.next_global).max(self.frozen_until);
        let spacing = if paid { self.paid_interval.unwrap_or(self.interval) } else { self.interval };
        self.next_global = start + spacing;
        self.next_in_chat.insert(chat, start + PER_CHAT);
        if self.next_in_chat.len() > 10_000 {
            self.next_in_chat.retain(|_, t| *t > now);
        }
        start
    }

    /// Telegram said «retry after»: nothing more goes out before `until`, whatever was
    /// booked. Whether the limit hit was the chat's or the bot's is not said, so both wait.
    pub fn freeze(&mut self, chat: i64, until: Instant) {
        self.frozen_until = self.frozen_until.max(until);
        self.next_global = self.next_global.max(until);
        let chat_free = self.next_in_chat.entry(chat).or_insert(until);
        *chat_free = (*chat_free).max(until);
    }

    /// Until when flood control holds every send back. A send booked before a freeze
    /// checks this when its moment comes and, if frozen, books again.
    pub fn frozen_until(&self) -> Instant {
        self.frozen_until
    }

    /// The moment up to which sends are booked: a message booked now starts no earlier.
    pub fn booked_until(&self) -> Instant {
        self.next_global.max(self.frozen_until)
    }
}

fn interval(rate_per_sec: u32) -> Duration {
    Duration::from_secs(1) / rate_per_sec.max(1)
}

static PACERS: LazyLock<Mutex<HashMap<String, Arc<Mutex<Pacer>>>>> = LazyLock::new(Default::default);

/// The pacer of this bot token: `rate_per_sec` for every message, `paid_rate_per_sec` for
/// paid broadcast messages when paid broadcasts are on.
pub fn for_bot(bot: &Bot, rate_per_sec: u32, paid_rate_per_sec: Option<u32>) -> Arc<Mutex<Pacer>> {
    let key = format!("{}|{}", bot.api_url(), bot.token());
    let mut pacers = PACERS.lock().unwrap_or_else(|e| e.into_inner());
    let pacer = pacers
        .entry(key)
        .or_insert_with(|| Arc::new(Mutex::new(Pacer::new(rate_per_sec, paid_rate_per_sec))))
        .clone();
    {
        let mut p = pacer.lock().unwrap_or_else(|e| e.into_inner());
        p.interval = interval(rate_per_sec);
        p.paid_interval = paid_rate_per_sec.map(interval);
    }
    pacer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(t: Instant) -> Pacer {
        Pacer {
            interval: interval(25),
            paid_interval: Some(interval(1000)),
            next_global: t,
            next_in_chat: HashMap::new(),
            frozen_until: t,
        }
    }

    #[test]
    fn spaces_the_global_budget_and_each_chat() {
        let t = Instant::now();
        let mut p = pacer(t);
        let starts: Vec<Instant> = (0..50).map(|chat| p.reserve(chat, false, t)).collect();
        // 50 chats at 25/s: the last starts 49 intervals after the first, and any one
        // second holds at most 25.
        assert_eq!(starts[49] - starts[0], interval(25) * 49);
        for (i, s) in starts.iter().enumerate() {
            let in_window = starts.iter().filter(|o| **o >= *s && **o < *s + Duration::from_secs(1)).count();
            assert!(in_window <= 25, "window from message {i} holds {in_window}");
        }
        // A second message to the same chat waits a full second after the first.
        let again = p.reserve(0, false, t);
        assert!(again >= starts[0] + PER_CHAT);
    }

    #[test]
    fn paid_broadcasts_follow_each_other_at_their_own_rate() {
        let t = Instant::now();
        let mut p = pacer(t);
        let starts: Vec<Instant> = (0..1000).map(|chat| p.reserve(chat, true, t)).collect();
        assert_eq!(starts[999] - starts[0], interval(1000) * 999);
        // An ordinary message after a paid one keeps the free spacing after itself.
        let a = p.reserve(5000, false, t);
        let b = p.reserve(5001, false, t);
        assert_eq!(b - a, interval(25));
    }

    #[test]
    fn a_freeze_holds_back_everything_until_it_ends() {
        let t = Instant::now();
        let mut p = pacer(t);
        let booked = p.reserve(1, false, t);
        assert_eq!(booked, t);
        p.freeze(7, t + Duration::from_secs(3));
        // Booked before the freeze: the sender sees it frozen when the moment comes.
        assert!(p.frozen_until() > booked);
        assert!(p.reserve(8, false, t) >= t + Duration::from_secs(3));
        assert!(p.reserve(7, false, t) >= t + Duration::from_secs(3));
        assert!(p.booked_until() > t + Duration::from_secs(3));
    }
}
