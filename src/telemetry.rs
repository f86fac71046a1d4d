//! Structured logs. Personal data (IIN, email, phone, codes) is masked before it reaches a log.

use tracing_subscriber::{EnvFilter, fmt};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,teloxide=info,hyper=warn"));
    let _ = fmt().with_env_filter(filter).with_target(true).try_init();
}

/// `080315600016` → `0803******16`; keeps enough to tell records apart in a log.
pub fn mask_digits(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let keep_head = 4.min(chars.len() / 3);
    let keep_tail = 2;
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep_head || i >= chars.len() - keep_tail { *c } else { '*' })
        .collect()
}

/// `aigerim.n@mail.kz` → `a***@mail.kz`.
pub fn mask_email(s: &str) -> String {
    match s.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_iin_and_phone() {
        assert_eq!(mask_digits("080315600016"), "0803******16");
        assert_eq!(mask_digits("+77011234567"), "+770******67");
        assert_eq!(mask_digits("123456"), "******");
    }

    #[test]
    fn masks_email() {
        assert_eq!(mask_email("aigerim.n@mail.kz"), "a***@mail.kz");
        assert_eq!(mask_email("nonsense"), "***");
    }
}
