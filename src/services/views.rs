//! The audit of personal-data views: every page or answer that shows applicants (bot
//! `/find`, the console's application lists and refund queue) writes one audit row naming
//! whose data it showed — the applicants' and applications' ids — and the filter that
//! chose them, with a typed IIN, email or phone masked as the logs mask them.

use serde_json::{Value, json};

use crate::db::audit;
use crate::domain::{Email, Iin, Phone};

/// What a typed search was, fit for the audit log: an IIN, email or phone masked; an
/// application or order number as typed (they name a record, not a person); of anything
/// else (a name, a typo) only its length.
pub fn masked_query(query: &str) -> Value {
    let q = query.trim();
    let number = q.trim_start_matches(['№', '#']).trim();
    if q.is_empty() {
        Value::Null
    } else if let Ok(iin) = Iin::parse(q) {
        json!({ "iin": iin.masked() })
    } else if let Ok(email) = Email::parse(q) {
        json!({ "email": email.masked() })
    } else if let Ok(phone) = Phone::parse(q) {
        json!({ "phone": phone.masked() })
    } else if !number.is_empty() && number.len() <= 18 && number.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "number": number })
    } else {
        json!({ "unrecognised": q.chars().count() })
    }
}

/// Whose data a view showed.
#[derive(Debug, Default)]
pub struct Shown {
    pub applicants: Vec<i64>,
    pub applications: Vec<i64>,
}

impl Shown {
    pub fn add(&mut self, applicant: i64, application: Option<i64>) {
        if !self.applicants.contains(&applicant) {
            self.applicants.push(applicant);
        }
        if let Some(id) = application
            && !self.applications.contains(&id)
        {
            self.applications.push(id);
        }
    }
}

/// One audit row for a view: `filter` (already masked) and the ids shown. The target names
/// the applicant when the view showed exactly one, so the audit page's target filter finds it.
pub async fn record(
    db: impl sqlx::PgExecutor<'_>,
    actor: i64,
    action: &str,
    filter: Value,
    shown: &Shown,
) -> sqlx::Result<()> {
    let target = match shown.applicants.as_slice() {
        [one] => format!("applicant:{one}"),
        _ => String::new(),
    };
    let details = json!({
        "filter": filter,
        "applicants": shown.applicants,
        "applications": shown.applications,
    });
    audit::record(db, actor, action, &target, details).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_kept_masked() {
        assert_eq!(masked_query(" 0803 1560 0016 "), json!({ "iin": "0803******16" }));
        assert_eq!(masked_query("Aigerim@Mail.kz"), json!({ "email": "a***@mail.kz" }));
        assert_eq!(masked_query("8 701 000 78 01"), json!({ "phone": "+7701*****01" }));
        assert_eq!(masked_query("№42"), json!({ "number": "42" }));
        assert_eq!(masked_query("Сейтқали"), json!({ "unrecognised": 8 }));
        assert_eq!(masked_query(""), Value::Null);
    }
}
