//! An SMTP sink that keeps the newest confirmation code per recipient: the simulated
//! applicants read their codes from it. It speaks what lettre needs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Notify;

#[derive(Clone)]
pub struct Mailbox {
    addr: SocketAddr,
    codes: Arc<Mutex<HashMap<String, String>>>,
    mails: Arc<AtomicU64>,
    arrived: Arc<Notify>,
}

impl Mailbox {
    /// Listens on `addr` (`127.0.0.1:0` for any free port).
    pub async fn start(addr: SocketAddr) -> anyhow::Result<Mailbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let mailbox = Mailbox {
            addr: listener.local_addr()?,
            codes: Arc::default(),
            mails: Arc::default(),
            arrived: Arc::default(),
        };
        let inbox = mailbox.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let inbox = inbox.clone();
                tokio::spawn(async move {
                    let _ = inbox.session(socket).await;
                });
            }
        });
        Ok(mailbox)
    }

    /// What the bot's `SMTP_URL` must be.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn mails(&self) -> u64 {
        self.mails.load(Ordering::Relaxed)
    }

    pub fn code(&self, to: &str) -> Option<String> {
        self.codes.lock().expect("not poisoned").get(&to.to_lowercase()).cloned()
    }

    /// The code mailed to `to`, once it arrived (the bot mails it while handling the update
    /// that asked, and may answer the chat first).
    pub async fn wait_code(&self, to: &str, within: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(code) = self.code(to) {
                return Some(code);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.code(to);
            }
        }
    }

    async fn session(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.rehearsal ESMTP\r\n").await?;
        let mut rcpt: Vec<String> = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let upper = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink.rehearsal\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("RCPT TO") {
                let addr =
                    line.trim_end()[8..].trim().trim_start_matches('<').split('>').next().unwrap_or("");
                rcpt.push(addr.to_lowercase());
                b"250 OK\r\n"
            } else if upper.starts_with("MAIL FROM") || upper.starts_with("RSET") {
                rcpt.clear();
                b"250 OK\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let Some(data) = read_data(&mut lines).await? else {
                    return Ok(());
                };
                if let Some(code) = code_in(&data) {
                    let mut codes = self.codes.lock().expect("not poisoned");
                    for to in rcpt.drain(..) {
                        codes.insert(to, code.clone());
                    }
                }
                self.mails.fetch_add(1, Ordering::Relaxed);
                self.arrived.notify_waiters();
                b"250 OK queued\r\n"
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"250 OK\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}

/// The six-digit code of a confirmation email: the first six-digit run of its text part,
/// decoded (lettre writes Cyrillic text as quoted-printable or base64).
/// An SMTP `DATA` section up to its lone `.` line, dot-unstuffed; `None` when the client
/// hung up before the end. (The tests' SMTP sink reads messages with it too.)
pub async fn read_data(lines: &mut (impl AsyncBufRead + Unpin)) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        if line == ".\r\n" || line == ".\n" {
            return Ok(Some(data));
        }
        let bytes = line.as_bytes();
        data.extend_from_slice(if line.starts_with("..") { &bytes[1..] } else { bytes });
    }
}

fn code_in(message: &[u8]) -> Option<String> {
    let text = mail_parser::MessageParser::default().parse(message)?.body_text(0)?.into_owned();
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_string)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_code_in_the_body_only() {
        let mail = "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <123456@x>\r\n\
                    Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
                    0JLQsNGIINC60L7QtDogNDgyOTEz\r\n";
        assert_eq!(super::code_in(mail.as_bytes()).as_deref(), Some("482913"));
        assert_eq!(super::code_in(b"Subject: x\r\n\r\nno code here"), None);
    }
}
