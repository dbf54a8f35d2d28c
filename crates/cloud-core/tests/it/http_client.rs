//! The HTTP machinery against a real hyper server on loopback: retries,
//! Retry-After, idempotency, timeouts, truncated bodies, re-authentication.
#![cfg(feature = "http")]
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cloud_core::http::{
    Body, HttpClient, HttpRequest, Method, RetryPolicy, Signer, StatusCode, Timeouts,
};
use cloud_core::{Error, ErrorKind, Result, Url};
use futures::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

type ServerBody = BoxBody<Bytes, std::io::Error>;

/// Serves `handler` on a fresh loopback port; the handler gets the 1-based
/// request number. Returns the base URL and the request counter.
async fn serve<F, Fut>(handler: F) -> (Url, Arc<AtomicUsize>)
where
    F: Fn(usize, Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<ServerBody>> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    let handler = handler.clone();
                    async move { Ok::<_, Infallible>(handler(n, req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (Url::parse(&format!("http://{addr}/")).unwrap(), count)
}

fn full(status: u16, body: &'static str) -> Response<ServerBody> {
    Response::builder()
        .status(status)
        .body(
            Full::new(Bytes::from_static(body.as_bytes()))
                .map_err(|e| match e {})
                .boxed(),
        )
        .unwrap()
}

fn client(timeouts: Timeouts) -> HttpClient {
    HttpClient::builder("test")
        .allow_http(true)
        .timeouts(timeouts)
        .retry(
            RetryPolicy::new()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(50)),
        )
        .build()
        .unwrap()
}

fn quick() -> Timeouts {
    Timeouts::new()
        .connect(Duration::from_secs(2))
        .request(Duration::from_millis(400))
        .read(Duration::from_millis(400))
}

#[tokio::test]
async fn a_503_then_200_is_retried() {
    let (url, count) = serve(|n, _req| async move {
        if n == 1 {
            full(503, "busy")
        } else {
            full(200, "ok")
        }
    })
    .await;
    let response = client(quick())
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap(), "ok");
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn retries_stop_at_max_attempts_and_return_the_last_response() {
    let (url, count) = serve(|_n, _req| async move { full(500, "broken") }).await;
    let response = client(quick())
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.bytes().await.unwrap(),
        "broken",
        "error body kept for the driver"
    );
    assert_eq!(count.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_429_with_retry_after_waits_that_long() {
    let (url, count) = serve(|n, _req| async move {
        if n == 1 {
            let mut r = full(429, "slow down");
            r.headers_mut().insert("retry-after", "1".parse().unwrap());
            r
        } else {
            full(200, "ok")
        }
    })
    .await;
    let started = Instant::now();
    let response = client(quick())
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_not_slept() {
    let (url, count) = serve(|_n, _req| async move {
        let mut r = full(429, "later");
        r.headers_mut()
            .insert("retry-after", "3600".parse().unwrap());
        r
    })
    .await;
    let started = Instant::now();
    let response = client(quick())
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(started.elapsed() < Duration::from_secs(1));
    let err = cloud_core::http::status_error("test", response.status(), response.headers());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn a_non_idempotent_post_is_not_retried() {
    let (url, count) = serve(|_n, _req| async move { full(503, "busy") }).await;
    let request = HttpRequest::new(Method::POST, url).body(Body::from_bytes("payload"));
    let response = client(quick()).send(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried() {
    let (url, count) = serve(|n, _req| async move {
        if n == 1 {
            full(503, "busy")
        } else {
            full(200, "ok")
        }
    })
    .await;
    let request = HttpRequest::new(Method::POST, url)
        .body(Body::from_bytes("payload"))
        .idempotent(true);
    let response = client(quick()).send(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_stalled_server_hits_the_request_timeout() {
    let (url, count) = serve(|_n, _req| async move {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        full(200, "never")
    })
    .await;
    let started = Instant::now();
    let client = HttpClient::builder("test")
        .allow_http(true)
        .timeouts(quick())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Timeout, "{err}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_stalled_idempotent_request_is_retried_then_times_out() {
    let (url, count) = serve(|_n, _req| async move {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        full(200, "never")
    })
    .await;
    let err = client(quick())
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Timeout);
    assert_eq!(
        count.load(Ordering::SeqCst),
        4,
        "each attempt timed out and was retried"
    );
}

/// A transport whose requests are never answered.
#[derive(Debug, Default)]
struct Silent(AtomicUsize);

#[async_trait::async_trait]
impl cloud_core::http::Transport for Silent {
    async fn send(
        &self,
        _request: ::http::Request<Body>,
    ) -> Result<::http::Response<cloud_core::http::ResponseBody>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        std::future::pending().await
    }
}

/// With the default timeout (60 s) and retries, a server that never
/// answers is given every attempt: timeout × attempts plus backoff, as
/// docs/cli.md says, for every provider (no time budget cuts it short).
#[tokio::test(start_paused = true)]
async fn the_default_policy_gives_a_silent_server_every_attempt() {
    let silent = Arc::new(Silent::default());
    let client = HttpClient::builder("test")
        .transport(silent.clone())
        .build()
        .unwrap();
    let url = Url::parse("https://example.invalid/x").unwrap();
    let started = tokio::time::Instant::now();
    let err = client
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Timeout, "{err}");
    assert_eq!(silent.0.load(Ordering::SeqCst), 4);
    let took = started.elapsed();
    // Four 60 s attempts and at most 0.1 + 0.2 + 0.4 s of backoff.
    assert!(
        took >= Duration::from_secs(240) && took <= Duration::from_millis(240_700),
        "{took:?}"
    );
}

fn cut_short_body() -> Response<ServerBody> {
    // The pause lets hyper flush the headers and first chunk before the
    // failure closes the connection.
    let chunks = futures::stream::once(async { Ok(Frame::data(Bytes::from(vec![b'x'; 50]))) })
        .chain(futures::stream::once(async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Err(std::io::Error::other("server gave up"))
        }));
    Response::builder()
        .status(200)
        .header("content-length", "100")
        .body(BodyExt::boxed(StreamBody::new(chunks)))
        .unwrap()
}

#[tokio::test]
async fn a_body_cut_short_is_an_error_not_a_short_object() {
    let (url, _count) = serve(|_n, _req| async move { cut_short_body() }).await;
    let response = client(quick())
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap();
    let mut stream = response.into_body().into_stream();
    let mut received = 0;
    let mut failure = None;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => received += c.len(),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let err = failure.expect("the stream must fail, not end");
    assert!(received <= 50);
    assert_eq!(err.kind(), &ErrorKind::Transport, "{err}");
}

#[tokio::test]
async fn a_body_that_stalls_hits_the_read_timeout() {
    let (url, _count) = serve(|_n, _req| async move {
        let chunks = futures::stream::once(async { Ok(Frame::data(Bytes::from_static(b"start"))) })
            .chain(futures::stream::once(async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(Frame::data(Bytes::from_static(b"never")))
            }));
        Response::builder()
            .status(200)
            .header("content-length", "10")
            .body(BodyExt::boxed(StreamBody::new(chunks)))
            .unwrap()
    })
    .await;
    let response = client(quick())
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap();
    let err = response.bytes().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Timeout, "{err}");
}

#[tokio::test]
async fn a_slow_but_steady_upload_is_not_cut_off() {
    let (url, _count) = serve(|_n, req| async move {
        let body = req.into_body().collect().await.unwrap().to_bytes();
        let len = body.len().to_string();
        Response::builder()
            .status(200)
            .body(Full::new(Bytes::from(len)).map_err(|e| match e {}).boxed())
            .unwrap()
    })
    .await;
    // Six chunks 150 ms apart: 900 ms in all, over twice the 400 ms request timeout.
    let stream = futures::stream::iter(0..6)
        .then(|_| async {
            tokio::time::sleep(Duration::from_millis(150)).await;
            Ok::<_, Error>(Bytes::from(vec![7u8; 1000]))
        })
        .boxed();
    let request = HttpRequest::new(Method::PUT, url).body(Body::from_stream(stream, Some(6000)));
    let response = client(quick()).send(request).await.unwrap();
    assert_eq!(response.bytes().await.unwrap(), "6000");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = Url::parse(&format!("http://{addr}/")).unwrap();
    let request = HttpRequest::new(Method::POST, url).body(Body::from_bytes("x"));
    let err = client(quick()).send(request).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport, "{err}");
    assert!(err.to_string().to_lowercase().contains("refused"), "{err}");
}

#[tokio::test]
async fn plain_http_needs_explicit_permission() {
    let client = HttpClient::builder("test").build().unwrap();
    let url = Url::parse("http://127.0.0.1:9/").unwrap();
    let err = client
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
}

#[derive(Debug, Default)]
struct TokenSigner {
    generation: AtomicUsize,
}

#[async_trait::async_trait]
impl Signer for TokenSigner {
    async fn sign(&self, request: &mut http::Request<Body>) -> Result<()> {
        let token = format!("token-{}", self.generation.load(Ordering::SeqCst));
        request
            .headers_mut()
            .insert("x-auth-token", token.parse().unwrap());
        Ok(())
    }

    async fn refresh(&self) -> Result<bool> {
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(true)
    }
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let (url, count) = serve(|_n, req| async move {
        match req
            .headers()
            .get("x-auth-token")
            .and_then(|v| v.to_str().ok())
        {
            Some("token-1") => full(200, "welcome"),
            _ => full(401, "expired"),
        }
    })
    .await;
    let signer = Arc::new(TokenSigner::default());
    let client = HttpClient::builder("test")
        .allow_http(true)
        .signer(signer.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let response = client
        .send(HttpRequest::new(Method::GET, url.clone()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(count.load(Ordering::SeqCst), 2);

    // A second 401 after a refresh is returned, not looped on.
    signer.generation.store(5, Ordering::SeqCst);
    let response = client
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(count.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_streamed_body_is_never_sent_twice() {
    let (url, count) = serve(|_n, req| async move {
        let _ = req.into_body().collect().await;
        full(503, "busy")
    })
    .await;
    let stream = futures::stream::iter(vec![Ok::<_, Error>(Bytes::from_static(b"abc"))]).boxed();
    let request = HttpRequest::new(Method::PUT, url).body(Body::from_stream(stream, Some(3)));
    let response = client(quick()).send(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}
