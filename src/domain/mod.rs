//! Pure types and rules, no I/O.

/// `Display` as PostgreSQL spells the value (its `as_str`), for the enums mapped to
/// PostgreSQL enums.
macro_rules! display_as_str {
    ($($t:ty),+) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}
pub(crate) use display_as_str;

mod application_status;
mod category_year;
mod email;
mod iin;
mod money;
mod payment_method;
mod payment_status;
mod phone;
mod retest;
mod staff;

pub use application_status::ApplicationStatus;
pub use category_year::{fill_year, graduation_year};
pub use email::{Email, EmailError};
pub use iin::{Iin, IinError, Sex, check_digit};
pub use money::{Money, NegativeAmount};
pub use payment_method::Method;
pub use payment_status::PaymentStatus;
pub use phone::{Phone, PhoneError};
pub use retest::{
    DocumentKind, FileRefusal, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS, RetestFile, RetestReason, RetestStatus,
    admit, is_pdf, within_request_window,
};
pub use staff::{Role, StaffAction};

display_as_str!(ApplicationStatus, PaymentStatus);
