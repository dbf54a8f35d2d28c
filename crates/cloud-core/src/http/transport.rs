//! The transport: what actually moves one HTTP exchange.
//!
//! A trait so tests can record, replay or inject faults without a network,
//! and one real implementation on hyper 1 + rustls with connection pooling.
//! Retries, timeouts and signing live above it, in [`HttpClient`](super::HttpClient).

use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::body::{Body, ResponseBody};
use super::proxy::{ProxyConnector, ProxyOptions, plain_http_authorization};
use crate::error::{BoxError, Error, ErrorKind, Result};
use crate::secret::Secret;

/// Sends one request and returns the response headers with a streaming body.
/// No retries, no timeouts: [`HttpClient`](super::HttpClient) adds those.
///
/// Implement it to put something between a driver and the network: the
/// testkit's record, replay and fault-injecting transports do.
///
/// ```
/// use cloud_core::http::{Body, HttpClient, HttpRequest, Method, Request, Response, ResponseBody, Transport};
/// use cloud_core::{Result, Url};
///
/// /// Answers every request with `204 No Content`.
/// #[derive(Debug)]
/// struct NoContent;
///
/// #[async_trait::async_trait]
/// impl Transport for NoContent {
///     async fn send(&self, _request: Request<Body>) -> Result<Response<ResponseBody>> {
///         Ok(Response::builder().status(204).body(ResponseBody::empty()).unwrap())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<()> {
/// let client = HttpClient::builder("example").transport(std::sync::Arc::new(NoContent)).build()?;
/// let url = Url::parse("https://example.com/anything").unwrap();
/// let response = client.send(HttpRequest::new(Method::DELETE, url)).await?;
/// assert_eq!(response.status().as_u16(), 204);
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Transport: Debug + Send + Sync {
    /// Sends `request`. Errors that happen before any byte of the request
    /// left (connection refused, DNS, TLS handshake) should be marked with
    /// [`mark_not_sent`] so that even non-idempotent requests can be retried.
    async fn send(&self, request: http::Request<Body>) -> Result<http::Response<ResponseBody>>;
}

/// Marks a transport error as having happened before the request was sent.
pub fn mark_not_sent(error: Error) -> Error {
    error.not_sent()
}

/// TLS settings: trusted roots, an optional client certificate.
///
/// Certificate verification is always on. The Mozilla root set is trusted by
/// default; a custom CA bundle adds to it (or replaces it).
#[derive(Clone, Default)]
pub struct TlsOptions {
    extra_roots: Vec<CertificateDer<'static>>,
    only_extra_roots: bool,
    client_cert: Option<(Vec<CertificateDer<'static>>, Arc<Secret>)>,
}

impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("extra_roots", &self.extra_roots.len())
            .field("only_extra_roots", &self.only_extra_roots)
            .field(
                "client_cert",
                &self.client_cert.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl TlsOptions {
    /// The Mozilla root set, no client certificate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also trusts the CA certificates in a PEM bundle.
    pub fn add_ca_pem(mut self, pem: &[u8]) -> Result<Self> {
        let mut found = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| Error::invalid_input(format!("invalid CA bundle: {e}")))?;
            self.extra_roots.push(cert);
            found += 1;
        }
        if found == 0 {
            return Err(Error::invalid_input("the CA bundle holds no certificate"));
        }
        Ok(self)
    }

    /// Also trusts the CA certificates in a PEM file.
    pub fn add_ca_file(self, path: &Path) -> Result<Self> {
        let pem =
            std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        self.add_ca_pem(&pem)
    }

    /// Trusts only the added CA certificates, not the Mozilla roots.
    #[must_use]
    pub fn only_added_roots(mut self) -> Self {
        self.only_extra_roots = true;
        self
    }

