//! Kazakh and Russian, as equals. Texts live in `locales/{kk,ru}/*.ftl`, embedded in the
//! binary; numbers, money and dates are formatted in Rust before they reach a message.

use std::collections::BTreeSet;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};
use unic_langid::{LanguageIdentifier, langid};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "locale", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    Kk,
    Ru,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Kk, Locale::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Locale::Kk => "kk",
            Locale::Ru => "ru",
        }
    }

    pub fn from_code(code: &str) -> Option<Locale> {
        match code {
            "kk" => Some(Locale::Kk),
            "ru" => Some(Locale::Ru),
            _ => None,
        }
    }

    /// The interface language to assume before the user chose one, from Telegram's
    /// `language_code`: Russian-speaking clients get Russian, everyone else Kazakh.
    pub fn guess(language_code: Option<&str>) -> Locale {
        match language_code.map(|c| c.split('-').next().unwrap_or(c)) {
            Some("ru") | Some("uk") | Some("be") => Locale::Ru,
            _ => Locale::Kk,
        }
    }

    fn langid(self) -> LanguageIdentifier {
        match self {
            Locale::Kk => langid!("kk"),
            Locale::Ru => langid!("ru"),
        }
    }
}

/// One value in each language: a name, an address, a text. Reference data keeps its
/// `name_kk`/`name_ru` columns; queries select them as one `ARRAY[kk, ru]` column that
/// decodes into this (see `db::bilingual`). Read from a file, it takes both keys and no other.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual<T> {
    pub kk: T,
    pub ru: T,
}

impl<T> Bilingual<T> {
    pub fn new(kk: T, ru: T) -> Self {
        Bilingual { kk, ru }
    }

    pub fn get(&self, locale: Locale) -> &T {
        match locale {
            Locale::Kk => &self.kk,
            Locale::Ru => &self.ru,
        }
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Bilingual<U> {
        Bilingual { kk: f(self.kk), ru: f(self.ru) }
    }
}

impl Bilingual<String> {
    /// The text in `locale` as a `&str`.
    pub fn text(&self, locale: Locale) -> &str {
        self.get(locale)
    }
}

/// Every `.ftl` file, per locale. A test checks this list against the `locales/` folder.
pub const FILES: &[&str] =
    &["main", "onboarding", "wizard", "payments", "history", "staff", "console", "retest", "waitlist"];

macro_rules! sources {
    ($lang:literal) => {
        &[
            ("main", include_str!(concat!("../locales/", $lang, "/main.ftl"))),
            ("onboarding", include_str!(concat!("../locales/", $lang, "/onboarding.ftl"))),
            ("wizard", include_str!(concat!("../locales/", $lang, "/wizard.ftl"))),
            ("payments", include_str!(concat!("../locales/", $lang, "/payments.ftl"))),
            ("history", include_str!(concat!("../locales/", $lang, "/history.ftl"))),
            ("staff", include_str!(concat!("../locales/", $lang, "/staff.ftl"))),
            ("console", include_str!(concat!("../locales/", $lang, "/console.ftl"))),
            ("retest", include_str!(concat!("../locales/", $lang, "/retest.ftl"))),
            ("waitlist", include_str!(concat!("../locales/", $lang, "/waitlist.ftl"))),
        ]
    };
}

const KK: &[(&str, &str)] = sources!("kk");
const RU: &[(&str, &str)] = sources!("ru");

pub struct I18n {
    kk: FluentBundle<FluentResource>,
    ru: FluentBundle<FluentResource>,
}

pub type Args<'a> = [(&'a str, FluentValue<'a>)];

impl I18n {
    /// Parses the embedded locales; an error names the file and the problem.
    pub fn load() -> anyhow::Result<I18n> {
        Ok(I18n { kk: bundle(Locale::Kk, KK)?, ru: bundle(Locale::Ru, RU)? })
    }

    fn bundle(&self, locale: Locale) -> &FluentBundle<FluentResource> {
        match locale {
            Locale::Kk => &self.kk,
            Locale::Ru => &self.ru,
        }
    }

    pub fn t(&self, locale: Locale, id: &str) -> String {
        self.f(locale, id, &[])
    }

