//! The card gateway's notifications (TipTop Pay / CloudPayments protocol): form-encoded
//! POSTs signed with `Content-HMAC` = Base64(HMAC-SHA256(raw body, API secret)),
//! answered `{"code": N}`.
//!
//! Only a `Pay` that is a completed, real payment is money: `Status=Completed` (a two-stage
//! terminal sends `Authorized` when the sum is merely held, and nothing here would ever
//! confirm it), `OperationType=Payment`, and `TestMode` 0 unless test payments are accepted
//! (`CARD_TEST_PAYMENTS`, the sandbox). Absent fields count as those values.

use std::collections::{BTreeMap, HashMap};

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

/// The fields kept in `payment_callbacks.request`: what reconciling, a dispute with the
/// bank and support need. Everything else the gateway posts (the cardholder's `Name`,
/// `Email` and `IpAddress`, the card `Token`, `CardExpDate`, `CardFirstSix`, `Data` …) is
/// dropped at parsing; the gateway keeps it against `TransactionId` for whoever needs it.
pub const KEPT_FIELDS: [&str; 13] = [
    "InvoiceId",
    "TransactionId",
    "Amount",
    "Currency",
    "PaymentAmount",
    "PaymentCurrency",
    "DateTime",
    "Status",
    "OperationType",
    "TestMode",
    "Reason",
    "ReasonCode",
    // What an applicant can tell support ("the card ending 1234"); alone it identifies no card.
    "CardLastFour",
];

/// A kept value longer than this is cut: every kept field is short by the protocol.
const KEPT_LEN: usize = 64;

#[derive(Clone, Debug)]
pub struct Notification {
    pub invoice_id: String,
    pub amount_tiyn: i64,
    pub currency: String,
    pub transaction_id: Option<String>,
    /// `fail` only: the gateway's reason, for the log.
    pub reason: Option<String>,
    /// `Completed` (paid) or `Authorized` (held, two-stage), when the gateway says.
    pub status: Option<String>,
    /// `Payment`, `Refund`, `CardPayout`, when the gateway says.
    pub operation_type: Option<String>,
    /// `TestMode=1`: a test card on a test terminal, no money.
    pub test_mode: bool,
    /// [`KEPT_FIELDS`] as received, for the callback record; nothing else is kept.
    pub kept: BTreeMap<&'static str, String>,
}

/// Why a `Pay` notification is not money to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotMoney {
    /// `Status` other than `Completed`: on a two-stage terminal, an authorisation.
    NotCompleted,
    /// `OperationType` other than `Payment`.
    NotAPayment,
    /// `TestMode=1` while test payments are not accepted.
    Test,
}

impl NotMoney {
    pub fn code(self) -> &'static str {
        match self {
            NotMoney::NotCompleted => "not_completed",
            NotMoney::NotAPayment => "not_a_payment",
            NotMoney::Test => "test_mode",
        }
    }
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

    /// `None` when this `Pay` is a completed, real payment; otherwise why it is not.
    pub fn not_money(&self, accept_test: bool) -> Option<NotMoney> {
        if self.status.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case("Completed")) {
            Some(NotMoney::NotCompleted)
        } else if self.operation_type.as_deref().is_some_and(|o| !o.eq_ignore_ascii_case("Payment")) {
            Some(NotMoney::NotAPayment)
        } else if self.test_mode && !accept_test {
            Some(NotMoney::Test)
        } else {
            None
        }
    }

    /// What `payment_callbacks.request` keeps of this notification.
    pub fn record(&self) -> serde_json::Value {
        serde_json::json!(self.kept)
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
    let test_mode = match get("TestMode").as_deref() {
        None => false,
        Some(v) => v == "1" || v.eq_ignore_ascii_case("true"),
    };
    let kept = KEPT_FIELDS
        .iter()
        .filter_map(|k| Some((*k, fields.get(*k)?.chars().take(KEPT_LEN).collect::<String>())))
        .collect();
    Ok(Notification {
        invoice_id,
        amount_tiyn,
        currency: get("Currency").unwrap_or_else(|| "KZT".into()),
        transaction_id,
        reason: get("Reason"),
        status: get("Status"),
        operation_type: get("OperationType"),
        test_mode,
        kept,
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

    #[test]
    fn keeps_only_the_allowed_fields() {
        let n = parse(
            Kind::Pay,
            b"InvoiceId=1&Amount=5640.00&TransactionId=7&Name=AIGERIM+S&Email=a%40b.kz&IpAddress=203.0.113.7\
              &Token=tk_1&CardExpDate=12%2F29&CardFirstSix=411111&CardLastFour=1111&Status=Completed",
        )
        .unwrap();
        let kept: Vec<&str> = n.kept.keys().copied().collect();
        assert_eq!(kept, ["Amount", "CardLastFour", "InvoiceId", "Status", "TransactionId"]);
    }

    #[test]
    fn only_a_completed_real_payment_is_money() {
        let pay = |extra: &str| {
            parse(Kind::Pay, format!("InvoiceId=1&Amount=1&TransactionId=7{extra}").as_bytes()).unwrap()
        };
        assert_eq!(pay("").not_money(false), None, "absent fields are the usual values");
        assert_eq!(pay("&Status=Completed&OperationType=Payment&TestMode=0").not_money(false), None);
        assert_eq!(pay("&Status=Authorized").not_money(false), Some(NotMoney::NotCompleted));
        assert_eq!(pay("&OperationType=Refund").not_money(false), Some(NotMoney::NotAPayment));
        assert_eq!(pay("&TestMode=1").not_money(false), Some(NotMoney::Test));
        assert_eq!(pay("&TestMode=1").not_money(true), None, "the sandbox accepts test payments");
        assert_eq!(pay("&TestMode=1&Status=Authorized").not_money(true), Some(NotMoney::NotCompleted));
    }
}
