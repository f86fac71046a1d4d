//! The bot token never reaches a log (security review finding 2): it is the key to the bot,
//! and whoever reads it can point the webhook at himself and receive every IIN and code.
//! `ent-bot serve` runs as a child process, as in production, against a Bot API whose
//! `getUpdates` connections are cut, with debug logging on.

use std::time::Duration;

use telegram_emulator::{Emulator, EmulatorConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::spawn_app;
use crate::pipeline::{exit_status, serve};

/// Not 35 characters after the colon, so teloxide's own redaction (which only recognises
/// tokens of Telegram's usual length) does not hide it either: what hides it is ours.
const TOKEN: &str = "123456789:AAH-THIS-IS-THE-SECRET-BOT-TOKEN";
const SECRET: &str = "AAH-THIS-IS-THE-SECRET-BOT-TOKEN";

/// A Bot API in front of `upstream` that hangs up on every `getUpdates` (a reset, as on a
/// flaky network) and relays every other call, one connection per request.
async fn cutting_get_updates(upstream: std::net::SocketAddr) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                if text.lines().next().is_some_and(|l| l.contains("/getUpdates")) {
                    return; // dropped: the connection closes before any answer
                }
                // Each request on a connection of its own, so a kept-alive connection
                // cannot carry a getUpdates past the check above.
                let (line, rest) = text.split_once("\r\n").unwrap();
                let head = format!("{line}\r\nConnection: close\r\n{rest}");
                let Ok(mut server) = TcpStream::connect(upstream).await else { return };
                if server.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_failing_get_updates_does_not_log_the_token() {
    let mut app = spawn_app().await;
    app.app.take().unwrap().stop().await;
    let config = EmulatorConfig { token: TOKEN.into(), ..Default::default() };
    let (_emulator, upstream) = Emulator::serve(config).await.unwrap();
    let api = cutting_get_updates(upstream).await;
    let api_url = format!("http://{api}/");
    let child = serve(&app, &[("BOT_TOKEN", TOKEN), ("TELEGRAM_API_URL", &api_url), ("RUST_LOG", "debug")]);

    // The failure is logged (the backoff makes the second one come a second later).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let log = std::fs::read_to_string(&child.1).unwrap_or_default();
        if log.matches("getUpdates failed").count() >= 2 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no getUpdates failure logged:\n{log}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let term =
        std::process::Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().unwrap();
    assert!(term.success());
    let (status, log) = exit_status(child, Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "{log}");

    assert!(log.contains("connected to the Bot API"), "the other calls went through:\n{log}");
    let failure = log.lines().find(|l| l.contains("getUpdates failed")).unwrap();
    assert!(!failure.contains(SECRET), "the token leaked into the log: {failure}");
    assert!(!log.contains(TOKEN) && !log.contains(SECRET), "the token leaked into the log:\n{log}");
}
