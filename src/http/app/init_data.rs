//! A Mini App's `initData`, as Telegram signs it: the launch parameters as a query string
//! whose `hash` is HMAC-SHA256 of the other fields (sorted, `key=value` lines) under the
//! key HMAC-SHA256("WebAppData", bot token) — Telegram's "Validating data received via the
//! Mini App". Only a string signed with our bot's token, at most an hour old, is believed.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How old an `initData` may be.
pub const MAX_AGE: Duration = Duration::hours(1);

/// Who opened the Mini App, as the signed `initData` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub user_id: i64,
    pub auth_date: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("initData is not a signed query string")]
    Malformed,
    #[error("initData's hash does not match")]
    BadHash,
    #[error("initData is older than an hour (or from the future)")]
    Stale,
    #[error("initData names no user")]
    NoUser,
}

fn secret_key(bot_token: &str) -> HmacSha256 {
    let mut key = HmacSha256::new_from_slice(b"WebAppData").expect("HMAC takes any key");
    key.update(bot_token.as_bytes());
    let secret = key.finalize().into_bytes();
    HmacSha256::new_from_slice(&secret).expect("HMAC takes any key")
}

/// The data-check-string: every field but `hash`, sorted by key, `key=value` per line.
fn check_string(fields: &[(String, String)]) -> String {
    let mut lines: Vec<String> =
        fields.iter().filter(|(k, _)| k != "hash").map(|(k, v)| format!("{k}={v}")).collect();
    lines.sort();
    lines.join("\n")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks `init_data` against `bot_token` at `now`.
pub fn verify(init_data: &str, bot_token: &str, now: DateTime<Utc>) -> Result<Launch, Invalid> {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(init_data.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut hashes = fields.iter().filter(|(k, _)| k == "hash");
    let (Some((_, hash)), None) = (hashes.next(), hashes.next()) else {
        return Err(Invalid::Malformed);
    };
    let mut keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(Invalid::Malformed);
    }
    let mut mac = secret_key(bot_token);
    mac.update(check_string(&fields).as_bytes());
    let expected = hex(&mac.finalize().into_bytes());
    if !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), hash.to_ascii_lowercase().as_bytes())) {
        return Err(Invalid::BadHash);
    }
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let auth_date = field("auth_date")
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or(Invalid::Malformed)?;
    if now - auth_date > MAX_AGE || auth_date - now > Duration::minutes(1) {
        return Err(Invalid::Stale);
    }
    let user: serde_json::Value =
        serde_json::from_str(field("user").ok_or(Invalid::NoUser)?).map_err(|_| Invalid::NoUser)?;
    let user_id = user.get("id").and_then(serde_json::Value::as_i64).ok_or(Invalid::NoUser)?;
    Ok(Launch { user_id, auth_date })
}

/// Signs launch parameters as Telegram does (the sandbox, tests): `fields` without `hash`.
pub fn sign(fields: &[(&str, String)], bot_token: &str) -> String {
    let owned: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let mut mac = secret_key(bot_token);
    mac.update(check_string(&owned).as_bytes());
    let hash = hex(&mac.finalize().into_bytes());
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &owned {
        query.append_pair(k, v);
    }
    query.append_pair("hash", &hash);
    query.finish()
}

/// The `initData` Telegram would give user `user_id` opening the Mini App at `at`.
pub fn for_user(
    user_id: i64,
    first_name: &str,
    language_code: &str,
    at: DateTime<Utc>,
    bot_token: &str,
) -> String {
    let user = serde_json::json!({ "id": user_id, "first_name": first_name, "language_code": language_code });
    let query_id = format!("AAE{:x}", at.timestamp_micros() ^ user_id);
    sign(
        &[("query_id", query_id), ("user", user.to_string()), ("auth_date", at.timestamp().to_string())],
        bot_token,
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const TOKEN: &str = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 22, 5, 0, 0).unwrap()
    }

    #[test]
    fn what_we_sign_verifies_and_names_the_user() {
        let data = for_user(42, "Айгерім", "kk", at(), TOKEN);
        assert_eq!(
            verify(&data, TOKEN, at() + Duration::minutes(59)),
            Ok(Launch { user_id: 42, auth_date: at() })
        );
    }

    /// The example of the Telegram documentation's algorithm, computed independently: the
    /// data-check-string's lines sorted, `hash` left out, the secret keyed by "WebAppData".
    #[test]
    fn matches_an_independent_computation() {
        let fields = [("auth_date", "1798520400".to_string()), ("user", r#"{"id":7}"#.to_string())];
        let data = sign(&fields, TOKEN);
        let mut key = HmacSha256::new_from_slice(b"WebAppData").unwrap();
        key.update(TOKEN.as_bytes());
        let mut mac = HmacSha256::new_from_slice(&key.finalize().into_bytes()).unwrap();
        mac.update(b"auth_date=1798520400\nuser={\"id\":7}");
        assert!(data.ends_with(&format!("hash={}", hex(&mac.finalize().into_bytes()))), "{data}");
    }

    #[test]
    fn forged_stale_and_foreign_data_is_refused() {
        let data = for_user(42, "A", "ru", at(), TOKEN);
        assert_eq!(verify(&data, "654321:another-bot", at()), Err(Invalid::BadHash), "another bot's");
        let forged = data.replace("%22id%22%3A42", "%22id%22%3A43");
        assert_ne!(forged, data);
        assert_eq!(verify(&forged, TOKEN, at()), Err(Invalid::BadHash), "another user");
        assert_eq!(verify(&data, TOKEN, at() + Duration::minutes(61)), Err(Invalid::Stale));
        assert_eq!(verify(&data, TOKEN, at() - Duration::minutes(5)), Err(Invalid::Stale), "from the future");
        assert_eq!(verify("", TOKEN, at()), Err(Invalid::Malformed));
        assert_eq!(verify(&format!("{data}&hash=00"), TOKEN, at()), Err(Invalid::Malformed), "two hashes");
        let no_hash = data.split("&hash=").next().unwrap();
        assert_eq!(verify(no_hash, TOKEN, at()), Err(Invalid::Malformed));
        let userless = sign(&[("auth_date", at().timestamp().to_string())], TOKEN);
        assert_eq!(verify(&userless, TOKEN, at()), Err(Invalid::NoUser));
    }
}