    /// Presents a client certificate (PEM chain and PEM private key).
    pub fn client_cert_pem(mut self, chain: &[u8], key: Secret) -> Result<Self> {
        let certs: Vec<_> = CertificateDer::pem_slice_iter(chain)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::invalid_input(format!("invalid client certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::invalid_input(
                "the client certificate PEM holds no certificate",
            ));
        }
        PrivateKeyDer::from_pem_slice(key.expose().as_bytes())
            .map_err(|_| Error::invalid_input("the client key PEM holds no usable private key"))?;
        self.client_cert = Some((certs, Arc::new(key)));
        Ok(self)
    }

    fn client_config(&self) -> Result<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        if !self.only_extra_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for cert in &self.extra_roots {
            roots
                .add(cert.clone())
                .map_err(|e| Error::invalid_input(format!("unusable CA certificate: {e}")))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::invalid_input(format!("TLS setup failed: {e}")))?
            .with_root_certificates(roots);
        match &self.client_cert {
            None => Ok(builder.with_no_client_auth()),
            Some((chain, key)) => {
                let key = PrivateKeyDer::from_pem_slice(key.expose().as_bytes()).map_err(|_| {
                    Error::invalid_input("the client key PEM holds no usable private key")
                })?;
                builder
                    .with_client_auth_cert(chain.clone(), key)
                    .map_err(|e| Error::invalid_input(format!("client certificate refused: {e}")))
            }
        }
    }
}

/// The default transport: hyper 1 over rustls, HTTP/1.1 (and HTTP/2 by
/// ALPN with the `http2` feature), with a connection pool shared by every
/// clone.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<hyper_rustls::HttpsConnector<ProxyConnector>, Body>,
    /// Where plain-HTTP requests through a proxy get `Proxy-Authorization`.
    proxy: Option<Arc<hyper_util::client::proxy::matcher::Matcher>>,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HyperTransport")
    }
}

impl HyperTransport {
    /// A transport with the given connect timeout and TLS settings, through
    /// the proxy the environment names (`HTTPS_PROXY`, `HTTP_PROXY`,
    /// `ALL_PROXY`, `NO_PROXY`), if any.
    pub fn new(connect_timeout: Duration, tls: &TlsOptions) -> Result<Self> {
        Self::with_proxy(connect_timeout, tls, &ProxyOptions::from_env())
    }

    /// A transport with the given connect timeout, TLS and proxy settings.
    pub fn with_proxy(
        connect_timeout: Duration,
        tls: &TlsOptions,
        proxy: &ProxyOptions,
    ) -> Result<Self> {
        let matcher = proxy.matcher()?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(connect_timeout));
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls.client_config()?)
            .https_or_http()
            .enable_http1();
        #[cfg(feature = "http2")]
        let https = https.enable_http2();
        let https = https.wrap_connector(ProxyConnector::new(http, matcher.clone()));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(32)
            .build(https);
        Ok(HyperTransport {
            client,
            proxy: matcher,
        })
    }
}

#[async_trait]
impl Transport for HyperTransport {
    async fn send(&self, mut request: http::Request<Body>) -> Result<http::Response<ResponseBody>> {
        if let Some(auth) = plain_http_authorization(self.proxy.as_deref(), request.uri()) {
            request
                .headers_mut()
                .insert(http::header::PROXY_AUTHORIZATION, auth);
        }
        let response = self.client.request(request).await.map_err(|e| {
            let connect = e.is_connect();
            let err = transport_error(e);
            if connect { err.not_sent() } else { err }
        })?;
        let (parts, body) = response.into_parts();
        let stream = body
            .into_data_stream()
            .map_err(|e| {
                transport_error(e).with_message("the connection failed while reading the body")
            })
            .boxed();
        Ok(http::Response::from_parts(parts, ResponseBody::new(stream)))
    }
}

/// Turns a hyper (or any) error into a transport or timeout error, keeping
/// the chain of causes in the message so "connection refused" is visible.
fn transport_error(error: impl Into<BoxError>) -> Error {
    let error: BoxError = error.into();
    let mut chain = error.to_string();
    let mut timed_out = false;
    let mut source = error.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            timed_out |= io.kind() == std::io::ErrorKind::TimedOut;
        }
        let text = s.to_string();
        if !chain.contains(&text) {
            chain.push_str(": ");
            chain.push_str(&text);
        }
        source = s.source();
    }
    timed_out |= chain.contains("timed out");
    let kind = if timed_out {
        ErrorKind::Timeout
    } else {
        ErrorKind::Transport
    };
    Error::new(kind, chain).with_source(error)
}
