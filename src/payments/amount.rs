//! Provider amounts: decimal strings like «5640.00», kept in tiyn so a fraction of a
//! tenge can never round into a match.

use crate::domain::Money;

/// «5640», «5640.0», «5640.00» → tiyn. Anything else (signs, commas, three decimals,
/// absurd lengths) is malformed.
pub fn parse_tiyn(s: &str) -> Option<i64> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || frac.len() > 2 || !digits(whole) || !digits(frac) {
        return None;
    }
    if s.ends_with('.') {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(frac)
}

pub fn tiyn(money: Money) -> i64 {
    i64::try_from(money.tenge()).unwrap_or(i64::MAX / 100) * 100
}

/// «5640.00», as providers write amounts.
pub fn format_tiyn(tiyn: i64) -> String {
    format!("{}.{:02}", tiyn / 100, tiyn % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_provider_amounts_exactly() {
        assert_eq!(parse_tiyn("5640"), Some(564_000));
        assert_eq!(parse_tiyn("5640.0"), Some(564_000));
        assert_eq!(parse_tiyn("5640.00"), Some(564_000));
        assert_eq!(parse_tiyn("5640.5"), Some(564_050));
        assert_eq!(parse_tiyn("5640.05"), Some(564_005));
        for bad in
            ["", ".", "5640.", ".50", "-5640", "+5640", "5,640", "5640.001", "56 40", "1e3", "9999999999999"]
        {
            assert_eq!(parse_tiyn(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_as_providers_write() {
        assert_eq!(format_tiyn(564_000), "5640.00");
        assert_eq!(format_tiyn(564_005), "5640.05");
        assert_eq!(tiyn(Money::from_tenge(5640)), 564_000);
    }
}
