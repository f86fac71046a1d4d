//! How an applicant pays: by bank card (a payment link) or in Kaspi (an order number).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "payment_method", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Card,
    Kaspi,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::Card => "card",
            Method::Kaspi => "kaspi",
        }
    }

    pub fn from_code(code: &str) -> Option<Method> {
        match code {
            "card" => Some(Method::Card),
            "kaspi" => Some(Method::Kaspi),
            _ => None,
        }
    }
}
