//! `Phone::parse`: never panics; what it accepts is `+77XXXXXXXXX` with a mobile operator
//! code, and parsing the stored or the pretty form gives the same number back.
#![no_main]

use ent_bot::domain::Phone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(phone) = Phone::parse(text) else {
        return;
    };
    let s = phone.as_str();
    assert!(s.len() == 12 && s.starts_with("+7") && s[1..].bytes().all(|b| b.is_ascii_digit()), "{s:?}");
    let code: u16 = s[2..5].parse().unwrap();
    assert!(matches!(code, 700..=709 | 747 | 770..=779), "{s:?}");
    assert_eq!(Phone::parse(s).as_ref(), Ok(&phone));
    assert_eq!(Phone::parse(&phone.pretty()).as_ref(), Ok(&phone));
    assert!(!phone.masked().contains(&s[2..]));
});
