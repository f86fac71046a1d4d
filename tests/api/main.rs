//! The one integration-test binary: every test talks to a real PostgreSQL (a fresh
//! database each), the Bot API emulator over HTTP and, where mail matters, an SMTP sink.

mod console;
mod helpers;
mod history;
mod import;
mod journey;
mod onboarding;
mod payments;
mod privacy;
mod sandbox;
mod seed;
mod staff;
mod start;
mod wizard;
