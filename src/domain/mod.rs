//! Pure types and rules, no I/O.

mod application_status;
mod email;
mod iin;
mod money;
mod payment_method;
mod phone;
mod staff;

pub use application_status::ApplicationStatus;
pub use email::{Email, EmailError};
pub use iin::{Iin, IinError, Sex, check_digit};
pub use money::{Money, NegativeAmount};
pub use payment_method::Method;
pub use phone::{Phone, PhoneError};
pub use staff::{Role, StaffAction};
