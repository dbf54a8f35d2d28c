//! HTTP proxies, as curl and the AWS and OpenStack clients honour them:
//! `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (either case),
//! or the same given in code.
//!
//! HTTPS goes through a `CONNECT` tunnel, so TLS still runs end to end with
//! the server and the proxy sees only the host name; plain HTTP is sent to
//! the proxy with the absolute URL. Credentials in the proxy URL
//! (`http://user:pass@proxy:3128`) become `Proxy-Authorization: Basic`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderValue, Uri};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;

use crate::config::Environment;
use crate::error::{BoxError, Error, Result};

/// Which proxy, if any, requests go through.
///
/// ```
/// use cloud_core::http::ProxyOptions;
///
/// // What curl would use: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY.
/// let from_env = ProxyOptions::from_env();
/// // A proxy for everything but the internal network.
/// let explicit = ProxyOptions::none()
///     .all("http://proxy.corp:3128")
///     .no_proxy("10.0.0.0/8, .corp");
/// # let _ = (from_env, explicit);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyOptions {
    http: Option<String>,
    https: Option<String>,
    all: Option<String>,
    no_proxy: Option<String>,
}

impl std::fmt::Debug for ProxyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Proxy URLs may hold a password: show only whether each is set.
        f.debug_struct("ProxyOptions")
            .field("http", &self.http.is_some())
            .field("https", &self.https.is_some())
            .field("all", &self.all.is_some())
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxyOptions {
    /// No proxy.
    pub fn none() -> Self {
        Self::default()
    }

    /// The process environment's proxy variables.
    pub fn from_env() -> Self {
        Self::from_environment(&Environment::process())
    }

    /// The proxy variables of `env` (upper case first, then lower case, as
    /// curl reads them). `HTTP_PROXY` is ignored in a CGI program
    /// (`REQUEST_METHOD` set), where a client could set it with a header.
    pub fn from_environment(env: &Environment) -> Self {
        let first = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| env.var(n))
                .filter(|v| !v.trim().is_empty())
        };
        let cgi = env.var("REQUEST_METHOD").is_some();
        ProxyOptions {
            http: if cgi {
                None
            } else {
                first(&["HTTP_PROXY", "http_proxy"])
            },
            https: first(&["HTTPS_PROXY", "https_proxy"]),
            all: first(&["ALL_PROXY", "all_proxy"]),
            no_proxy: first(&["NO_PROXY", "no_proxy"]),
        }
    }

    /// The proxy for `http://` destinations.
    #[must_use]
    pub fn http(mut self, url: impl Into<String>) -> Self {
        self.http = Some(url.into());
        self
    }

    /// The proxy for `https://` destinations.
    #[must_use]
    pub fn https(mut self, url: impl Into<String>) -> Self {
        self.https = Some(url.into());
        self
    }

    /// The proxy for destinations without a more specific one.
    #[must_use]
    pub fn all(mut self, url: impl Into<String>) -> Self {
        self.all = Some(url.into());
        self
    }

    /// Hosts reached directly: comma-separated names (a name covers its
    /// subdomains), IP addresses or networks (`10.0.0.0/8`), or `*`.
    #[must_use]
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.no_proxy = Some(list.into());
        self
    }

    /// Whether any proxy is set.
    pub fn is_set(&self) -> bool {
        self.http.is_some() || self.https.is_some() || self.all.is_some()
    }

    /// The matcher the connector consults, or `None` without a proxy.
    pub(crate) fn matcher(&self) -> Result<Option<Arc<Matcher>>> {
        if !self.is_set() {
            return Ok(None);
        }
        for url in [&self.http, &self.https, &self.all].into_iter().flatten() {
            check_proxy_url(url)?;
        }
        let value = |v: &Option<String>| v.clone().unwrap_or_default();
        let matcher = Matcher::builder()
            .http(value(&self.http))
            .https(value(&self.https))
            .all(value(&self.all))
            .no(value(&self.no_proxy))
            .build();
        Ok(Some(Arc::new(matcher)))
    }
}

/// Refuses a proxy URL the connector could not use, naming it without its
/// password.
fn check_proxy_url(url: &str) -> Result<()> {
    let with_scheme = if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    let shown = || match with_scheme.split_once('@') {
        Some((before, after)) => {
            let scheme = before.split("://").next().unwrap_or("http");
            format!("{scheme}://[redacted]@{after}")
        }
        None => with_scheme.clone(),
    };
    let uri: Uri = with_scheme
        .parse()
        .map_err(|e| Error::invalid_input(format!("invalid proxy URL `{}`: {e}", shown())))?;
    match uri.scheme_str() {
        Some("http") | Some("https") if uri.host().is_some() => Ok(()),
        _ => Err(Error::invalid_input(format!(
            "proxy URL `{}` must be http:// or https:// with a host (SOCKS is not supported)",
            shown()
        ))),
    }
}

