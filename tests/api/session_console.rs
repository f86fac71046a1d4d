//! The console's session page (#21 item 6): timelines and figures for operators; an admin's
//! settings, venue and sheet changes checked and planned as `session check` does and
//! applied as `session apply` does, audited.

use reqwest::StatusCode;

use crate::console::{OPERATOR, console_app, scalar};
use crate::helpers::console::{hidden, hidden_text, sign_in};

async fn fee(app: &crate::helpers::TestApp) -> i32 {
    scalar(app, "SELECT fee_tenge FROM campaigns").await
}

#[tokio::test]
async fn operators_read_the_timeline_and_admins_change_the_fee_with_the_live_rule() {
    let (app, admin, operator) = console_app().await;
    let code: String = scalar(&app, "SELECT code FROM campaigns").await;

    let reader = sign_in(&app, &operator).await;
    let (status, page) = reader.get("/console/session").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(&code) && page.contains("регистрация идёт"), "{page}");
    let venues: i64 = scalar(&app, "SELECT count(*) FROM venues").await;
    let slots: i64 = scalar(&app, "SELECT count(*) FROM slots").await;
    assert!(page.contains(&format!("площадок: {venues}, слотов: {slots}")), "figures: {page}");
    assert!(!page.contains("/settings"), "an operator gets no form: {page}");
    let csrf = reader.csrf().await;
    let (status, _) = reader.post(&format!("/console/session/{code}/settings"), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let browser = sign_in(&app, &admin).await;
    let (_, page) = browser.get("/console/session").await;
    let csrf = hidden(&page, "csrf");
    let form = |fee: &'static str, closes: String| {
        let opens = hidden_value(&page, "registration_opens");
        vec![
            ("csrf", csrf.clone()),
            ("registration_opens", opens),
            ("registration_closes", closes),
            ("tests_from", hidden_value(&page, "tests_from")),
            ("tests_until", hidden_value(&page, "tests_until")),
            ("fee_tenge", fee.to_string()),
            ("payment_window_minutes", "60".to_string()),
        ]
    };
    let closes = hidden_value(&page, "registration_closes");
    let post = |f: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        let path = format!("/console/session/{code}/settings");
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post(&path, &f).await
        }
    };

    // Dates out of order: the file's rule, named by its key; nothing written.
    let (status, plan) = post(form("6000", "2020-01-01T00:00".into())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(plan.contains("registration_closes must be after registration_opens"), "{plan}");

    // The fee of an opened campaign: refused without the live-changes permission.
    let (status, plan) = post(form("6000", closes.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{plan}");
    assert!(plan.contains("fee_tenge: 5640 → 6000"), "{plan}");
    assert_eq!(fee(&app).await, 5640);
    let text = hidden_text(&plan, "text");
    let apply = format!("/console/session/{code}/apply");
    let (status, page) = browser.post(&apply, &[("csrf", &csrf), ("text", &text)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert_eq!(fee(&app).await, 5640);
    let (status, page) =
        browser.post(&apply, &[("csrf", &csrf), ("text", &text), ("allow_live_changes", "1")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Применено"), "{page}");
    assert_eq!(fee(&app).await, 6000);
    let audited: i64 =
        scalar(&app, "SELECT count(*) FROM audit_log WHERE action = 'session_apply' AND actor_id = 9001")
            .await;
    assert_eq!(audited, 1);

    // The same settings again: nothing to change.
    let (_, page) = browser.get("/console/session").await;
    let (status, plan) = post(form("6000", hidden_value(&page, "registration_closes"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(plan.contains("nothing to change"), "{plan}");
    let _ = OPERATOR;
}

/// An input's value in the page (the settings form's fields are inputs, not hidden).
fn hidden_value(page: &str, name: &str) -> String {
    hidden(page, name)
}

#[tokio::test]
async fn a_venue_is_added_and_a_bad_sheet_is_refused_with_its_line() {
    let (app, admin, _) = console_app().await;
    let code: String = scalar(&app, "SELECT code FROM campaigns").await;
    let browser = sign_in(&app, &admin).await;
    let csrf = browser.csrf().await;
    let venue = [
        ("csrf", csrf.as_str()),
        ("code", "ast-9"),
        ("city", "astana"),
        ("name_kk", "№9 мектеп"),
        ("name_ru", "Школа №9"),
        ("address_kk", "Астана қ., Абай д., 9"),
        ("address_ru", "г. Астана, пр. Абая, 9"),
    ];
    let (status, plan) = browser.post(&format!("/console/session/{code}/venue"), &venue).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert!(plan.contains("1 added (ast-9)"), "{plan}");
    let text = hidden_text(&plan, "text");
    let (status, page) =
        browser.post(&format!("/console/session/{code}/apply"), &[("csrf", &csrf), ("text", &text)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let name: String = scalar(&app, "SELECT name_ru FROM venues WHERE code = 'ast-9'").await;
    assert_eq!(name, "Школа №9");

    // A venue of a city nobody loaded: the file's rule.
    let mut bad = venue;
    bad[2] = ("city", "atlantis");
    let (status, plan) = browser.post(&format!("/console/session/{code}/venue"), &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(plan.contains("atlantis"), "{plan}");

    // A venue sheet with a shifted column: refused with its line, nothing written.
    let sheet = "code,city_code,name_kk,name_ru,address_kk,address_ru\n\
                 ast-1,ЕҰУ,ЕНУ,Астана қ.,г. Астана\n";
    let venues: i64 = scalar(&app, "SELECT count(*) FROM venues").await;
    let fields = [("csrf", csrf.as_str()), ("kind", "venues")];
    let (status, plan) = browser
        .post_file(&format!("/console/session/{code}/sheet"), &fields, ("venues.csv", sheet.as_bytes()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{plan}");
    assert!(plan.contains("venues.csv:2"), "{plan}");
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM venues").await, venues);

    // Rows that name a server file instead of carrying the rows are refused.
    let forged = text.replacen("[[venues]]", "venues = \"/etc/passwd\"\n[[x]]", 1);
    let (status, _) =
        browser.post(&format!("/console/session/{code}/apply"), &[("csrf", &csrf), ("text", &forged)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
