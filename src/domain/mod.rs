//! Pure types and rules, no I/O.

mod application_status;
mod email;
mod iin;
mod money;
mod payment_method;
mod payment_status;
mod phone;
mod staff;

pub use application_status::ApplicationStatus;
pub use email::{Email, EmailError};
pub use iin::{Iin, IinError, Sex, check_digit};
pub use money::{Money, NegativeAmount};
pub use payment_method::Method;
pub use payment_status::PaymentStatus;
pub use phone::{Phone, PhoneError};
pub use staff::{Role, StaffAction};
