use super::*;
use std::collections::HashMap;

fn cfg(pairs: &[(&str, &str)]) -> anyhow::Result<Config> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn holds_per_day_defaults_to_three_and_must_be_positive() {
    assert_eq!(cfg(&[]).unwrap().payments.holds_per_day, 3);
    assert_eq!(cfg(&[("HOLDS_PER_DAY", "5")]).unwrap().payments.holds_per_day, 5);
    assert!(cfg(&[("HOLDS_PER_DAY", "0")]).is_err());
}

#[test]
fn defaults_are_almaty_and_never_the_sandbox() {
    let c = cfg(&[]).unwrap();
    assert!(!c.is_sandbox(), "only `ent-bot sandbox` turns the sandbox on");
    assert_eq!(c.timezone, chrono_tz::Asia::Almaty);
    assert_eq!(c.payments.deadline_minutes, 60);
    assert_eq!(c.payments.reminder_minutes, vec![30, 10]);
    assert_eq!(c.http.public_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(c.notices.send_rate_per_sec, 25);
    assert!(!c.notices.paid_broadcast);
    assert_eq!(c.notices.paid_broadcast_rate_per_sec, 1000);
    assert!(
        c.payments.kaspi_allowed_ips.is_empty() && !c.payments.kaspi_allow_loopback,
        "nobody may call Kaspi's endpoint"
    );
}

#[test]
fn a_printed_config_does_not_show_the_bot_token() {
    let c = cfg(&[("BOT_TOKEN", "123456789:AAH-THIS-IS-THE-SECRET-BOT-TOKEN")]).unwrap();
    assert_eq!(c.telegram.bot_token.expose(), "123456789:AAH-THIS-IS-THE-SECRET-BOT-TOKEN");
    let printed = format!("{c:?} {c:#?}");
    assert!(!printed.contains("AAH-THIS-IS-THE-SECRET-BOT-TOKEN"), "{printed}");
    assert!(printed.contains("BotToken(123456789:<redacted>)"), "{printed}");
    assert_eq!(format!("{:?}", BotToken::new("no-colon-secret")), "BotToken(<redacted>)");
}

#[test]
fn a_printed_config_shows_no_secret() {
    let secrets = [
        ("DATABASE_URL", "postgres://bot:db-pass-XYZ@db:5432/ent"),
        ("SMTP_URL", "smtps://mailer:smtp-pass-XYZ@mail:465"),
        ("WEBHOOK_SECRET", "webhook-secret-XYZ"),
        ("METRICS_TOKEN", "metrics-token-XYZ-0123456789"),
        ("KASPI_BASIC_AUTH", "kaspi:kaspi-pass-XYZ"),
        ("CARD_API_SECRET", "card-secret-XYZ"),
        ("CONSOLE_SECRET", "console-secret-XYZ"),
    ];
    let c = cfg(&secrets).unwrap();
    let printed = format!("{c:?} {c:#?}");
    assert!(!printed.contains("XYZ"), "{printed}");
    assert_eq!(c.console.secret.expose_secret(), "console-secret-XYZ");
}

#[test]
fn rejects_bad_values_with_the_variable_named() {
    let e = cfg(&[("ADMIN_IDS", "12,abc")]).unwrap_err();
    assert!(format!("{e:#}").contains("ADMIN_IDS"));
    let e = cfg(&[("PAYMENT_REMINDER_MINUTES", "90")]).unwrap_err();
    assert!(format!("{e:#}").contains("PAYMENT_REMINDER_MINUTES"));
    let e = cfg(&[("PAYMENT_DEADLINE_MINUTES", "20")]).unwrap_err();
    assert!(format!("{e:#}").contains("between 1 and 19"), "the 30-minute reminder does not fit: {e:#}");
    let e = cfg(&[("PAYMENT_DEADLINE_MINUTES", "2000")]).unwrap_err();
    assert!(format!("{e:#}").contains("PAYMENT_DEADLINE_MINUTES"));
    let e = cfg(&[("TRUSTED_PROXIES", "10.0.0.1, proxy.local")]).unwrap_err();
    assert!(format!("{e:#}").contains("TRUSTED_PROXIES"));
    let e = cfg(&[("KASPI_BASIC_AUTH", "kaspi")]).unwrap_err();
    assert!(format!("{e:#}").contains("KASPI_BASIC_AUTH"));
    let e = cfg(&[("KASPI_ALLOW_LOOPBACK", "maybe")]).unwrap_err();
    assert!(format!("{e:#}").contains("KASPI_ALLOW_LOOPBACK"));
    let e = cfg(&[("TIMEZONE", "Mars/Olympus")]).unwrap_err();
    assert!(format!("{e:#}").contains("TIMEZONE"));
    let e = cfg(&[("UPDATE_WORKERS", "16"), ("DATABASE_MAX_CONNECTIONS", "20")]).unwrap_err();
    assert!(format!("{e:#}").contains("at least twice UPDATE_WORKERS plus 2 (34)"), "{e:#}");
}

#[test]
fn the_webhook_secret_is_in_telegrams_alphabet() {
    for bad in ["my secret!", "токен", "a/b", &"x".repeat(257)] {
        let e = cfg(&[("WEBHOOK_SECRET", bad)]).unwrap_err();
        let message = format!("{e:#}");
        assert!(message.contains("WEBHOOK_SECRET"), "{message}");
        assert!(!message.contains(bad), "the secret is not echoed: {message}");
    }
    for good in ["s3cret-token", "A_b-9", &"x".repeat(256)] {
        assert_eq!(
            cfg(&[("WEBHOOK_SECRET", good)])
                .unwrap()
                .telegram
                .webhook_secret
                .as_ref()
                .map(|s| s.expose_secret()),
            Some(good)
        );
    }
}

#[test]
fn http_limits_and_metrics_have_safe_defaults() {
    let c = cfg(&[]).unwrap();
    let limits = c.http.limits;
    assert_eq!(limits.header_timeout, std::time::Duration::from_secs(10));
    assert_eq!(limits.body_timeout, std::time::Duration::from_secs(30));
    assert_eq!(limits.idle_timeout, std::time::Duration::from_secs(30));
    assert_eq!(limits.max_connections, 512);
    assert!(
        c.http.metrics_addr.is_none() && c.http.metrics_token.is_none(),
        "metrics are served nowhere by default"
    );
    for name in [
        "HTTP_HEADER_TIMEOUT_SECS",
        "HTTP_BODY_TIMEOUT_SECS",
        "HTTP_IDLE_TIMEOUT_SECS",
        "HTTP_MAX_CONNECTIONS",
    ] {
        let e = cfg(&[(name, "0")]).unwrap_err();
        assert!(format!("{e:#}").contains(name), "{e:#}");
    }
    let e = cfg(&[("METRICS_TOKEN", "short")]).unwrap_err();
    assert!(format!("{e:#}").contains("METRICS_TOKEN"));
    let e = cfg(&[("METRICS_ADDR", "localhost")]).unwrap_err();
    assert!(format!("{e:#}").contains("METRICS_ADDR"));
}

#[test]
fn the_pool_fits_the_workers_by_default() {
    let c = cfg(&[]).unwrap();
    assert!(c.database.max_connections as usize >= 2 * c.telegram.update_workers + 2);
    let c = cfg(&[("UPDATE_WORKERS", "4"), ("DATABASE_MAX_CONNECTIONS", "10")]).unwrap();
    assert_eq!((c.telegram.update_workers, c.database.max_connections), (4, 10));
}

#[test]
fn parses_lists() {
    let c = cfg(&[("ADMIN_IDS", " 1, 2 ,3"), ("BOT_TOKEN", "123:abc")]).unwrap();
    assert_eq!(c.admin_ids, vec![1, 2, 3]);
    assert!(!c.is_sandbox());
}

#[test]
fn a_waitlist_offer_lasts_ten_minutes_unless_set() {
    assert_eq!(cfg(&[]).unwrap().payments.waitlist_offer_minutes, 10);
    assert_eq!(cfg(&[("WAITLIST_OFFER_MINUTES", "3")]).unwrap().payments.waitlist_offer_minutes, 3);
    assert!(cfg(&[("WAITLIST_OFFER_MINUTES", "0")]).is_err());
    assert!(cfg(&[("WAITLIST_OFFER_MINUTES", "ten")]).is_err());
}
