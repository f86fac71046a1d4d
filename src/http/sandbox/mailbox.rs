//! `/mailbox`: the emails the bot sent (the in-memory mailer), newest first, as a page and
//! as JSON for scripts.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;
use serde_json::{Value, json};

use super::{ApiError, Sandbox, html_page};

pub(super) async fn api_mailbox(State(sandbox): State<Sandbox>) -> Result<Json<Value>, ApiError> {
    let ctx = &sandbox.attached()?.ctx;
    let mails: Vec<Value> = ctx
        .mailer
        .mailbox()
        .into_iter()
        .map(|m| {
            json!({
                "at": m.at.to_rfc3339(),
                "to": m.email.to.as_str(),
                "subject": m.email.subject,
                "text": m.email.text,
                "html": m.email.html,
            })
        })
        .collect();
    Ok(Json(json!({ "emails": mails })))
}

#[derive(Serialize)]
struct MailView {
    subject: String,
    to: String,
    /// Local time of sending, `dd.mm.yyyy HH:MM:SS`.
    at: String,
    text: String,
    /// The email's own HTML: the template puts it, escaped, into a sandboxed frame's srcdoc.
    html: String,
}

pub(super) async fn page(State(sandbox): State<Sandbox>) -> Result<Response, ApiError> {
    let ctx = &sandbox.attached()?.ctx;
    let mails: Vec<MailView> = ctx
        .mailer
        .mailbox()
        .into_iter()
        .map(|m| MailView {
            at: m.at.with_timezone(&ctx.config.timezone).format("%d.%m.%Y %H:%M:%S").to_string(),
            to: m.email.to.as_str().to_owned(),
            subject: m.email.subject,
            text: m.email.text,
            html: m.email.html,
        })
        .collect();
    let smtp = matches!(ctx.mailer, crate::mail::Mailer::Smtp { .. });
    html_page("sandbox/mailbox.html", context! { smtp, mails => Serde(&mails) })
}
