//! What the applicant is told about paying, whether he asked (a button) or not (a reminder,
//! the confirmation, the annulment, a late payment): texts and their buttons. Rendered
//! once, so the bot and the jobs say exactly the same thing.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::callback::Callback;
use crate::db::catalog::SlotPlace;
use crate::domain::Money;
use crate::format;
use crate::i18n::{I18n, Locale};
use crate::payments::Method;

/// Whole minutes left, rounded up: «1 min» until the very last second.
pub fn minutes_left(deadline: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let seconds = (deadline - now).num_seconds().max(0);
    (seconds + 59) / 60
}

/// A message with optional inline buttons.
#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub markup: Option<InlineKeyboardMarkup>,
}

/// Everything the texts about one held seat mention.
#[derive(Clone, Copy, Debug)]
pub struct Due {
    pub application_id: i64,
    pub fee: Money,
    pub deadline: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub tz: Tz,
    /// False with `CARD_PAYMENTS=off`: only Kaspi is offered.
    pub card: bool,
}

impl Due {
    fn args(&self) -> Vec<(&'static str, fluent_bundle::FluentValue<'static>)> {
        vec![
            ("id", self.application_id.into()),
            ("fee", self.fee.to_string().into()),
            ("deadline", format::time(self.deadline, self.tz).into()),
            ("minutes", minutes_left(self.deadline, self.now).into()),
        ]
    }
}

pub fn options_keyboard(i18n: &I18n, locale: Locale, due: &Due) -> InlineKeyboardMarkup {
    let pay = |method| Callback::Pay { method, application: due.application_id };
    let kaspi = pay(Method::Kaspi).button(i18n.t(locale, "pay-button-kaspi"));
    if !due.card {
        return InlineKeyboardMarkup::new([[kaspi]]);
    }
    let card = pay(Method::Card).button(i18n.t(locale, "pay-button-card"));
    InlineKeyboardMarkup::new([[card, kaspi]])
}

pub fn options(i18n: &I18n, locale: Locale, due: &Due) -> Notice {
    Notice {
        text: i18n.f(locale, "pay-choose", &due.args()),
        markup: Some(options_keyboard(i18n, locale, due)),
    }
}

pub fn reminder(i18n: &I18n, locale: Locale, due: &Due) -> Notice {
    Notice {
        text: i18n.f(locale, "pay-reminder", &due.args()),
        markup: Some(options_keyboard(i18n, locale, due)),
    }
}

/// `service`: the name that finds the NCT in Kaspi «Payments» (`KASPI_SERVICE_NAME`).
pub fn kaspi(i18n: &I18n, locale: Locale, due: &Due, order: &str, service: &str) -> Notice {
    let mut args = due.args();
    args.push(("order", order.to_string().into()));
    args.push(("service", service.to_string().into()));
    Notice { text: i18n.f(locale, "pay-kaspi", &args), markup: None }
}

pub fn card(i18n: &I18n, locale: Locale, due: &Due, order: &str, url: &str) -> Notice {
    let mut args = due.args();
    args.push(("order", order.to_string().into()));
    args.push(("url", url.to_string().into()));
    let markup = url::Url::parse(url).ok().map(|u| {
        let open = i18n.f(locale, "pay-card-open", &[("fee", due.fee.to_string().into())]);
        InlineKeyboardMarkup::new([[InlineKeyboardButton::url(open, u)]])
    });
    Notice { text: i18n.f(locale, "pay-card", &args), markup }
}

pub fn confirmed(
    i18n: &I18n,
    locale: Locale,
    application_id: i64,
    fee: Money,
    order: &str,
    place: &SlotPlace,
    tz: Tz,
) -> String {
    let args = [
        ("id", application_id.into()),
        ("fee", fee.to_string().into()),
        ("order", order.to_string().into()),
        ("venue", place.venue.text(locale).to_string().into()),
        ("address", place.address.text(locale).to_string().into()),
        ("city", place.city.text(locale).to_string().into()),
        ("date", format::long_date(format::local_date(place.starts_at, tz), locale).into()),
        ("time", format::time(place.starts_at, tz).into()),
    ];
    i18n.f(locale, "pay-confirmed", &args)
}

pub fn late(
    i18n: &I18n,
    locale: Locale,
    application_id: i64,
    fee: Money,
    order: &str,
    refund_email: &str,
) -> String {
    let args = [
        ("id", application_id.into()),
        ("fee", fee.to_string().into()),
        ("order", order.to_string().into()),
        ("email", refund_email.to_string().into()),
    ];
    i18n.f(locale, "pay-late", &args)
}

pub fn annulled(i18n: &I18n, locale: Locale, application_id: i64, window_minutes: i32) -> String {
    i18n.f(locale, "pay-annulled", &[("id", application_id.into()), ("window", window_minutes.into())])
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn minutes_round_up() {
        let t = Utc.with_ymd_and_hms(2026, 12, 22, 5, 0, 0).unwrap();
        assert_eq!(minutes_left(t + Duration::minutes(60), t), 60);
        assert_eq!(minutes_left(t + Duration::seconds(61), t), 2);
        assert_eq!(minutes_left(t + Duration::seconds(1), t), 1);
        assert_eq!(minutes_left(t, t), 0);
        assert_eq!(minutes_left(t - Duration::minutes(5), t), 0);
    }

    #[test]
    fn texts_carry_the_amount_and_time_in_both_languages() {
        let i18n = I18n::load().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 22, 5, 0, 0).unwrap();
        let due = Due {
            application_id: 7,
            fee: Money::from_tenge(5640),
            deadline: now + Duration::minutes(60),
            now,
            tz: chrono_tz::Asia::Almaty,
            card: true,
        };
        for locale in Locale::ALL {
            let k = kaspi(&i18n, locale, &due, "123456789012", "ҰТО НЦТ");
            assert!(
                k.text.contains("5\u{a0}640\u{a0}₸")
                    && k.text.contains("123456789012")
                    && k.text.contains("11:00")
                    && k.text.contains("«ҰТО НЦТ»"),
                "{}",
                k.text
            );
            let o = options(&i18n, locale, &due);
            assert!(o.text.contains("60"), "{}", o.text);
            assert_eq!(o.markup.unwrap().inline_keyboard[0].len(), 2);
        }
    }
}
