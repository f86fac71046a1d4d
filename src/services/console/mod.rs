//! The staff web console's use cases: password-less sign-in through the bot, sessions,
//! the overview's figures, application search and actions, slots, refunds, the audit log
//! and broadcasts. Pages live in `http::console`; every action is audited here.

mod applications;
mod overview;
mod records;
pub mod session_page;
mod sign_in;
mod slots;

pub use applications::*;
pub use overview::*;
pub use records::*;
pub use sign_in::*;
pub use slots::*;

pub use crate::db::reports::{
    ApplicationDetail, ApplicationRow, AuditRow, BroadcastProgress, HourCount, OutboxRow, PaymentRow,
    RefundRow, SeatsCell, SlotRow,
};
pub use crate::db::slots::{SlotUpdate, VenueOption};
pub use crate::services::staff::Role;
