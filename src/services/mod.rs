//! Use cases shared by the bot, HTTP callbacks and staff commands. They take plain
//! values, enforce the rules over PostgreSQL and return outcomes the caller renders.

mod ctx;

pub use ctx::Ctx;

pub mod booking;
pub mod catalog;
pub mod console;
pub mod email_code;
pub mod expiry;
pub mod export;
pub mod history;
pub mod identity;
pub mod inbox;
pub mod late_registration;
pub mod notifications;
pub mod onboarding;
pub mod payments;
pub mod retest;
pub mod retest_files;
pub mod staff;
pub mod users;
pub mod views;
