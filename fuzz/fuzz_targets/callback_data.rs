//! Every parser of button data and short codes the bot and the console read: never panics,
//! and what parses re-encodes to data that parses to the same value.
#![no_main]

use ent_bot::callback::Callback;
use ent_bot::payments::card;
use ent_bot::services::console;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // Every inline button's data: one decoder, one encoder.
    if let Ok(button) = text.parse::<Callback>() {
        let again = button.to_string();
        assert!(again.len() <= 64, "{again:?}");
        assert_eq!(again.parse::<Callback>(), Ok(button), "{text:?} → {again:?}");
    }

    // The console's action names and the card gateway's notification paths.
    if let Some(action) = console::Action::parse(text) {
        assert_eq!(action.as_str(), text);
    }
    if let Some(kind) = card::Kind::from_path(text) {
        assert_eq!(kind.code(), text);
    }
});
