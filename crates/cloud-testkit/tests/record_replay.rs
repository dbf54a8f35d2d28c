//! Recording real exchanges from a local hyper server, then replaying them
//! offline: secrets scrubbed, mismatches refused.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cloud_core::http::{
    Body, HttpClient, HttpRequest, HyperTransport, Method, Signer, TlsOptions, Transport,
};
use cloud_core::{ErrorKind, Result, Url};
use cloud_testkit::cassette::{Cassette, Scrubber};
use cloud_testkit::record::RecordingTransport;
use cloud_testkit::replay::ReplayTransport;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const SECRET: &str = "s3cr3t-Pa55w0rd-value";

#[derive(Debug)]
struct Sig;

#[async_trait::async_trait]
impl Signer for Sig {
    async fn sign(&self, request: &mut http::Request<Body>) -> Result<()> {
        request
            .headers_mut()
            .insert("authorization", format!("Token {SECRET}").parse().unwrap());
        Ok(())
    }
}

async fn echo_server() -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let service = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                    let path = req.uri().path().to_owned();
                    let body = req.into_body().collect().await.unwrap().to_bytes();
                    let text = format!("{path} got {} bytes; token {SECRET}", body.len());
                    let response = hyper::Response::builder()
                        .status(if path == "/missing" { 404 } else { 200 })
                        .header("content-type", "text/plain")
                        .header("x-request-id", "req-42")
                        .body(Full::new(Bytes::from(text)))
                        .unwrap();
                    Ok::<_, Infallible>(response)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Url::parse(&format!("http://{addr}/")).unwrap()
}

fn client(transport: Arc<dyn Transport>) -> HttpClient {
    HttpClient::builder("test")
        .allow_http(true)
        .transport(transport)
        .signer(Arc::new(Sig))
        .build()
        .unwrap()
}

#[tokio::test]
async fn record_then_replay_offline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixtures/test/case.json");
    let base = echo_server().await;
    let scrubber = Scrubber::new().secret(SECRET);
    let real: Arc<dyn Transport> =
        Arc::new(HyperTransport::new(Duration::from_secs(5), &TlsOptions::new()).unwrap());
    let recorder = Arc::new(RecordingTransport::new(
        real,
        &path,
        "echo server",
        scrubber.clone(),
    ));
    let live = client(recorder.clone());
    let put = HttpRequest::new(
        Method::PUT,
        base.join("/bucket/key?X-Amz-Signature=abc&part=1").unwrap(),
    )
    .header("content-type", "application/octet-stream")
    .unwrap()
    .body(Body::from_bytes(vec![0u8, 255, 7]));
    let recorded_put = live.send(put).await.unwrap().bytes().await.unwrap();
    let missing = live
        .send(HttpRequest::new(
            Method::GET,
            base.join("/missing").unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    recorder.save().unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(SECRET),
        "the fixture holds no secret:\n{text}"
    );
    assert!(text.contains("[redacted]"));
    assert!(text.contains("req-42"), "request ids are kept");
    let cassette = Cassette::load(&path).unwrap();
    assert_eq!(cassette.interactions.len(), 2);

    // Offline: the server is not consulted (a different port would fail anyway).
    let replay = Arc::new(ReplayTransport::load(&path, scrubber).unwrap());
    let offline = client(replay.clone());
    let other_host = Url::parse("http://127.0.0.1:9/").unwrap();
    let missing = offline
        .send(HttpRequest::new(
            Method::GET,
            other_host.join("/missing").unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    assert_eq!(missing.header_str("x-request-id"), Some("req-42"));
    let put = HttpRequest::new(
        Method::PUT,
        other_host
            .join("/bucket/key?part=1&X-Amz-Signature=zzz")
            .unwrap(),
    )
    .header("content-type", "application/octet-stream")
    .unwrap()
    .body(Body::from_bytes(vec![0u8, 255, 7]));
    let replayed = offline.send(put).await.unwrap().bytes().await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&replayed),
        String::from_utf8_lossy(&recorded_put).replace(SECRET, "[redacted]")
    );
    assert_eq!(replay.unused(), 0);

    // Each exchange answers once, and anything unrecorded is refused.
    let again = offline
        .send(HttpRequest::new(
            Method::GET,
            other_host.join("/missing").unwrap(),
        ))
        .await;
    let err = again.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert!(
        err.to_string().contains("no unused recorded exchange"),
        "{err}"
    );
    let different_body =
        HttpRequest::new(Method::PUT, other_host.join("/bucket/key?part=1").unwrap())
            .header("content-type", "application/octet-stream")
            .unwrap()
            .body(Body::from_bytes(vec![1u8]));
    assert!(offline.send(different_body).await.is_err());
}