    /// Formats message `id` with `args`. A missing message or argument is logged and
    /// shown as the id, so a mistake is visible in tests but never crashes a handler.
    pub fn f(&self, locale: Locale, id: &str, args: &Args<'_>) -> String {
        match self.try_format(locale, id, args) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(locale = locale.code(), id, error = %e, "message failed to format");
                id.to_string()
            }
        }
    }

    pub fn try_format(&self, locale: Locale, id: &str, args: &Args<'_>) -> Result<String, String> {
        let bundle = self.bundle(locale);
        let msg = bundle.get_message(id).ok_or_else(|| format!("no message `{id}`"))?;
        let pattern = msg.value().ok_or_else(|| format!("message `{id}` has no value"))?;
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.clone());
        }
        let mut errors = vec![];
        let out = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
        if errors.is_empty() { Ok(out.into_owned()) } else { Err(format!("{errors:?}")) }
    }

    /// The message ids of one locale, for the parity test.
    pub fn ids(locale: Locale) -> BTreeSet<String> {
        sources(locale)
            .iter()
            .flat_map(|(_, src)| {
                let res = FluentResource::try_new(src.to_string()).unwrap_or_else(|(r, _)| r);
                res.entries()
                    .filter_map(|e| match e {
                        fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

pub fn sources(locale: Locale) -> &'static [(&'static str, &'static str)] {
    match locale {
        Locale::Kk => KK,
        Locale::Ru => RU,
    }
}

fn bundle(locale: Locale, files: &[(&str, &str)]) -> anyhow::Result<FluentBundle<FluentResource>> {
    let mut bundle = FluentBundle::new_concurrent(vec![locale.langid()]);
    // Telegram shows Unicode isolation marks as garbage on some clients.
    bundle.set_use_isolating(false);
    for (name, src) in files {
        let res = FluentResource::try_new(src.to_string())
            .map_err(|(_, errs)| anyhow::anyhow!("locales/{}/{name}.ftl: {errs:?}", locale.code()))?;
        bundle
            .add_resource(res)
            .map_err(|errs| anyhow::anyhow!("locales/{}/{name}.ftl: {errs:?}", locale.code()))?;
    }
    Ok(bundle)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

    use super::*;

    /// Message id → the variables it uses, for one locale.
    pub(crate) fn variables(locale: Locale) -> BTreeMap<String, BTreeSet<String>> {
        fn walk_inline(e: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
            match e {
                InlineExpression::VariableReference { id } => {
                    out.insert(id.name.to_string());
                }
                InlineExpression::FunctionReference { arguments, .. } => {
                    for a in &arguments.positional {
                        walk_inline(a, out);
                    }
                    for a in &arguments.named {
                        walk_inline(&a.value, out);
                    }
                }
                InlineExpression::Placeable { expression } => walk_expr(expression, out),
                _ => {}
            }
        }
        fn walk_expr(e: &Expression<&str>, out: &mut BTreeSet<String>) {
            match e {
                Expression::Inline(i) => walk_inline(i, out),
                Expression::Select { selector, variants } => {
                    walk_inline(selector, out);
                    for v in variants {
                        walk_pattern(&v.value, out);
                    }
                }
            }
        }
        fn walk_pattern(p: &Pattern<&str>, out: &mut BTreeSet<String>) {
            for el in &p.elements {
                if let PatternElement::Placeable { expression } = el {
                    walk_expr(expression, out);
                }
            }
        }
        let mut map = BTreeMap::new();
        for (name, src) in sources(locale) {
            let res = fluent_syntax::parser::parse(*src)
                .unwrap_or_else(|(_, e)| panic!("locales/{}/{name}.ftl: {e:?}", locale.code()));
            for entry in res.body {
                if let Entry::Message(m) = entry {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        walk_pattern(p, &mut vars);
                    }
                    assert!(
                        map.insert(m.id.name.to_string(), vars).is_none(),
                        "{} defined twice in locales/{}",
                        m.id.name,
                        locale.code()
                    );
                }
            }
        }
        map
    }

    #[test]
    fn kazakh_and_russian_have_the_same_messages_and_arguments() {
        let kk = variables(Locale::Kk);
        let ru = variables(Locale::Ru);
        let only_kk: Vec<_> = kk.keys().filter(|k| !ru.contains_key(*k)).collect();
        let only_ru: Vec<_> = ru.keys().filter(|k| !kk.contains_key(*k)).collect();
        assert!(only_kk.is_empty() && only_ru.is_empty(), "only in kk: {only_kk:?}; only in ru: {only_ru:?}");
        for (id, vars) in &kk {
            assert_eq!(vars, &ru[id], "`{id}` uses different arguments in kk and ru");
        }
        assert_eq!(I18n::ids(Locale::Kk), kk.keys().cloned().collect());
    }

    #[test]
    fn every_message_formats_with_its_arguments() {
        let i18n = I18n::load().expect("locales parse");
        for locale in Locale::ALL {
            for (id, vars) in variables(locale) {
                let args: Vec<(&str, FluentValue)> =
                    vars.iter().map(|v| (v.as_str(), FluentValue::from("7"))).collect();
                let out = i18n
                    .try_format(locale, &id, &args)
                    .unwrap_or_else(|e| panic!("{}: {id}: {e}", locale.code()));
                assert!(!out.trim().is_empty(), "{}: {id} is empty", locale.code());
                assert!(
                    out.chars().count() <= 4096,
                    "{}: {id} is longer than a Telegram message",
                    locale.code()
                );
                assert!(!out.contains('\u{2068}'), "isolation marks must be off");
            }
        }
    }

    #[test]
    fn a_missing_argument_is_an_error_not_a_panic() {
        let i18n = I18n::load().unwrap();
        assert!(i18n.try_format(Locale::Ru, "no-such-message", &[]).is_err());
        assert_eq!(i18n.f(Locale::Ru, "no-such-message", &[]), "no-such-message");
    }

    #[test]
    fn every_locale_file_is_embedded() {
        for locale in Locale::ALL {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(locale.code());
            let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
                .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let mut embedded: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
            embedded.sort();
            assert_eq!(on_disk, embedded, "locales/{} and i18n::FILES differ", locale.code());
            let names: Vec<&str> = sources(locale).iter().map(|(n, _)| *n).collect();
            assert_eq!(names, FILES);
        }
    }

    #[test]
    fn guesses_the_interface_language_from_telegram() {
        assert_eq!(Locale::guess(Some("ru")), Locale::Ru);
        assert_eq!(Locale::guess(Some("ru-RU")), Locale::Ru);
        assert_eq!(Locale::guess(Some("kk")), Locale::Kk);
        assert_eq!(Locale::guess(Some("en")), Locale::Kk);
        assert_eq!(Locale::guess(None), Locale::Kk);
    }
}
