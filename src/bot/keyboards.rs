//! Keyboards; the data of inline buttons is `crate::callback::Callback`.

use teloxide::types::{InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup};

use crate::callback::Callback;
use crate::i18n::{I18n, Locale};

pub fn language(i18n: &I18n) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[
        Callback::Lang(Locale::Kk).button(i18n.t(Locale::Kk, "language-button-kk")),
        Callback::Lang(Locale::Ru).button(i18n.t(Locale::Ru, "language-button-ru")),
    ]])
}

/// The main menu's ids, in the order shown.
pub const MENU: [&str; 5] = ["menu-apply", "menu-history", "menu-test-info", "menu-help", "menu-language"];

pub fn main_menu(i18n: &I18n, locale: Locale) -> KeyboardMarkup {
    let b = |id: &str| KeyboardButton::new(i18n.t(locale, id));
    KeyboardMarkup::new([vec![b(MENU[0])], vec![b(MENU[1]), b(MENU[2])], vec![b(MENU[3]), b(MENU[4])]])
        .resize_keyboard()
        .persistent()
}

/// Which menu item a text is, in either language: after a language switch the old
/// keyboard may still be on the user's screen.
pub fn menu_item(i18n: &I18n, text: &str) -> Option<&'static str> {
    MENU.into_iter().find(|id| Locale::ALL.iter().any(|l| i18n.t(*l, id) == text))
}
