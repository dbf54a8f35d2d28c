//! TLS: certificates are verified by default, a custom CA bundle is
//! honoured, and a verification failure is a typed error naming the cause.
#![cfg(feature = "http")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cloud_core::http::{HttpClient, HttpRequest, Method, TlsOptions};
use cloud_core::{ErrorKind, Url};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

/// A CA (its PEM) and a server certificate it signed for 127.0.0.1.
fn certificates() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    (ca.pem(), server.der().clone(), key)
}

/// An HTTPS server answering `200 ok` to everything; returns its URL.
async fn https_server(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> Url {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                        Bytes::from_static(b"ok"),
                    )))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Url::parse(&format!("https://127.0.0.1:{port}/")).unwrap()
}

#[tokio::test]
async fn an_unknown_certificate_is_refused_by_default() {
    let (_, cert, key) = certificates();
    let url = https_server(cert, key).await;
    let client = HttpClient::builder("test").build().unwrap();
    let err = client
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport, "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "the error should name the cause: {err}"
    );
}

#[tokio::test]
async fn a_custom_ca_bundle_is_trusted() {
    let (ca_pem, cert, key) = certificates();
    let url = https_server(cert, key).await;
    let tls = TlsOptions::new().add_ca_pem(ca_pem.as_bytes()).unwrap();
    let client = HttpClient::builder("test").tls(tls).build().unwrap();
    let response = client
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(&response.bytes().await.unwrap()[..], b"ok");
}

#[tokio::test]
async fn a_ca_bundle_without_certificates_is_refused() {
    let err = TlsOptions::new().add_ca_pem(b"not a pem").unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
}

/// A CONNECT-only proxy: tunnels to the requested `host:port` and counts
/// tunnels; a request of any other form gets 405.
async fn connect_proxy() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let tunnels = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = tunnels.clone();
    tokio::spawn(async move {
        loop {
            let (mut client, _) = listener.accept().await.unwrap();
            let count = count.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let mut words = head.split_whitespace();
                let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                        .await;
                    return;
                };
                let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                    return;
                };
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = client.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (url, tunnels)
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_with_tls_end_to_end() {
    use cloud_core::http::{ClientOptions, ProxyOptions};
    let (ca_pem, cert, key) = certificates();
    let url = https_server(cert, key).await;
    let (proxy, tunnels) = connect_proxy().await;
    let tls = TlsOptions::new().add_ca_pem(ca_pem.as_bytes()).unwrap();
    let options = ClientOptions::new()
        .tls(tls)
        .proxy(ProxyOptions::none().https(&proxy));
    let client = HttpClient::builder("test")
        .options(options)
        .build()
        .unwrap();
    let response = client
        .send(HttpRequest::new(Method::GET, url.clone()))
        .await
        .unwrap();
    assert_eq!(&response.bytes().await.unwrap()[..], b"ok");
    assert_eq!(tunnels.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Through the tunnel the server's certificate is still verified.
    let untrusting = ClientOptions::new().proxy(ProxyOptions::none().https(&proxy));
    let client = HttpClient::builder("test")
        .options(untrusting)
        .build()
        .unwrap();
    let err = client
        .send(HttpRequest::new(Method::GET, url))
        .await
        .unwrap_err();
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
}
