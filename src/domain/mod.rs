//! Pure types and rules, no I/O.

mod email;
mod iin;
mod money;
mod phone;

pub use email::{Email, EmailError};
pub use iin::{Iin, IinError, Sex, check_digit};
pub use money::{Money, NegativeAmount};
pub use phone::{Phone, PhoneError};
