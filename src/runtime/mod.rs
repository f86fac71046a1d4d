//! Plumbing every process runs on, below the use cases: who leads the work only one
//! process may do (an advisory lock on a connection of its own), the one `LISTEN`
//! connection that wakes workers, the health the process reports, the handled-update probe
//! tests and benchmarks wait on, and the shutdown signal.

pub mod bot_api;
pub mod health;
pub mod leader;
pub mod probe;
pub mod shutdown;
pub mod wakeups;
pub mod worker;
