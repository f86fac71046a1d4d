//! `Email::parse`: never panics, and is idempotent: what it returns is trimmed, lowercase
//! ASCII that parses to itself.
#![no_main]

use ent_bot::domain::Email;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(email) = Email::parse(text) else {
        return;
    };
    let s = email.as_str();
    assert!(s.is_ascii() && s == s.to_ascii_lowercase() && s == s.trim(), "{s:?}");
    assert!(s.len() <= 254 && s.matches('@').count() == 1, "{s:?}");
    assert_eq!(Email::parse(s).as_ref(), Ok(&email));
    let masked = email.masked();
    assert!(masked.ends_with(&s[s.find('@').unwrap()..]), "{masked:?}");
});
