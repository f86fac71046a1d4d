//! The test harness. Not every test uses every helper.
#![allow(dead_code, unused_imports)]

pub mod app;
pub mod cluster;
pub mod console;
pub mod db;
pub mod logs;
pub mod process;
pub mod smtp;

pub use app::{TestApp, TestUser, spawn_app, spawn_app_with};

/// How many numbered steps the bot's wizard has.
pub const STEPS: u8 = ent_bot::bot::state::WizardStep::COUNT;

/// The wizard's step line as the bot writes it: `Шаг n/…` (Russian).
pub fn step(n: u8) -> String {
    format!("Шаг {n}/{STEPS}")
}

/// The wizard's step line in Kazakh: `Қадам n/…`.
pub fn step_kk(n: u8) -> String {
    format!("Қадам {n}/{STEPS}")
}
