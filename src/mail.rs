//! Outgoing email: SMTP through lettre, or an in-memory mailbox in sandbox mode.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::domain::Email;

/// A slow or hung mail server must not hold the applicant's chat for long.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub struct OutgoingEmail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A message kept by the sandbox mailbox.
#[derive(Clone, Debug)]
pub struct StoredEmail {
    pub at: DateTime<Utc>,
    pub email: OutgoingEmail,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail server did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the mail server refused or failed: {0}")]
    Smtp(String),
    #[error("the message could not be built: {0}")]
    Build(String),
}

#[derive(Clone)]
pub enum Mailer {
    Smtp { transport: Box<AsyncSmtpTransport<Tokio1Executor>>, from: Mailbox },
    Mailbox(Arc<Mutex<Vec<StoredEmail>>>),
}

impl Mailer {
    /// SMTP when `SMTP_URL` is set; otherwise the in-memory mailbox (sandbox).
    pub fn new(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Mailer> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
                    .timeout(Some(SEND_TIMEOUT))
                    .build();
                let from: Mailbox = from.parse().map_err(|e| anyhow::anyhow!("MAIL_FROM `{from}`: {e}"))?;
                Ok(Mailer::Smtp { transport: Box::new(transport), from })
            }
            None => Ok(Mailer::Mailbox(Arc::default())),
        }
    }

    pub async fn send(&self, email: OutgoingEmail, now: DateTime<Utc>) -> Result<(), MailError> {
        match self {
            Mailer::Mailbox(store) => {
                store.lock().expect("mailbox mutex").push(StoredEmail { at: now, email });
                Ok(())
            }
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = email
                    .to
                    .as_str()
                    .parse()
                    .map_err(|e: lettre::address::AddressError| MailError::Build(e.to_string()))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(email.subject)
                    .multipart(MultiPart::alternative_plain_html(email.text, email.html))
                    .map_err(|e| MailError::Build(e.to_string()))?;
                match tokio::time::timeout(SEND_TIMEOUT, transport.send(message)).await {
                    Err(_) => Err(MailError::Timeout(SEND_TIMEOUT)),
                    Ok(Err(e)) => Err(MailError::Smtp(smtp_summary(&e))),
                    Ok(Ok(_)) => Ok(()),
                }
            }
        }
    }

    /// Connects, negotiates TLS and logs in as `SMTP_URL` says, and says goodbye without
    /// sending anything (`ent-bot doctor`). The mailbox always passes.
    pub async fn check(&self) -> Result<(), MailError> {
        let Mailer::Smtp { transport, .. } = self else { return Ok(()) };
        match tokio::time::timeout(SEND_TIMEOUT, transport.test_connection()).await {
            Err(_) => Err(MailError::Timeout(SEND_TIMEOUT)),
            Ok(Err(e)) => Err(MailError::Smtp(smtp_summary(&e))),
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(MailError::Smtp("the server did not answer NOOP".into())),
        }
    }

    /// The sandbox mailbox, newest first; empty for SMTP.
    pub fn mailbox(&self) -> Vec<StoredEmail> {
        match self {
            Mailer::Mailbox(store) => store.lock().expect("mailbox mutex").iter().rev().cloned().collect(),
            Mailer::Smtp { .. } => vec![],
        }
    }
}

/// What went wrong, without the server's words: a refusal quotes the recipient's address
/// back (`550 5.1.1 <aigerim@mail.kz>: Recipient address rejected`), and this text goes to
/// the logs. The kind and the reply code are enough to act on.
fn smtp_summary(e: &lettre::transport::smtp::Error) -> String {
    let kind = if e.is_permanent() {
        "permanent error"
    } else if e.is_transient() {
        "transient error"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_tls() {
        "TLS error"
    } else if e.is_response() {
        "unreadable response"
    } else if e.is_client() {
        "client error"
    } else {
        "connection error"
    };
    match e.status() {
        Some(code) => format!("{kind}, SMTP {code}"),
        None => kind.to_string(),
    }
}

/// Escapes text for the HTML part of a message.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
