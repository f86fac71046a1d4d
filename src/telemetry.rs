//! Structured logs. Personal data (IIN, email, phone, codes) is masked before it reaches a log.
//! Secrets (the bot token) are kept out by the code that logs, and, in case a dependency
//! quotes one anyway (reqwest names the request URL, which holds the token, in its errors),
//! cut out of every line and panic message the process writes.

use std::borrow::Cow;
use std::io::Write;
use std::sync::RwLock;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{EnvFilter, fmt};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,teloxide=info,hyper=warn"));
    let _ = fmt().with_env_filter(filter).with_target(true).with_writer(Redacting).try_init();
    std::panic::set_hook(Box::new(redacted_panic));
}

/// What replaces a secret in the output.
const REDACTED: &str = "[redacted]";

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Cuts `secret` out of every log line and panic message from now on. For a bot token
/// (`id:secret`), the part after the colon is cut on its own too (the id is public).
pub fn redact(secret: &str) {
    // A short value would cut ordinary words out of the logs; no real secret is that short.
    const SHORTEST: usize = 8;
    let mut secrets = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    let after_colon = secret.split_once(':').map(|(_, s)| s);
    for part in [Some(secret), after_colon].into_iter().flatten() {
        if part.len() >= SHORTEST && !secrets.iter().any(|s| s == part) {
            secrets.push(part.to_owned());
        }
    }
    // Longest first: the whole token before its secret part.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every registered secret replaced.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    let mut text = Cow::Borrowed(text);
    for secret in secrets.iter() {
        if text.contains(secret.as_str()) {
            text = Cow::Owned(text.replace(secret.as_str(), REDACTED));
        }
    }
    text
}

/// Standard output through [`scrub`]. The formatter writes each event in one call, so a
/// secret is never split between two writes.
struct Redacting;

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = RedactingWriter;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter
    }
}

struct RedactingWriter;

impl Write for RedactingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stdout().lock().write_all(scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}

/// The standard panic message (thread, place, message, backtrace when asked for), scrubbed:
/// an `.expect()` on an error that quotes a URL must not print the token either.
fn redacted_panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    let place =
        info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    let backtrace = std::backtrace::Backtrace::capture();
    let mut text = format!("\nthread '{name}' panicked at {place}:\n{message}\n");
    if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
        text.push_str(&format!("stack backtrace:\n{backtrace}\n"));
    }
    let _ = std::io::stderr().lock().write_all(scrub(&text).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_token_and_its_secret_part_are_cut_out() {
        redact("987654321:ZZZ-unit-test-secret-part");
        let line =
            "url (http://x/bot987654321:ZZZ-unit-test-secret-part/getMe) and ZZZ-unit-test-secret-part";
        assert_eq!(scrub(line), "url (http://x/bot[redacted]/getMe) and [redacted]");
        assert_eq!(scrub("nothing secret here"), "nothing secret here");
    }

    #[test]
    fn short_values_are_not_taken_for_secrets() {
        redact("1:abc");
        assert_eq!(scrub("1:abc and abc"), "1:abc and abc");
    }
}
