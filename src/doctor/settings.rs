//! Settings that need no other system, and the mail server.

use chrono::{Offset, Utc};

use super::Check;
use crate::config::{Config, ExposeSecret};
use crate::mail::{Mailer, OutgoingEmail};

/// Shorter console secrets can be guessed offline from one signed link.
const CONSOLE_SECRET_MIN: usize = 32;

pub(super) fn timezone(config: &Config) -> Check {
    let offset = Utc::now().with_timezone(&config.timezone).offset().fix();
    let found = format!("TIMEZONE {} is UTC{offset} now", config.timezone);
    // Kazakhstan has one time zone, UTC+5, since 1 March 2024.
    if offset.local_minus_utc() == 5 * 3600 {
        Check::pass("timezone", found)
    } else {
        Check::fail(
            "timezone",
            found,
            "Kazakhstan is on UTC+5 since March 2024: set TIMEZONE=Asia/Almaty (or update the tz data)",
        )
    }
}

/// What `SMTP_URL` asks of the connection, in words, and whether it protects the mail.
fn transport(url: &url::Url) -> (String, bool) {
    let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let host = url.host_str().unwrap_or_default();
    let local = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let login = if url.username().is_empty() { "no login" } else { "login" };
    match (url.scheme(), tls.as_deref()) {
        ("smtps", _) => (format!("TLS from the first byte, {login}"), true),
        (_, Some("required")) => (format!("STARTTLS required, {login}"), true),
        (_, Some("opportunistic")) => (format!("STARTTLS if offered, {login}"), local),
        _ if local => (format!("plain SMTP to a relay on this machine, {login}"), true),
        _ => (format!("plain SMTP over the network, {login}"), false),
    }
}

pub(super) async fn smtp(config: &Config) -> Check {
    let Some(smtp_url) = &config.mail.smtp_url else {
        return Check::fail("smtp", "SMTP_URL is empty", "set SMTP_URL (smtps://user:password@host:465)");
    };
    let Ok(url) = url::Url::parse(smtp_url.expose_secret()) else {
        return Check::fail("smtp", "SMTP_URL is not a URL", "smtps://user:password@host:465");
    };
    let where_to = format!("{}:{}", url.host_str().unwrap_or("?"), url.port().unwrap_or(0));
    let (how, protected) = transport(&url);
    let mailer = match Mailer::new(Some(smtp_url.expose_secret()), &config.mail.from) {
        Ok(mailer) => mailer,
        Err(e) => return Check::fail("smtp", format!("{e:#}"), "correct SMTP_URL or MAIL_FROM"),
    };
    if let Err(e) = mailer.check().await {
        return Check::fail(
            "smtp",
            format!("{where_to} ({how}): {e}"),
            "check the host, port, TLS mode and password in SMTP_URL, and that this machine may reach it",
        );
    }
    if !protected {
        return Check::fail(
            "smtp",
            format!("{where_to} answers, but {how}"),
            "codes would cross the network in clear: use smtps:// or add ?tls=required",
        );
    }
    Check::pass("smtp", format!("{where_to} answers ({how}); nothing sent"))
}

pub(super) async fn mail_test(config: &Config, to: &str) -> Check {
    let Ok(address) = crate::domain::Email::parse(to) else {
        return Check::fail("test mail", format!("`{to}` is not an email address"), "give --mail-to ADDRESS");
    };
    let Some(url) = &config.mail.smtp_url else {
        return Check::skip("test mail", "SMTP_URL is empty");
    };
    let mailer = match Mailer::new(Some(url.expose_secret()), &config.mail.from) {
        Ok(mailer) => mailer,
        Err(e) => return Check::fail("test mail", format!("{e:#}"), "correct SMTP_URL or MAIL_FROM"),
    };
    let masked = address.masked();
    let email = OutgoingEmail {
        to: address,
        subject: "ent-bot doctor: test message".into(),
        text: format!("This message was sent by `ent-bot doctor` at {} to test SMTP_URL.", Utc::now()),
        html: "<p>This message was sent by <code>ent-bot doctor</code> to test SMTP_URL.</p>".into(),
    };
    match mailer.send(email, Utc::now()).await {
        Ok(()) => Check::pass("test mail", format!("accepted for {masked} from {}", config.mail.from)),
        Err(e) => Check::fail(
            "test mail",
            format!("refused for {masked}: {e}"),
            "the server refused the sender or the recipient: check MAIL_FROM against the account",
        ),
    }
}

