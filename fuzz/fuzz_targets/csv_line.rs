//! `ent-bot import persons|slots`: the CSV reading and line checks, without a database.
//! Each input is read as a whole file, and as data lines under the header.
#![no_main]

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono_tz::Tz;
use ent_bot::import::fuzzing::{parse_persons_csv, parse_slots_csv};
use libfuzzer_sys::fuzz_target;

static CAMPAIGNS: LazyLock<HashMap<String, i64>> =
    LazyLock::new(|| HashMap::from([("ent-2027-01".to_owned(), 1), ("c".to_owned(), 2)]));
static VENUES: LazyLock<HashMap<String, i32>> =
    LazyLock::new(|| HashMap::from([("ast-1".to_owned(), 7), ("v".to_owned(), 8)]));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let persons = format!("iin,last_name,first_name,patronymic\n{text}");
    let slots = format!("campaign_code,venue_code,date,time,capacity\n{text}");
    for text in [text, persons.as_str()] {
        if let Err(e) = parse_persons_csv(text) {
            assert!(e.is_bad_input(), "{e}");
            let _ = e.to_string();
        }
    }
    for tz in [chrono_tz::Asia::Almaty, chrono_tz::Europe::Berlin] {
        for text in [text, slots.as_str()] {
            check_slots(text, tz);
        }
    }
});

fn check_slots(text: &str, tz: Tz) {
    if let Err(e) = parse_slots_csv(text, tz, &CAMPAIGNS, &VENUES) {
        assert!(e.is_bad_input(), "{e}");
        let _ = e.to_string();
    }
}
