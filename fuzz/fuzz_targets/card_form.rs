//! The card gateway's form-encoded notifications, for each kind (check, pay, fail): never
//! panics; an accepted one has an invoice id, a non-negative amount and, unless it is a
//! check, a transaction id.
#![no_main]

use ent_bot::payments::card::{self, Kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for kind in [Kind::Check, Kind::Pay, Kind::Fail] {
        match card::parse(kind, data) {
            Ok(n) => {
                assert!(!n.invoice_id.is_empty() && n.invoice_id.len() <= 32, "{n:?}");
                assert!(n.amount_tiyn >= 0, "{n:?}");
                assert!(kind == Kind::Check || n.event().is_some(), "{n:?}");
                let _ = n.is_tenge();
            }
            Err(code) => assert_ne!(code, card::code::OK),
        }
    }
    // The signature check sees the same untrusted bytes.
    assert!(!card::verify("", data, Some("")));
    let _ = card::verify("secret", data, std::str::from_utf8(data).ok());
});
