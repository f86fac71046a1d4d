//! The card gateway's notifications (TipTop Pay / CloudPayments protocol): form-encoded
//! POSTs signed with `Content-HMAC` = Base64(HMAC-SHA256(raw body, API secret)),
//! answered `{"code": N}`.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{CheckOutcome, Method, PayOutcome, PaymentEvent, amount};

pub const SIGNATURE_HEADER: &str = "Content-HMAC";

pub mod code {
    pub const OK: u16 = 0;
    pub const UNKNOWN_ORDER: u16 = 10;
    pub const WRONG_AMOUNT: u16 = 12;
    pub const NOT_PAYABLE: u16 = 13;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Check,
    Pay,
    Fail,
}

impl Kind {
    pub fn from_path(s: &str) -> Option<Kind> {
        match s {
            "check" => Some(Kind::Check),
            "pay" => Some(Kind::Pay),
            "fail" => Some(Kind::Fail),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Kind::Check => "check",
            Kind::Pay => "pay",
            Kind::Fail => "fail",
        }
    }
}

/// The gateway's `Content-HMAC` of a body: what [`verify`] checks, and what the sandbox's
/// payment page sends as the gateway would.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    BASE64.encode(mac.finalize().into_bytes())
}

/// True only for the gateway's signature of exactly these bytes. Without a configured
/// secret nothing verifies: an unsigned notification must never move money.
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(given) = header.and_then(|h| BASE64.decode(h.trim()).ok()) else {
        return false;
    };
    if secret.is_empty() {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    expected.as_slice().ct_eq(&given).into()
}

#[derive(Clone, Debug)]
pub struct Notification {
    pub invoice_id: String,
    pub amount_tiyn: i64,
    pub currency: String,
    pub transaction_id: Option<String>,
    /// `fail` only: the gateway's reason, for the log.
    pub reason: Option<String>,
    /// The fields as received, for the callback record (no card data beyond what the
    /// gateway itself masks).
    pub fields: HashMap<String, String>,
}

impl Notification {
    pub fn event(&self) -> Option<PaymentEvent> {
        Some(PaymentEvent {
            method: Method::Card,
            order_number: self.invoice_id.clone(),
            txn_id: self.transaction_id.clone()?,
            amount_tiyn: self.amount_tiyn,
        })
    }

    pub fn is_tenge(&self) -> bool {
        self.currency.eq_ignore_ascii_case("KZT")
    }
}

/// Parses the form body; the error is the code to answer.
pub fn parse(kind: Kind, body: &[u8]) -> Result<Notification, u16> {
    let fields: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let get = |k: &str| fields.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let invoice_id = get("InvoiceId").filter(|v| v.len() <= 32).ok_or(code::UNKNOWN_ORDER)?;
    let amount_tiyn = get("Amount").as_deref().and_then(amount::parse_tiyn).ok_or(code::WRONG_AMOUNT)?;
    let transaction_id = get("TransactionId").filter(|v| v.len() <= 64);
    if kind != Kind::Check && transaction_id.is_none() {
        return Err(code::NOT_PAYABLE);
    }
    Ok(Notification {
        invoice_id,
        amount_tiyn,
        currency: get("Currency").unwrap_or_else(|| "KZT".into()),
        transaction_id,
        reason: get("Reason"),
        fields,
    })
}

pub fn check_code(outcome: &CheckOutcome) -> u16 {
    match outcome {
        CheckOutcome::Payable { .. } => code::OK,
        CheckOutcome::NotFound => code::UNKNOWN_ORDER,
        CheckOutcome::WrongAmount { .. } => code::WRONG_AMOUNT,
        CheckOutcome::NotPayable => code::NOT_PAYABLE,
    }
}

pub fn pay_code(outcome: &PayOutcome) -> u16 {
    match outcome {
        // A late payment is acknowledged: the money moved and is refunded by staff.
        PayOutcome::Applied { .. } | PayOutcome::AlreadyRecorded { .. } | PayOutcome::Late { .. } => code::OK,
        PayOutcome::NotFound => code::UNKNOWN_ORDER,
        PayOutcome::WrongAmount { .. } => code::WRONG_AMOUNT,
        PayOutcome::PaidByOtherTxn { .. } => code::NOT_PAYABLE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_exact_body_with_the_right_secret() {
        let body = b"InvoiceId=123&Amount=5640.00";
        let sig = sign("s3cret", body);
        assert!(verify("s3cret", body, Some(&sig)));
        assert!(!verify("s3cret", b"InvoiceId=123&Amount=1.00", Some(&sig)));
        assert!(!verify("other", body, Some(&sig)));
        assert!(!verify("s3cret", body, None));
        assert!(!verify("s3cret", body, Some("not base64!")));
        assert!(!verify("", body, Some(&sign("", body))), "no secret, no trust");
    }

    #[test]
    fn signs_as_the_card_gateway_does() {
        // Known answer, independent of `verify`: HMAC-SHA256("key", "The quick brown fox …"), Base64.
        let sig = sign("key", b"The quick brown fox jumps over the lazy dog");
        assert_eq!(sig, "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=");
    }

    #[test]
    fn parses_the_form() {
        let n =
            parse(Kind::Pay, b"InvoiceId=123456789012&Amount=5640.00&Currency=KZT&TransactionId=42").unwrap();
        assert_eq!(n.invoice_id, "123456789012");
        assert_eq!(n.amount_tiyn, 564_000);
        assert!(n.is_tenge());
        assert_eq!(n.event().unwrap().txn_id, "42");
        assert_eq!(parse(Kind::Check, b"Amount=5640").unwrap_err(), code::UNKNOWN_ORDER);
        assert_eq!(parse(Kind::Check, b"InvoiceId=1&Amount=abc").unwrap_err(), code::WRONG_AMOUNT);
        assert_eq!(parse(Kind::Pay, b"InvoiceId=1&Amount=5640").unwrap_err(), code::NOT_PAYABLE);
    }
}
