//! Kaspi's `GET ?command=…&txn_id=…&account=…&sum=…&txn_date=…`: the input is the query
//! string, decoded as the HTTP layer does (the last of repeated keys wins). Never panics;
//! an accepted request carries what the protocol allows.
#![no_main]

use std::collections::HashMap;

use ent_bot::payments::kaspi::{self, Command};
use ent_bot::payments::order_number;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let params: HashMap<String, String> = url::form_urlencoded::parse(data).into_owned().collect();
    match kaspi::parse(&params) {
        Ok(req) => {
            assert!(!req.txn_id.is_empty() && req.txn_id.len() <= 64, "{req:?}");
            assert!(order_number::is_well_formed(&req.account), "{req:?}");
            assert!(req.sum_tiyn >= 0, "{req:?}");
            assert!(req.command == Command::Check || req.txn_date.is_some(), "{req:?}");
            let event = req.event();
            assert_eq!(event.amount_tiyn, req.sum_tiyn);
        }
        Err(answer) => {
            assert_ne!(answer.result, kaspi::result::OK, "{answer:?}");
            let _ = serde_json::to_string(&answer).unwrap();
        }
    }
});
