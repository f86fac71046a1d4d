//! The one integration-test binary: every test talks to a real PostgreSQL (a fresh
//! database each), the Bot API emulator over HTTP and, where mail matters, an SMTP sink.

mod card_notifications;
mod console;
mod deadline_race;
mod exports;
mod helpers;
mod history;
mod iin_limit;
mod import;
mod indexes;
mod journey;
mod kaspi_proxy;
mod method_mismatch;
mod noshow;
mod onboarding;
mod outbox;
mod payment_window;
mod payments;
mod pipeline;
mod polling;
mod privacy;
mod refunds;
mod sandbox;
mod seed;
mod staff;
mod staff_campaign;
mod staff_queries;
mod start;
mod withdraw;
mod wizard;
