//! Every parser of button data and short codes the bot and the console read: never panics,
//! and what parses re-encodes to data that parses to the same value.
#![no_main]

use ent_bot::bot::{history, keyboards, wizard};
use ent_bot::i18n::Locale;
use ent_bot::payments::card;
use ent_bot::services::{console, notices};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // pay:<method>:<application id>
    if let Some((method, id)) = notices::parse_callback(text) {
        let again = notices::callback_data(method, id);
        assert!(again.len() <= 64, "{again:?}");
        assert_eq!(notices::parse_callback(&again), Some((method, id)), "{text:?} → {again:?}");
    }

    // w:<seq>:<action>
    if let Some((seq, action)) = wizard::parse(text) {
        assert!(text.starts_with("w:"), "{text:?}");
        let code = match &action {
            wizard::Action::Pick(v) => {
                assert!(!v.is_empty());
                format!("v:{v}")
            }
            wizard::Action::Page(p) => format!("p:{p}"),
            wizard::Action::Back => "b".into(),
            wizard::Action::Cancel => "x".into(),
            wizard::Action::Info => "i".into(),
            wizard::Action::Rules => "r".into(),
            wizard::Action::RulesAccepted => "ok".into(),
            wizard::Action::Confirm => "c".into(),
        };
        assert_eq!(wizard::parse(&format!("w:{seq}:{code}")), Some((seq, action)), "{text:?}");
    }

    // h:<verb>:<id>[:<value>]
    let (verb, id, value) = history::parse_button(text);
    assert!(!verb.contains(':') && !value.contains(':'), "{text:?}");
    let again = if value.is_empty() { format!("h:{verb}:{id}") } else { format!("h:{verb}:{id}:{value}") };
    assert_eq!(history::parse_button(&again), (verb, id, value), "{text:?} → {again:?}");

    // lang:<code>
    if let Some(locale) = text.strip_prefix(keyboards::LANG_PREFIX).and_then(Locale::from_code) {
        assert_eq!(Locale::from_code(locale.code()), Some(locale));
    }

    // The console's action names and the card gateway's notification paths.
    if let Some(action) = console::Action::parse(text) {
        assert_eq!(action.as_str(), text);
    }
    if let Some(kind) = card::Kind::from_path(text) {
        assert_eq!(kind.code(), text);
    }
});
