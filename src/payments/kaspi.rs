//! Kaspi's biller protocol (OSMP style): `GET ?command=check|pay&txn_id&txn_date&account&sum`,
//! answered with JSON carrying a numeric `result` (DESIGN §3).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{CheckOutcome, Method, PayOutcome, PaymentEvent, amount, order_number};

pub mod result {
    pub const OK: u16 = 0;
    /// Kaspi retries later.
    pub const TEMPORARY: u16 = 1;
    pub const BAD_ACCOUNT: u16 = 4;
    pub const NOT_FOUND: u16 = 5;
    pub const FORBIDDEN: u16 = 7;
    pub const TOO_SMALL: u16 = 241;
    pub const TOO_LARGE: u16 = 242;
    pub const OTHER: u16 = 300;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Check,
    Pay,
}

impl Command {
    pub fn code(self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::Pay => "pay",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Request {
    pub command: Command,
    pub txn_id: String,
    pub txn_date: Option<NaiveDateTime>,
    pub account: String,
    pub sum_tiyn: i64,
}

impl Request {
    pub fn event(&self) -> PaymentEvent {
        PaymentEvent {
            method: Method::Kaspi,
            order_number: self.account.clone(),
            txn_id: self.txn_id.clone(),
            amount_tiyn: self.sum_tiyn,
        }
    }
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Answer {
    pub txn_id: String,
    pub prv_txn_id: Option<String>,
    pub result: u16,
    pub sum: Option<String>,
    pub comment: String,
}

fn answer(txn_id: &str, result: u16, comment: &str) -> Answer {
    Answer { txn_id: txn_id.to_string(), prv_txn_id: None, result, sum: None, comment: comment.to_string() }
}

/// A temporary failure on our side: Kaspi asks again later.
pub fn temporary(txn_id: &str) -> Answer {
    answer(txn_id, result::TEMPORARY, "temporary error, retry later")
}

/// What `payment_callbacks.request` keeps of a Kaspi request: the protocol's own
/// parameters (none personal: the account is our order number). Anything else in the query
/// string is not ours to keep.
pub fn record(params: &HashMap<String, String>) -> serde_json::Value {
    let kept: serde_json::Map<String, serde_json::Value> =
        ["command", "txn_id", "txn_date", "account", "sum"]
            .into_iter()
            .filter_map(|k| {
                Some((
                    k.to_string(),
                    serde_json::Value::from(params.get(k)?.chars().take(64).collect::<String>()),
                ))
            })
            .collect();
    serde_json::Value::Object(kept)
}

/// Validates the query. A malformed order number gets `4`, anything else malformed `300`.
pub fn parse(params: &HashMap<String, String>) -> Result<Request, Answer> {
    let get = |k: &str| params.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let txn_id = get("txn_id").unwrap_or_default();
    if txn_id.is_empty()
        || txn_id.len() > 64
        || !txn_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(answer("", result::OTHER, "txn_id is missing or malformed"));
    }
    let command = match get("command") {
        Some("check") => Command::Check,
        Some("pay") => Command::Pay,
        _ => return Err(answer(txn_id, result::OTHER, "command must be check or pay")),
    };
    let account = get("account").unwrap_or_default();
    if !order_number::is_well_formed(account) {
        return Err(answer(txn_id, result::BAD_ACCOUNT, "malformed order number"));
    }
    let Some(sum_tiyn) = get("sum").and_then(amount::parse_tiyn) else {
        return Err(answer(txn_id, result::OTHER, "sum is missing or malformed"));
    };
    let txn_date = match get("txn_date") {
        Some(d) => match NaiveDateTime::parse_from_str(d, "%Y%m%d%H%M%S") {
            Ok(parsed) if d.len() == 14 && d.bytes().all(|b| b.is_ascii_digit()) => Some(parsed),
            _ => return Err(answer(txn_id, result::OTHER, "txn_date must be YYYYMMDDHHMMSS")),
        },
        None => None,
    };
    if command == Command::Pay && txn_date.is_none() {
        return Err(answer(txn_id, result::OTHER, "txn_date is required for pay"));
    }
    Ok(Request { command, txn_id: txn_id.to_string(), txn_date, account: account.to_string(), sum_tiyn })
}

pub fn check_answer(req: &Request, outcome: &CheckOutcome) -> Answer {
    let (result, comment) = match outcome {
        CheckOutcome::Payable { .. } => (result::OK, "order can be paid"),
        CheckOutcome::NotFound => (result::NOT_FOUND, "order not found"),
        CheckOutcome::NotPayable => (result::FORBIDDEN, "order expired, annulled or already paid"),
        CheckOutcome::WrongAmount { expected } => {
            (wrong_sum(req.sum_tiyn, amount::tiyn(*expected)), "sum differs from the fee")
        }
    };
    let sum = match outcome {
        CheckOutcome::Payable { amount: a, .. } | CheckOutcome::WrongAmount { expected: a } => {
            Some(amount::format_tiyn(amount::tiyn(*a)))
        }
        _ => None,
    };
    Answer { sum, ..answer(&req.txn_id, result, comment) }
}

pub fn pay_answer(req: &Request, outcome: &PayOutcome) -> Answer {
    let received = Some(amount::format_tiyn(req.sum_tiyn));
    let accepted = |payment_id: &i64, comment: &str| Answer {
        prv_txn_id: Some(payment_id.to_string()),
        sum: received.clone(),
        ..answer(&req.txn_id, result::OK, comment)
    };
    match outcome {
        PayOutcome::Applied { payment_id, .. } | PayOutcome::AlreadyRecorded { payment_id } => {
            accepted(payment_id, "payment accepted")
        }
        // The money is ours to give back: accepting it keeps Kaspi from retrying forever,
        // and staff see the order as needing a refund.
        PayOutcome::Late { payment_id, .. } => {
            accepted(payment_id, "accepted late: the order had expired, refund follows")
        }
        PayOutcome::PaidByOtherTxn { .. } => answer(&req.txn_id, result::FORBIDDEN, "order already paid"),
        PayOutcome::NotFound => answer(&req.txn_id, result::NOT_FOUND, "order not found"),
        PayOutcome::WrongAmount { expected } => {
            answer(&req.txn_id, wrong_sum(req.sum_tiyn, amount::tiyn(*expected)), "sum differs from the fee")
        }
    }
}

fn wrong_sum(got: i64, expected: i64) -> u16 {
    if got < expected { result::TOO_SMALL } else { result::TOO_LARGE }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn well_formed() -> String {
        let mut rng = rand::thread_rng();
        order_number::generate(&mut rng)
    }

    #[test]
    fn accepts_a_well_formed_pay() {
        let account = well_formed();
        let r = parse(&q(&[
            ("command", "pay"),
            ("txn_id", "1234567"),
            ("txn_date", "20261222101500"),
            ("account", &account),
            ("sum", "5640.00"),
        ]))
        .unwrap();
        assert_eq!(r.command, Command::Pay);
        assert_eq!(r.sum_tiyn, 564_000);
        assert_eq!(r.txn_date.unwrap().to_string(), "2026-12-22 10:15:00");
    }

    #[test]
    fn names_what_is_malformed() {
        let account = well_formed();
        let base = [("command", "check"), ("txn_id", "1"), ("account", account.as_str()), ("sum", "5640.00")];
        let with = |k: &str, v: &str| {
            let mut m = q(&base);
            m.insert(k.to_string(), v.to_string());
            parse(&m).unwrap_err().result
        };
        assert_eq!(with("account", "12ab"), result::BAD_ACCOUNT);
        let mut typo = account.clone().into_bytes();
        typo[3] = if typo[3] == b'9' { b'0' } else { typo[3] + 1 };
        assert_eq!(with("account", std::str::from_utf8(&typo).unwrap()), result::BAD_ACCOUNT);
        assert_eq!(with("sum", "5,640"), result::OTHER);
        assert_eq!(with("command", "refund"), result::OTHER);
        assert_eq!(with("txn_id", ""), result::OTHER);
        assert_eq!(with("txn_date", "2026-12-22"), result::OTHER);
        let mut pay = q(&base);
        pay.insert("command".into(), "pay".into());
        assert_eq!(parse(&pay).unwrap_err().result, result::OTHER, "pay needs txn_date");
    }
}
