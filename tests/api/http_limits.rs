//! The public listener against slow and idle clients (security review, finding 5): a
//! connection may not hold the server by sending its request slowly, by stalling its body
//! or by idling, and the number of connections served at once is capped. Driven over raw
//! TCP, as an attacker would.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, spawn_app_with};

/// Far beyond every timeout the tests set (1 s), far below the 150 s the review saw.
const CLOSED_WITHIN: Duration = Duration::from_secs(10);

fn addr(app: &TestApp) -> SocketAddr {
    app.app.as_ref().expect("app runs").http_addr
}

/// Reads until the server closes the connection; `None` if it is still open after `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    });
    read.await.ok().map(|()| String::from_utf8_lossy(&got).into_owned())
}

/// One whole response (headers and `Content-Length` bytes of body), leaving the connection open.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return text;
            }
        }
        let n = tokio::time::timeout(CLOSED_WITHIN, stream.read(&mut buf))
            .await
            .expect("a response")
            .expect("the connection stays open");
        assert!(n > 0, "closed before a whole response: {text:?}");
        got.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn a_request_whose_headers_trickle_in_is_cut_off() {
    let app = spawn_app_with(&[("HTTP_HEADER_TIMEOUT_SECS", "1")]).await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // Slowloris: a header line now and then, never the blank line that ends them.
    let deadline = tokio::time::Instant::now() + CLOSED_WITHIN;
    let mut closed = false;
    while tokio::time::Instant::now() < deadline {
        if stream.write_all(b"X-Slow: 1\r\n").await.is_err() {
            closed = true;
            break;
        }
        if let Some(answer) = read_until_closed(&mut stream, Duration::from_millis(300)).await {
            assert!(!answer.contains(" 200 "), "an unfinished request was served: {answer}");
            closed = true;
            break;
        }
    }
    assert!(closed, "a connection trickling headers was held for {CLOSED_WITHIN:?}");
}

#[tokio::test]
async fn a_stalled_request_body_gets_408_and_the_connection_is_closed() {
    let app = spawn_app_with(&[("HTTP_BODY_TIMEOUT_SECS", "1")]).await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    // The card gateway's callback as the review sent it: 100 bytes declared, 11 sent.
    stream
        .write_all(
            b"POST /payments/card/pay HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nInvoiceId=1",
        )
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, CLOSED_WITHIN)
        .await
        .expect("a connection with a stalled body must be closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "answered: {answer:?}");
    let applied: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payment_callbacks").fetch_one(app.pool()).await.unwrap();
    assert_eq!(applied, 0, "nothing of a cut-off callback is recorded");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = spawn_app_with(&[("HTTP_IDLE_TIMEOUT_SECS", "1")]).await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    stream.write_all(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answer = read_response(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "answered: {answer:?}");
    // Kept alive after the answer, then nothing more is sent.
    let rest = read_until_closed(&mut stream, CLOSED_WITHIN).await;
    assert_eq!(rest.as_deref(), Some(""), "an idle keep-alive connection was held for {CLOSED_WITHIN:?}");

    // A connection that never sends a byte is idle too.
    let mut silent = TcpStream::connect(addr(&app)).await.unwrap();
    let rest = read_until_closed(&mut silent, CLOSED_WITHIN).await;
    assert_eq!(rest.as_deref(), Some(""), "a silent connection was held for {CLOSED_WITHIN:?}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let app = spawn_app_with(&[("HTTP_MAX_CONNECTIONS", "2"), ("HTTP_IDLE_TIMEOUT_SECS", "60")]).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
        stream.write_all(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 404"));
        held.push(stream); // kept alive, idle
    }

    let mut third = TcpStream::connect(addr(&app)).await.unwrap();
    third.write_all(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_secs(1), third.read(&mut buf)).await;
    assert!(early.is_err(), "the third connection was served while two were held: {early:?}");

    drop(held.pop());
    let answer = read_until_closed(&mut third, CLOSED_WITHIN).await.expect("served once a place is free");
    assert!(answer.starts_with("HTTP/1.1 404"), "answered: {answer:?}");
}

#[tokio::test]
async fn a_request_in_progress_is_not_idle() {
    let app = spawn_app_with(&[("HTTP_IDLE_TIMEOUT_SECS", "1"), ("HTTP_BODY_TIMEOUT_SECS", "10")]).await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    stream
        .write_all(
            b"POST /payments/card/check HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 33\r\n\r\n",
        )
        .await
        .unwrap();
    // A slow but steady body takes longer than the idle timeout, within the body's.
    for part in [&b"InvoiceId=1&"[..], b"Amount=5640&", b"Sign=abcd"] {
        tokio::time::sleep(Duration::from_millis(700)).await;
        stream.write_all(part).await.expect("still open");
    }
    let answer = read_response(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "the unsigned callback is answered, not cut: {answer:?}");
}
