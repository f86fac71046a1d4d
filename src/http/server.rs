//! Serves a router over HTTP/1.1 with limits against clients that hold connections without
//! using them (slowloris, security review finding 5); `axum::serve` has none:
//!
//! - a connection with no request in progress (just opened, or kept alive after a
//!   response) is closed after `idle_timeout`;
//! - from its first byte, a request's headers must be complete within `header_timeout`;
//! - its body must be in within `body_timeout`, or it is answered 408 and the connection
//!   closed;
//! - at most `max_connections` connections are served at once; more wait in the kernel's
//!   listen backlog until one closes.
//!
//! A response takes as long as it takes (a large export to a slow phone is legitimate):
//! no timeout runs while a request is being handled or its response sent.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use http_body::{Body as _, Frame, SizeHint};
use http_body_util::LengthLimitError;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::config::HttpLimits;

/// The largest request body taken (axum's default limit, which the extractors apply too).
const MAX_BODY: usize = 2 * 1024 * 1024;

/// Serves until `stop` resolves, then stops accepting, lets every connection finish the
/// request it is handling (idle ones close at once), and returns when all are closed.
/// `ConnectInfo<SocketAddr>` is in every request, as with `axum::serve`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let places = Arc::new(Semaphore::new(limits.max_connections));
    let (closing, closing_rx) = watch::channel(());
    let mut stop = std::pin::pin!(stop);
    let mut full_since: Option<Instant> = None;
    loop {
        let place = match places.clone().try_acquire_owned() {
            Ok(place) => place,
            Err(_) => {
                // Once a minute at most: a flood would otherwise flood the log too.
                if full_since.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                    full_since = Some(Instant::now());
                    tracing::warn!(
                        max = limits.max_connections,
                        "HTTP connection limit reached; new connections wait (HTTP_MAX_CONNECTIONS)"
                    );
                }
                tokio::select! {
                    place = places.clone().acquire_owned() => place.expect("the semaphore is never closed"),
                    () = &mut stop => break,
                }
            }
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to be released.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let (router, mut closing) = (router.clone(), closing_rx.clone());
        tokio::spawn(async move {
            let _place = place;
            serve_connection(stream, remote, router, limits, &mut closing).await;
        });
    }
    drop(listener);
    closing.send_replace(());
    // Every connection holds a place until it ends.
    let _all = places.acquire_many(limits.max_connections as u32).await;
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    limits: HttpLimits,
    closing: &mut watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let watch = Arc::new(Watch::new(limits));
    let io = TokioIo::new(Watched { inner: stream, watch: watch.clone() });
    let service = {
        let watch = watch.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            handle(router.clone(), remote, limits.body_timeout, Busy::start(watch.clone()), request)
        })
    };
    // Without hyper's own header timer: it would also run while a connection idles, and the
    // watch times both apart.
    let connection =
        hyper::server::conn::http1::Builder::new().header_read_timeout(None).serve_connection(io, service);
    let mut connection = std::pin::pin!(connection);
    let mut stopping = false;
    loop {
        tokio::select! {
            done = connection.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, "HTTP connection ended with an error");
                }
                return;
            }
            () = watch.expired() => {
                // Dropping the connection closes the socket.
                tracing::debug!(%remote, "closing an idle or slow HTTP connection");
                return;
            }
            _ = closing.changed(), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

async fn handle(
    router: Router,
    remote: SocketAddr,
    body_timeout: Duration,
    busy: Busy,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(ConnectInfo(remote));
    let body = if body.is_end_stream() {
        Body::empty()
    } else {
        // Read here, against the clock, so no handler ever waits on a stalled client.
        match tokio::time::timeout(body_timeout, axum::body::to_bytes(Body::new(body), MAX_BODY)).await {
            Ok(Ok(bytes)) => Body::from(bytes),
            Ok(Err(e)) => {
                let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<LengthLimitError>());
                let status = if too_large { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::BAD_REQUEST };
                return Ok(closing(status, busy));
            }
            Err(_) => {
                tracing::debug!(%remote, "request body not received in time");
                return Ok(closing(StatusCode::REQUEST_TIMEOUT, busy));
            }
        }
    };
    let response = router.oneshot(Request::from_parts(parts, body)).await?;
    Ok(response.map(|body| Body::new(Tracked { inner: body, _busy: busy })))
}

/// An answer after which the connection is closed: the rest of the body is not read.
fn closing(status: StatusCode, busy: Busy) -> Response<Body> {
    let mut response = Response::new(Body::new(Tracked { inner: Body::empty(), _busy: busy }));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Where a connection is, and so which timeout runs.
#[derive(Clone, Copy)]
enum Phase {
    /// No request in progress since then.
    Idle(Instant),
    /// The first byte of a request came then; its headers are not complete yet.
    Head(Instant),
    /// Requests being handled or answered: no timeout (the body's is the handler's).
    Busy(usize),
}

struct Watch {
    limits: HttpLimits,
    phase: Mutex<Phase>,
    changed: Notify,
}

impl Watch {
    fn new(limits: HttpLimits) -> Watch {
        Watch { limits, phase: Mutex::new(Phase::Idle(Instant::now())), changed: Notify::new() }
    }

    fn update(&self, change: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        *phase = change(*phase);
        self.changed.notify_waiters();
    }

    fn bytes_received(&self) {
        let idle = matches!(*self.phase.lock().unwrap_or_else(|e| e.into_inner()), Phase::Idle(_));
        if idle {
            self.update(|phase| match phase {
                Phase::Idle(_) => Phase::Head(Instant::now()),
                other => other,
            });
        }
    }

    fn deadline(&self) -> Option<Instant> {
        match *self.phase.lock().unwrap_or_else(|e| e.into_inner()) {
            Phase::Idle(since) => Some(since + self.limits.idle_timeout),
            Phase::Head(since) => Some(since + self.limits.header_timeout),
            Phase::Busy(_) => None,
        }
    }

    /// Resolves once the connection overstayed its phase's timeout.
    async fn expired(&self) {
        loop {
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            match self.deadline() {
                None => changed.await,
                Some(deadline) => tokio::select! {
                    () = tokio::time::sleep_until(deadline) => {
                        if self.deadline().is_some_and(|d| d <= Instant::now()) {
                            return;
                        }
                    }
                    () = changed => {}
                },
            }
        }
    }
}

/// A request in progress on its connection, from its complete headers until its response
/// has been sent (the response body holds it).
struct Busy(Arc<Watch>);

impl Busy {
    fn start(watch: Arc<Watch>) -> Busy {
        watch.update(|phase| match phase {
            Phase::Busy(n) => Phase::Busy(n + 1),
            _ => Phase::Busy(1),
        });
        Busy(watch)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.update(|phase| match phase {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle(Instant::now()),
        });
    }
}

/// A response body that keeps its connection busy until hyper is done with it.
struct Tracked {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, telling the watch when bytes arrive.
struct Watched {
    inner: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.watch.bytes_received();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
