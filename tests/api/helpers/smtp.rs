//! A real SMTP server on loopback that keeps what it receives, for the tests. It speaks
//! just enough ESMTP for lettre: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    mails: Mutex<Vec<ReceivedMail>>,
    down: AtomicBool,
    reject_recipients: AtomicBool,
    arrived: Notify,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let inner = Arc::new(Inner::default());
        let srv = inner.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let srv = srv.clone();
                tokio::spawn(async move {
                    let _ = session(socket, srv).await;
                });
            }
        });
        SmtpSink { port, inner }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// While down, the server answers every connection with 421 and hangs up.
    pub fn set_down(&self, down: bool) {
        self.inner.down.store(down, Ordering::SeqCst);
    }

    /// While set, every recipient is refused with a 550 that quotes the address back, as
    /// real servers do.
    pub fn set_reject_recipients(&self, reject: bool) {
        self.inner.reject_recipients.store(reject, Ordering::SeqCst);
    }

    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.inner.mails.lock().unwrap().clone()
    }

    pub fn mails_to(&self, address: &str) -> Vec<ReceivedMail> {
        self.mails().into_iter().filter(|m| m.to.iter().any(|t| t == address)).collect()
    }

    /// Waits until `count` messages have arrived in total.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.inner.arrived.notified();
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {count} emails, the sink has {}", self.mails().len());
            }
        }
    }

    /// The 6-digit code in the newest message to `address`.
    pub fn last_code_for(&self, address: &str) -> String {
        let mail = self.mails_to(address).pop().unwrap_or_else(|| panic!("no email to {address}"));
        extract_code(&mail.text).unwrap_or_else(|| panic!("no code in: {}", mail.text))
    }
}

pub fn extract_code(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_string)
}

async fn session(socket: tokio::net::TcpStream, srv: Arc<Inner>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    if srv.down.load(Ordering::SeqCst) {
        write.write_all(b"421 sink.test Service not available\r\n").await?;
        return Ok(());
    }
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut rcpt = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM") {
            rcpt.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO") {
            let addr = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or("")
                .to_string();
            if srv.reject_recipients.load(Ordering::SeqCst) {
                let refusal = format!("550 5.1.1 <{addr}>: Recipient address rejected: User unknown\r\n");
                write.write_all(refusal.as_bytes()).await?;
                continue;
            }
            rcpt.push(addr.to_lowercase());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let Some(data) = ent_bot::rehearse::mailbox::read_data(&mut lines).await? else {
                return Ok(());
            };
            let parsed = mail_parser::MessageParser::default().parse(&data[..]).expect("parsable email");
            let mail = ReceivedMail {
                to: rcpt.clone(),
                subject: parsed.subject().unwrap_or_default().to_string(),
                text: parsed.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
                html: parsed.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
            };
            srv.mails.lock().unwrap().push(mail);
            srv.arrived.notify_waiters();
            b"250 OK queued\r\n"
        } else if upper.starts_with("RSET") {
            rcpt.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
