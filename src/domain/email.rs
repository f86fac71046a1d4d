//! An email address as applicants type it on a phone: trimmed and lowercased, then checked
//! pragmatically. The real proof is the confirmation code we send to it.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("the email is empty")]
    Empty,
    #[error("the email is longer than 254 characters")]
    TooLong,
    #[error("the email contains a space")]
    ContainsSpace,
    #[error("the email must contain exactly one @")]
    NotOneAt,
    #[error("the part before @ is empty, longer than 64 characters or has characters an address cannot have")]
    BadLocalPart,
    #[error("the part after @ is not a domain such as mail.kz")]
    BadDomain,
}

impl Email {
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if email.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        if email.chars().any(char::is_whitespace) {
            return Err(EmailError::ContainsSpace);
        }
        let (local, domain) = match email.split('@').collect::<Vec<_>>()[..] {
            [local, domain] => (local, domain),
            _ => return Err(EmailError::NotOneAt),
        };
        if !is_local_part(local) {
            return Err(EmailError::BadLocalPart);
        }
        if !is_domain(domain) {
            return Err(EmailError::BadDomain);
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `a***@mail.kz`: the domain helps support, the name stays private.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').expect("checked by parse");
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

/// ASCII only: a Cyrillic letter here is nearly always a keyboard-layout slip, and SMTP
/// servers without SMTPUTF8 would refuse it anyway.
fn is_local_part(local: &str) -> bool {
    const SPECIALS: &str = ".!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

/// Letters, digits and hyphens in ASCII labels (internationalised domains would need
/// punycode, which applicants do not type); the last label is alphabetic, which catches
/// `mail.ru1`-style slips.
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lowercases() {
        assert_eq!(Email::parse("  Aigerim.N@Mail.KZ \n").unwrap().as_str(), "aigerim.n@mail.kz");
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in ["a@b.kz", "first.last+ent@gmail.com", "user_1@sub.domain-x.edu.kz", "o'brien@mail.ru"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_with_a_reason() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        assert_eq!(Email::parse("aigerim mail.kz"), Err(EmailError::ContainsSpace));
        assert_eq!(Email::parse("ai gerim@mail.kz"), Err(EmailError::ContainsSpace));
        assert_eq!(Email::parse("aigerim.mail.kz"), Err(EmailError::NotOneAt));
        assert_eq!(Email::parse("a@b@mail.kz"), Err(EmailError::NotOneAt));
        assert_eq!(Email::parse("@mail.kz"), Err(EmailError::BadLocalPart));
        assert_eq!(Email::parse(".a@mail.kz"), Err(EmailError::BadLocalPart));
        assert_eq!(Email::parse("a..b@mail.kz"), Err(EmailError::BadLocalPart));
        assert_eq!(Email::parse("айгерим@mail.kz"), Err(EmailError::BadLocalPart));
        assert_eq!(Email::parse("a@mailkz"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@mail..kz"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@mail.kz."), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@-mail.kz"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@mail_x.kz"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@mail.ru1"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@почта.kz"), Err(EmailError::BadDomain));
    }

    #[test]
    fn length_limits() {
        let local64 = "a".repeat(64);
        assert!(Email::parse(&format!("{local64}@mail.kz")).is_ok());
        assert_eq!(Email::parse(&format!("a{local64}@mail.kz")), Err(EmailError::BadLocalPart));
        let long_domain = format!("{}.kz", vec!["b".repeat(60); 5].join("."));
        assert_eq!(Email::parse(&format!("a@{long_domain}")), Err(EmailError::TooLong));
    }

    #[test]
    fn masks_for_logs() {
        assert_eq!(Email::parse("aigerim.n@mail.kz").unwrap().masked(), "a***@mail.kz");
    }
}
