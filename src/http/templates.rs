//! Server-rendered HTML: minijinja templates from `templates/`, embedded in the binary.
//!
//! Every value a template prints is HTML-escaped (templates named `*.html`), so a page
//! cannot forget to escape what strangers typed. `base.html` is the skeleton pages extend;
//! the sandbox's pages are under `sandbox/`.

use std::sync::LazyLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, Output, State, UndefinedBehavior};

/// `(name, source)`: the name is what `{% extends %}` and [`render`] use.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("sandbox/layout.html", include_str!("../../templates/sandbox/layout.html")),
    ("sandbox/chat.html", include_str!("../../templates/sandbox/chat.html")),
    ("sandbox/mailbox.html", include_str!("../../templates/sandbox/mailbox.html")),
    ("sandbox/payment.html", include_str!("../../templates/sandbox/payment.html")),
    ("sandbox/payment_not_found.html", include_str!("../../templates/sandbox/payment_not_found.html")),
    ("console/layout.html", include_str!("../../templates/console/layout.html")),
    ("console/message.html", include_str!("../../templates/console/message.html")),
    ("console/overview.html", include_str!("../../templates/console/overview.html")),
    ("console/overview_live.html", include_str!("../../templates/console/overview_live.html")),
    ("console/applications.html", include_str!("../../templates/console/applications.html")),
    ("console/application.html", include_str!("../../templates/console/application.html")),
    ("console/confirm.html", include_str!("../../templates/console/confirm.html")),
    ("console/action_done.html", include_str!("../../templates/console/action_done.html")),
    ("console/slots.html", include_str!("../../templates/console/slots.html")),
    ("console/slot_edit.html", include_str!("../../templates/console/slot_edit.html")),
    ("console/slot_confirm.html", include_str!("../../templates/console/slot_confirm.html")),
    ("console/slot_refused.html", include_str!("../../templates/console/slot_refused.html")),
    ("console/slot_done.html", include_str!("../../templates/console/slot_done.html")),
    ("console/refunds.html", include_str!("../../templates/console/refunds.html")),
    ("console/session.html", include_str!("../../templates/console/session.html")),
    ("console/session_plan.html", include_str!("../../templates/console/session_plan.html")),
    ("console/rebinds.html", include_str!("../../templates/console/rebinds.html")),
    ("console/rebind_request.html", include_str!("../../templates/console/rebind_request.html")),
    ("console/rebind_confirm.html", include_str!("../../templates/console/rebind_confirm.html")),
    ("console/retests.html", include_str!("../../templates/console/retests.html")),
    ("console/retest.html", include_str!("../../templates/console/retest.html")),
    ("console/exports.html", include_str!("../../templates/console/exports.html")),
    ("console/audit.html", include_str!("../../templates/console/audit.html")),
    ("console/broadcast.html", include_str!("../../templates/console/broadcast.html")),
    ("console/broadcast_confirm.html", include_str!("../../templates/console/broadcast_confirm.html")),
    ("console/broadcast_progress.html", include_str!("../../templates/console/broadcast_progress.html")),
    ("console/broadcast_live.html", include_str!("../../templates/console/broadcast_live.html")),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Block tags on lines of their own leave no blank lines behind.
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .expect("the default delimiters are valid");
    env.set_syntax(syntax);
    // Auto-escaping follows the name: `.html` templates escape everything they print.
    env.set_formatter(escaping_formatter);
    // A misspelt name fails the page instead of printing nothing; `{% if x %}` may test
    // what is absent.
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source).unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

/// Renders the template `name` (e.g. `"sandbox/mailbox.html"`) with `context`.
pub fn render(name: &str, context: Value) -> Result<String, Error> {
    ENV.get_template(name)?.render(context)
}

/// minijinja's own HTML escaping also writes `/` as `&#x2f;`, which turns the request lines
/// the payment page shows (`GET /payments/kaspi?…`) into noise in the page source. Strings
/// are escaped here with what text and quoted attributes need (`& < > " '`); everything else
/// (numbers, values marked safe, templates without auto-escaping) goes the default way.
fn escaping_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if *state.auto_escape() == AutoEscape::Html
        && !value.is_safe()
        && let Some(s) = value.as_str()
    {
        return write_escaped(out, s).map_err(Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

fn write_escaped(out: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
        out.write_str(&rest[..i])?;
        out.write_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        })?;
        rest = &rest[i + 1..];
    }
    out.write_str(rest)
}

#[cfg(test)]
mod tests {
    use minijinja::context;

    use super::*;

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            ENV.get_template(name).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn a_misspelt_value_fails_the_page() {
        assert!(render("sandbox/payment_not_found.html", context! { order => "1" }).is_err());
    }

    #[test]
    fn escapes_markup_and_quotes_but_keeps_slashes() {
        let hostile = r#"<img src=x onerror="a('b')">& GET /pay"#;
        let html = render("sandbox/payment_not_found.html", context! { order_number => hostile }).unwrap();
        assert!(
            html.contains("Order № &lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp; GET /pay was"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn pages_extend_the_base_layout() {
        let html = render("sandbox/payment_not_found.html", context! { order_number => "1" }).unwrap();
        assert!(html.starts_with("<!doctype html>"), "{html}");
        assert!(html.contains("<title>Order not found · ent-bot sandbox</title>"), "{html}");
        assert!(html.contains(r#"<link rel="stylesheet" href="/sandbox/sandbox.css">"#), "{html}");
        assert!(html.contains(r#"<body class="doc">"#), "{html}");
    }
}
