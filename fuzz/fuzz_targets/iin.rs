//! `Iin::parse`: never panics; what it accepts is 12 ASCII digits that parse again to the
//! same value, and the masked form never shows the whole number.
#![no_main]

use ent_bot::domain::Iin;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(iin) = Iin::parse(text) else {
        return;
    };
    let digits = iin.as_str();
    assert!(digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()), "{digits:?}");
    assert_eq!(iin.to_string(), digits);
    assert_eq!(Iin::parse(digits).as_ref(), Ok(&iin));
    assert_eq!(digits.parse::<Iin>().as_ref(), Ok(&iin));
    let masked = iin.masked();
    assert!(!masked.contains(digits), "{masked:?} shows {digits:?}");
    assert_eq!(masked.chars().filter(char::is_ascii_digit).count(), 6, "{masked:?}");
    // The accessors trust what parse checked.
    let _ = (iin.birth_date(), iin.sex());
});