pub(super) fn card(config: &Config) -> Check {
    let p = &config.payments;
    if !p.card_payments {
        return Check::pass("card gateway", "off (CARD_PAYMENTS=off): Kaspi only");
    }
    let mut missing = Vec::new();
    match &p.card_api_url {
        None => missing.push("CARD_API_URL"),
        Some(u) if u.scheme() != "https" => missing.push("CARD_API_URL (not https)"),
        Some(_) => {}
    }
    if p.card_public_id.is_empty() {
        missing.push("CARD_PUBLIC_ID");
    }
    if p.card_api_secret.expose_secret().is_empty() {
        missing.push("CARD_API_SECRET");
    }
    if !missing.is_empty() {
        return Check::fail(
            "card gateway",
            format!("missing: {}", missing.join(", ")),
            "set them from the gateway's cabinet, or CARD_PAYMENTS=off for Kaspi only",
        );
    }
    if p.card_test_payments {
        return Check::fail(
            "card gateway",
            "CARD_TEST_PAYMENTS=true: test cards pay for real applications",
            "unset CARD_TEST_PAYMENTS in production",
        );
    }
    let host = p.card_api_url.as_ref().and_then(|u| u.host_str()).unwrap_or_default();
    Check::pass("card gateway", format!("{host}, public id set, secret set, live payments only"))
}

pub(super) fn kaspi(config: &Config) -> Check {
    let p = &config.payments;
    if p.kaspi_allowed_ips.is_empty() {
        return Check::fail(
            "kaspi",
            "KASPI_ALLOWED_IPS is empty: nobody may call /payments/kaspi (serve refuses to start)",
            "set KASPI_ALLOWED_IPS to Kaspi's addresses from the connection form",
        );
    }
    if p.kaspi_allow_loopback {
        return Check::fail(
            "kaspi",
            "KASPI_ALLOW_LOOPBACK=true: behind a same-host proxy every caller is loopback",
            "unset KASPI_ALLOW_LOOPBACK in production",
        );
    }
    let private: Vec<String> =
        p.kaspi_allowed_ips.iter().filter(|ip| !is_public(ip)).map(ToString::to_string).collect();
    if !private.is_empty() {
        return Check::fail(
            "kaspi",
            format!("KASPI_ALLOWED_IPS lists addresses Kaspi cannot call from: {}", private.join(", ")),
            "list only Kaspi's public addresses; a proxy goes in TRUSTED_PROXIES",
        );
    }
    let ips: Vec<String> = p.kaspi_allowed_ips.iter().map(ToString::to_string).collect();
    let proxies = if config.http.trusted_proxies.is_empty() {
        "no TRUSTED_PROXIES (the bot faces Kaspi directly)".to_string()
    } else {
        let n = config.http.trusted_proxies.len();
        format!("X-Forwarded-For believed from {n} trusted prox{}", if n == 1 { "y" } else { "ies" })
    };
    let auth = if p.kaspi_basic_auth.is_some() { ", Basic auth" } else { "" };
    Check::pass("kaspi", format!("allow-list {}{auth}; {proxies}", ips.join(", ")))
}

fn is_public(ip: &std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast())
        }
        std::net::IpAddr::V6(v6) => {
            !(v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00)
        }
    }
}

pub(super) fn console_secret(config: &Config) -> Check {
    let n = config.console.secret.expose_secret().chars().count();
    match n {
        0 => Check::fail(
            "console secret",
            "CONSOLE_SECRET is empty (serve refuses to start)",
            "set CONSOLE_SECRET to one random string for every process: openssl rand -hex 32",
        ),
        n if n < CONSOLE_SECRET_MIN => Check::fail(
            "console secret",
            format!("CONSOLE_SECRET is {n} characters"),
            format!("use at least {CONSOLE_SECRET_MIN}: openssl rand -hex 32"),
        ),
        n => Check::pass("console secret", format!("set, {n} characters (the same in every process?)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_in_clear_passes_only_to_this_machine() {
        let t = |u: &str| transport(&url::Url::parse(u).unwrap()).1;
        assert!(t("smtps://u:p@mail.example.kz:465"));
        assert!(t("smtp://u:p@mail.example.kz:587?tls=required"));
        assert!(t("smtp://127.0.0.1:25"));
        assert!(!t("smtp://mail.example.kz:25"));
        assert!(!t("smtp://mail.example.kz:587?tls=opportunistic"));
    }

    #[test]
    fn kaspi_addresses_are_public() {
        assert!(is_public(&"194.187.247.152".parse().unwrap()));
        assert!(!is_public(&"10.0.0.5".parse().unwrap()));
        assert!(!is_public(&"127.0.0.1".parse().unwrap()));
        assert!(!is_public(&"fd00::1".parse().unwrap()));
    }
}
