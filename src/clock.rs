//! Time comes from a `Clock` so that tests move it instead of sleeping.
//! Every timestamp the rules depend on (code expiry, payment deadlines, due jobs) is
//! taken from here and passed to SQL as a parameter, never from the database's `now()`.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock::Manual(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(t) => *t.lock().expect("clock mutex"),
        }
    }

    /// Moves a manual clock forward; a no-op for the system clock.
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(t) = self {
            *t.lock().expect("clock mutex") += by;
        }
    }

    pub fn set(&self, to: DateTime<Utc>) {
        if let Clock::Manual(t) = self {
            *t.lock().expect("clock mutex") = to;
        }
    }
}
