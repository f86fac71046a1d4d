//! A staff member's browser on the web console: signs in with the link the bot gives for
//! `/console`, keeps the cookie, reads the CSRF token and hidden fields from pages. One
//! helper for every console test.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use super::{TestApp, TestUser};

#[derive(Clone)]
pub struct Browser {
    http: reqwest::Client,
    cookie: String,
    base: String,
}

/// An HTTP client that does not follow redirects (the tests read them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The sign-in link the bot just gave `user` for `/console`.
pub async fn link_for(user: &TestUser) -> String {
    user.send("/console").await;
    let message = user.last();
    message
        .inline_keyboard
        .iter()
        .flatten()
        .find_map(|b| b.url.clone())
        .unwrap_or_else(|| panic!("no link button in: {}", message.text))
}

/// Signs `user` in through the link the bot just gave him for `/console`; the cookie is
/// HttpOnly, SameSite=Lax, scoped to `/console` (not Secure: `PUBLIC_URL` is http).
pub async fn sign_in(app: &TestApp, user: &TestUser) -> Browser {
    let link = link_for(user).await;
    let http = client();
    let r = http.get(&link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()[LOCATION], "/console/");
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/console"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "PUBLIC_URL is http: {set}");
    let cookie = set.split(';').next().unwrap().to_string();
    Browser { http, cookie, base: app.http_url("") }
}

/// A browser holding the session cookie `cookie` (`name=value`).
pub fn with_cookie(app: &TestApp, cookie: String) -> Browser {
    Browser { http: client(), cookie, base: app.http_url("") }
}

/// A browser with no session.
pub fn anonymous(app: &TestApp) -> Browser {
    Browser { http: client(), cookie: String::new(), base: app.http_url("") }
}

/// A hidden field's value as a browser sends it back: the page's HTML escapes undone.
pub fn hidden_text(page: &str, name: &str) -> String {
    hidden(page, name)
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of the hidden field `name` in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let field = format!(r#"name="{name}" value=""#);
    let at = page.find(&field).unwrap_or_else(|| panic!("no field `{name}` in: {page}")) + field.len();
    page[at..].split('"').next().unwrap().to_string()
}

impl Browser {
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self.request(self.http.get(self.url(path))).await;
        (r.status(), r.text().await.unwrap())
    }

    pub async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let r = self.request(self.http.get(self.url(path))).await;
        (r.status(), r.bytes().await.unwrap().to_vec())
    }

    /// The status and the body.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let (status, _, body) = self.post_full(path, form).await;
        (status, body)
    }

    /// The status, the `Location` of a redirect (or empty) and the body.
    pub async fn post_full(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, String) {
        let r = self.request(self.http.post(self.url(path)).form(form)).await;
        let location = r.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
        (r.status(), location, r.text().await.unwrap())
    }

    /// A multipart form with one file, as a browser uploads it: the status and the body.
    pub async fn post_file(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> (StatusCode, String) {
        let boundary = "ent-test-boundary-7f3a";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                    .bytes(),
            );
        }
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n",
                file.0
            )
            .bytes(),
        );
        body.extend(file.1);
        body.extend(format!("\r\n--{boundary}--\r\n").bytes());
        let request = self
            .http
            .post(self.url(path))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        let r = self.request(request).await;
        (r.status(), r.text().await.unwrap())
    }

    /// The session's CSRF token, read from a page.
    pub async fn csrf(&self) -> String {
        let (status, page) = self.get("/console/").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        hidden(&page, "csrf")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn request(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        request.header(COOKIE, &self.cookie).send().await.unwrap()
    }
}
