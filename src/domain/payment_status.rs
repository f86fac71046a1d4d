//! Where a payment stands, mapped to PostgreSQL's `payment_status`, and what each status
//! allows. Late money is money the application no longer awaited: kept, to be refunded.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "payment_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Pending,
    Paid,
    Late,
    Cancelled,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 4] =
        [PaymentStatus::Pending, PaymentStatus::Paid, PaymentStatus::Late, PaymentStatus::Cancelled];

    /// As PostgreSQL spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Late => "late",
            PaymentStatus::Cancelled => "cancelled",
        }
    }

    /// Its name in `locales/*/staff.ftl`.
    pub fn fluent_id(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "payment-status-pending",
            PaymentStatus::Paid => "payment-status-paid",
            PaymentStatus::Late => "payment-status-late",
            PaymentStatus::Cancelled => "payment-status-cancelled",
        }
    }

    /// Waits for the provider's callback (or staff's mark-paid).
    pub fn is_open(self) -> bool {
        self == PaymentStatus::Pending
    }

    /// The money arrived, applied to the application or kept as late.
    pub fn is_settled(self) -> bool {
        matches!(self, PaymentStatus::Paid | PaymentStatus::Late)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for st in PaymentStatus::ALL {
            assert_eq!(st.fluent_id(), format!("payment-status-{st}"));
            assert_eq!(serde_json::to_value(st).unwrap(), st.as_str());
            assert_eq!(st.is_open(), !st.is_settled() && st != PaymentStatus::Cancelled);
        }
    }
}
