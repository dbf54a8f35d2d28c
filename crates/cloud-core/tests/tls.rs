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