/// Connects directly, through a `CONNECT` tunnel (HTTPS destinations), or
/// to the proxy itself (HTTP destinations, marked so hyper sends the
/// absolute URL).
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    matcher: Option<Arc<Matcher>>,
}

impl ProxyConnector {
    pub(crate) fn new(direct: HttpConnector, matcher: Option<Arc<Matcher>>) -> Self {
        ProxyConnector { direct, matcher }
    }
}

/// The `Proxy-Authorization` value for a plain-HTTP request to `uri`, if
/// it goes through a proxy with credentials.
pub(crate) fn plain_http_authorization(
    matcher: Option<&Matcher>,
    uri: &Uri,
) -> Option<HeaderValue> {
    if uri.scheme_str() != Some("http") {
        return None;
    }
    matcher?.intercept(uri)?.basic_auth().cloned()
}

/// A TCP connection, told to hyper as proxied or not.
pub(crate) struct ProxyStream {
    inner: TokioIo<tokio::net::TcpStream>,
    proxied: bool,
}

impl Connection for ProxyStream {
    fn connected(&self) -> Connected {
        self.inner.connected().proxy(self.proxied)
    }
}

impl hyper::rt::Read for ProxyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for ProxyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
}

type Connecting = Pin<Box<dyn Future<Output = std::result::Result<ProxyStream, BoxError>> + Send>>;

impl tower_service::Service<Uri> for ProxyConnector {
    type Response = ProxyStream;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        tower_service::Service::<Uri>::poll_ready(&mut self.direct, cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Connecting {
        let mut direct = self.direct.clone();
        let intercept = self.matcher.as_ref().and_then(|m| m.intercept(&dst));
        Box::pin(async move {
            let Some(proxy) = intercept else {
                let inner = direct.call(dst).await?;
                return Ok(ProxyStream {
                    inner,
                    proxied: false,
                });
            };
            if dst.scheme_str() == Some("https") {
                let mut tunnel = Tunnel::new(proxy.uri().clone(), direct);
                if let Some(auth) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                let inner = tower_service::Service::call(&mut tunnel, dst)
                    .await
                    .map_err(|e| format!("proxy {}: {e}", proxy.uri()))?;
                return Ok(ProxyStream {
                    inner,
                    proxied: false,
                });
            }
            let inner = direct.call(proxy.uri().clone()).await?;
            Ok(ProxyStream {
                inner,
                proxied: true,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        let env = Environment::from_vars([
            ("https_proxy", "http://lower:3128"),
            ("HTTPS_PROXY", "http://upper:3128"),
            ("http_proxy", "http://plain:3128"),
            ("NO_PROXY", "localhost,.internal"),
        ]);
        let options = ProxyOptions::from_environment(&env);
        assert_eq!(options.https.as_deref(), Some("http://upper:3128"));
        assert_eq!(options.http.as_deref(), Some("http://plain:3128"));
        let matcher = options.matcher().unwrap().unwrap();
        let via = |url: &str| {
            matcher
                .intercept(&url.parse().unwrap())
                .map(|i| i.uri().to_string())
        };
        assert_eq!(
            via("https://s3.amazonaws.com/").as_deref(),
            Some("http://upper:3128/")
        );
        assert_eq!(
            via("http://example.com/").as_deref(),
            Some("http://plain:3128/")
        );
        assert_eq!(via("https://api.internal/x"), None);
        assert_eq!(via("http://localhost:9000/"), None);

        let cgi =
            Environment::from_vars([("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://evil:1")]);
        assert!(!ProxyOptions::from_environment(&cgi).is_set());
        assert!(
            ProxyOptions::from_environment(&Environment::from_vars(Vec::<(String, String)>::new()))
                .matcher()
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn unusable_proxy_urls_are_refused_without_their_password() {
        let err = ProxyOptions::none()
            .all("socks5://user:hunter2@proxy:1080")
            .matcher()
            .unwrap_err();
        assert!(err.to_string().contains("SOCKS"), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(
            !format!("{:?}", ProxyOptions::none().all("http://u:hunter2@p:1")).contains("hunter2")
        );
        let with_auth = ProxyOptions::none().http("http://ada:pw@proxy:3128");
        let matcher = with_auth.matcher().unwrap().unwrap();
        let auth = plain_http_authorization(Some(&matcher), &"http://h/x".parse().unwrap());
        assert_eq!(auth.unwrap().to_str().unwrap(), "Basic YWRhOnB3");
        assert!(
            plain_http_authorization(Some(&matcher), &"https://h/x".parse().unwrap()).is_none()
        );
    }
}
