//! Paces sends to Telegram's limits: a global budget of N messages a second, spaced
//! evenly (1/N s apart, so no one-second window ever holds more than N), and one message
//! a second per chat. The budget belongs to the bot token, so every sender in the
//! process sending as the same bot shares one pacer.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use teloxide::Bot;
use tokio::time::Instant;

const PER_CHAT: Duration = Duration::from_secs(1);

pub struct Pacer {
    interval: Duration,
    next_global: Instant,
    next_in_chat: HashMap<i64, Instant>,
}

impl Pacer {
    fn new(rate_per_sec: u32) -> Pacer {
        Pacer { interval: interval(rate_per_sec), next_global: Instant::now(), next_in_chat: HashMap::new() }
    }

    /// Books the earliest moment a message to `chat` may be sent.
    pub fn reserve(&mut self, chat: i64, now: Instant) -> Instant {
        let chat_free = self.next_in_chat.get(&chat).copied().unwrap_or(now);
        let start = now.max(chat_free).max(self.next_global);
        self.next_global = start + self.interval;
        self.next_in_chat.insert(chat, start + PER_CHAT);
        if self.next_in_chat.len() > 10_000 {
            self.next_in_chat.retain(|_, t| *t > now);
        }
        start
    }

    /// Telegram said «retry after»: nothing more goes out before `until`. Whether the
    /// limit hit was the chat's or the bot's is not said, so both wait.
    pub fn hold(&mut self, chat: i64, until: Instant) {
        self.next_global = self.next_global.max(until);
        let chat_free = self.next_in_chat.entry(chat).or_insert(until);
        *chat_free = (*chat_free).max(until);
    }
}

fn interval(rate_per_sec: u32) -> Duration {
    Duration::from_secs(1) / rate_per_sec.max(1)
}

static PACERS: LazyLock<Mutex<HashMap<String, Arc<Mutex<Pacer>>>>> = LazyLock::new(Default::default);

pub fn for_bot(bot: &Bot, rate_per_sec: u32) -> Arc<Mutex<Pacer>> {
    let key = format!("{}|{}", bot.api_url(), bot.token());
    let mut pacers = PACERS.lock().unwrap_or_else(|e| e.into_inner());
    let pacer = pacers.entry(key).or_insert_with(|| Arc::new(Mutex::new(Pacer::new(rate_per_sec)))).clone();
    pacer.lock().unwrap_or_else(|e| e.into_inner()).interval = interval(rate_per_sec);
    pacer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_the_global_budget_and_each_chat() {
        let t = Instant::now();
        let mut p = Pacer { interval: interval(25), next_global: t, next_in_chat: HashMap::new() };
        let starts: Vec<Instant> = (0..50).map(|chat| p.reserve(chat, t)).collect();
        // 50 chats at 25/s: the last starts 49 intervals after the first, and any one
        // second holds at most 25.
        assert_eq!(starts[49] - starts[0], interval(25) * 49);
        for (i, s) in starts.iter().enumerate() {
            let in_window = starts.iter().filter(|o| **o >= *s && **o < *s + Duration::from_secs(1)).count();
            assert!(in_window <= 25, "window from message {i} holds {in_window}");
        }
        // A second message to the same chat waits a full second after the first.
        let again = p.reserve(0, t);
        assert!(again >= starts[0] + PER_CHAT);
    }

    #[test]
    fn holds_after_flood_control() {
        let t = Instant::now();
        let mut p = Pacer { interval: interval(25), next_global: t, next_in_chat: HashMap::new() };
        p.hold(7, t + Duration::from_secs(3));
        assert!(p.reserve(8, t) >= t + Duration::from_secs(3));
        assert!(p.reserve(7, t) >= t + Duration::from_secs(3));
    }
}
