//! ent-bot: registers applicants for the paid January session of the UNT (ЕНТ / ҰБТ)
//! through Telegram. Telegram is an adapter; the rules live in `services` over PostgreSQL.

pub mod app;
pub mod bot;
pub mod callback;
pub mod clock;
pub mod config;
pub mod db;
pub mod doctor;
pub mod domain;
pub mod format;
pub mod http;
pub mod i18n;
pub mod import;
pub mod mail;
#[cfg(test)]
mod message_lengths;
pub mod metrics;
pub mod payments;
pub mod rehearse;
pub mod render;
pub mod runtime;
pub mod sandbox;
pub mod seed;
pub mod serve;
pub mod services;
pub mod session;
pub mod telemetry;
pub mod workers;
