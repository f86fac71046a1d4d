//! Order numbers: what an applicant types into the Kaspi app and what the card gateway
//! gets as InvoiceId. Eleven random digits and a Luhn check digit: nobody can guess the
//! next order from his own, and a mistyped digit is caught before any lookup (Kaspi's
//! «malformed account» instead of «not found»).

use rand::Rng;

pub const LEN: usize = 12;

pub fn generate(rng: &mut impl Rng) -> String {
    let payload: u64 = rng.gen_range(10_000_000_000..100_000_000_000);
    let payload = payload.to_string();
    let check = luhn_check_digit(&payload);
    format!("{payload}{check}")
}

/// Twelve digits with a valid check digit.
pub fn is_well_formed(s: &str) -> bool {
    s.len() == LEN
        && s.bytes().all(|b| b.is_ascii_digit())
        && luhn_check_digit(&s[..LEN - 1]) == s.as_bytes()[LEN - 1] - b'0'
}

/// Luhn over ASCII digits: doubling every second digit from the right catches every
/// single-digit error and most swaps of neighbours.
fn luhn_check_digit(payload: &str) -> u8 {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn generated_numbers_are_well_formed_and_spread() {
        let mut rng = StdRng::seed_from_u64(7);
        let numbers: Vec<String> = (0..1000).map(|_| generate(&mut rng)).collect();
        assert!(numbers.iter().all(|n| is_well_formed(n)), "{numbers:?}");
        let distinct: std::collections::HashSet<_> = numbers.iter().collect();
        assert_eq!(distinct.len(), numbers.len());
        assert!(numbers.iter().all(|n| !n.starts_with('0')));
    }

    #[test]
    fn catches_typos() {
        // The textbook Luhn example: 7992739871 has check digit 3.
        assert_eq!(luhn_check_digit("7992739871"), 3);
        let mut rng = StdRng::seed_from_u64(1);
        let good = generate(&mut rng);
        for i in 0..LEN {
            let mut typo = good.clone().into_bytes();
            typo[i] = if typo[i] == b'9' { b'0' } else { typo[i] + 1 };
            assert!(!is_well_formed(std::str::from_utf8(&typo).unwrap()), "digit {i} of {good}");
        }
        assert!(!is_well_formed("12345"));
        assert!(!is_well_formed("12345678901a"));
    }
}
