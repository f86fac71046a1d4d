//! Payment providers (bank card, Kaspi) translated into one canonical vocabulary: what was
//! asked (check an order, record a payment) and what came of it. The rules that decide the
//! outcome live in `services::payments`; these files only speak the providers' protocols.

pub mod amount;
pub mod card;
pub mod gateway;
pub mod kaspi;
pub mod order_number;

use crate::domain::Money;

pub use crate::domain::Method;

/// A provider reporting money for one of our orders.
#[derive(Clone, Debug)]
pub struct PaymentEvent {
    pub method: Method,
    pub order_number: String,
    /// The provider's transaction id: the idempotency key.
    pub txn_id: String,
    /// Providers send decimals; tiyn keep «5640.50» from passing for 5 640 ₸.
    pub amount_tiyn: i64,
}

/// May this order be paid now, for this amount?
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    Payable {
        payment_id: i64,
        amount: Money,
    },
    NotFound,
    WrongAmount {
        expected: Money,
    },
    /// Expired, annulled, or already paid.
    NotPayable,
}

/// What recording a payment did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayOutcome {
    /// The application is paid now.
    Applied {
        payment_id: i64,
        application_id: i64,
    },
    /// The money came when the application no longer awaited it: kept for a refund.
    Late {
        payment_id: i64,
        application_id: i64,
    },
    /// This very transaction was recorded before (a repeat that missed the stored answer).
    AlreadyRecorded {
        payment_id: i64,
    },
    /// The order was settled by another transaction.
    PaidByOtherTxn {
        payment_id: i64,
    },
    NotFound,
    WrongAmount {
        expected: Money,
    },
}
