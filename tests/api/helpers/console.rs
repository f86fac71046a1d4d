//! A staff member's browser on the web console: signs in with the link the bot gives for
//! `/console`, keeps the cookie, reads the CSRF token and hidden fields from pages.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use super::{TestApp, TestUser};

pub struct Browser {
    http: reqwest::Client,
    cookie: String,
    base: String,
}

/// Signs `user` in through the link the bot just gave him for `/console`.
pub async fn sign_in(app: &TestApp, user: &TestUser) -> Browser {
    user.send("/console").await;
    let message = user.last();
    let link = message
        .inline_keyboard
        .iter()
        .flatten()
        .find_map(|b| b.url.clone())
        .unwrap_or_else(|| panic!("no link button in: {}", message.text));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = http.get(&link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    Browser { http, cookie, base: app.http_url("") }
}

/// The value of the hidden field `name` in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let field = format!(r#"name="{name}" value=""#);
    let at = page.find(&field).unwrap_or_else(|| panic!("no field `{name}` in: {page}")) + field.len();
    page[at..].split('"').next().unwrap().to_string()
}

impl Browser {
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r =
            self.http.get(format!("{}{path}", self.base)).header(COOKIE, &self.cookie).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// The status, the `Location` of a redirect (or empty) and the body.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let location = r.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
        (r.status(), location, r.text().await.unwrap())
    }

    pub async fn csrf(&self) -> String {
        let (status, page) = self.get("/console/").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        hidden(&page, "csrf")
    }
}
