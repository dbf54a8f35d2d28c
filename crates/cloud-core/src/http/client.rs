//! The HTTP client every provider driver uses.
//!
//! One place decides retries, timeouts, signing and tracing, so every
//! provider behaves the same under faults: idempotent requests are retried
//! with jittered backoff within a budget, non-idempotent ones only when they
//! provably never left the machine (or were refused with 429), `Retry-After`
//! is honoured, a stalled server or body hits a timeout, and a body cut short
//! is an error.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HeaderName, HeaderValue, USER_AGENT};
use http::{HeaderMap, Method, StatusCode};
use tracing::Instrument;
use url::Url;

use super::body::{Body, Progress, ResponseBody};
use super::options::ClientOptions;
use super::retry::{RetryPolicy, is_retryable_status, retry_after};
use super::transport::Transport;
use crate::error::{Error, ErrorKind, Result};

/// The default `User-Agent`.
pub const USER_AGENT_VALUE: &str = concat!("cloud-rs/", env!("CARGO_PKG_VERSION"));

/// Largest error body the client reads to decide on a retry.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Adds authentication to each attempt of a request (SigV4, tokens...).
///
/// Called again for every retry, so time-based signatures stay fresh.
///
/// ```
/// use std::sync::Arc;
/// use cloud_core::http::{Body, HttpClient, Request, Signer};
/// use cloud_core::{Result, Secret};
///
/// /// Sends a bearer token; the token is a `Secret`, so `Debug` hides it.
/// #[derive(Debug)]
/// struct Bearer(Secret);
///
/// #[async_trait::async_trait]
/// impl Signer for Bearer {
///     async fn sign(&self, request: &mut Request<Body>) -> Result<()> {
///         let value = format!("Bearer {}", self.0.expose());
///         let value = value.parse().map_err(|_| cloud_core::Error::invalid_input("bad token"))?;
///         request.headers_mut().insert("authorization", value);
///         Ok(())
///     }
/// }
///
/// let client = HttpClient::builder("example").signer(Arc::new(Bearer(Secret::new("t0k3n")))).build()?;
/// assert!(!format!("{client:?}").contains("t0k3n"));
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[async_trait]
pub trait Signer: Debug + Send + Sync {
    /// Adds headers or query parameters that authenticate `request`.
    async fn sign(&self, request: &mut http::Request<Body>) -> Result<()>;

    /// Called once when the server answers 401: drop cached credentials and
    /// return `true` if fresh ones may succeed, which retries the request once.
    async fn refresh(&self) -> Result<bool> {
        Ok(false)
    }
}

/// Decides whether an error response is a transient failure worth retrying.
///
/// ```
/// use cloud_core::http::{HeaderMap, RetryClassifier, StatusCode, is_retryable_status};
///
/// /// Also retries EC2-style throttling, which arrives as HTTP 400.
/// #[derive(Debug)]
/// struct Ec2Throttling;
///
/// impl RetryClassifier for Ec2Throttling {
///     fn is_retryable(&self, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> bool {
///         is_retryable_status(status)
///             || (status == StatusCode::BAD_REQUEST
///                 && String::from_utf8_lossy(body).contains("<Code>Throttling</Code>"))
///     }
/// }
///
/// let body = b"<Response><Errors><Error><Code>Throttling</Code></Error></Errors></Response>";
/// assert!(Ec2Throttling.is_retryable(StatusCode::BAD_REQUEST, &HeaderMap::new(), body));
/// assert!(!Ec2Throttling.is_retryable(StatusCode::NOT_FOUND, &HeaderMap::new(), b""));
/// ```
pub trait RetryClassifier: Debug + Send + Sync {
    /// `body` holds up to 64 KiB of the error response.
    fn is_retryable(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool;

    /// Whether the answer says the request was refused unprocessed because
    /// of a rate limit (429 by default; EC2's `RequestLimitExceeded` and S3's
    /// `SlowDown` arrive as 503). Such a request is retried even when it is
    /// not idempotent, since the provider did nothing with it.
    fn is_throttling(&self, status: StatusCode, _headers: &HeaderMap, _body: &[u8]) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS
    }

    /// Whether the answer says the credential was refused as expired or
    /// revoked, so the signer should renew it and the request go once more
    /// (401 by default; AWS says `ExpiredToken` with 400 or 403).
    fn is_refused_credential(
        &self,
        status: StatusCode,
        _headers: &HeaderMap,
        _body: &[u8],
    ) -> bool {
        status == StatusCode::UNAUTHORIZED
    }
}

/// Retries 408, 429, 500, 502, 503 and 504.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultClassifier;

impl RetryClassifier for DefaultClassifier {
    fn is_retryable(&self, status: StatusCode, _headers: &HeaderMap, _body: &[u8]) -> bool {
        is_retryable_status(status)
    }
}

/// Timeouts. The request timeout measures *inactivity* before the response
/// headers arrive (it restarts whenever a chunk of the request body goes
/// out), so a large upload is not cut off, but a stalled server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a TCP (and TLS) connection.
    pub connect: Duration,
    /// Waiting for the response headers with no upload progress.
    pub request: Duration,
    /// Waiting for the next chunk of a response body.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
            read: Duration::from_secs(60),
        }
    }
}

impl Timeouts {
    /// 10 s to connect, 60 s of silence before headers, 60 s between body chunks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the connect timeout.
    #[must_use]
    pub fn connect(mut self, d: Duration) -> Self {
        self.connect = d;
        self
    }

    /// Sets the request (headers) timeout.
    #[must_use]
    pub fn request(mut self, d: Duration) -> Self {
        self.request = d;
        self
    }

    /// Sets the read (body) timeout.
    #[must_use]
    pub fn read(mut self, d: Duration) -> Self {
        self.read = d;
        self
    }

    /// These timeouts with the ones `config` sets: its
    /// [`timeout`](crate::ProviderConfig::timeout) bounds both the wait for
    /// headers and each wait for a body chunk.
    #[must_use]
    pub fn overridden_by(mut self, config: &crate::ProviderConfig) -> Self {
        if let Some(t) = config.timeout_value() {
            self.request = t;
            self.read = t;
        }
        if let Some(t) = config.connect_timeout_value() {
            self.connect = t;
        }
        self
    }
}

/// A request to send through [`HttpClient::send`].
#[derive(Debug)]
pub struct HttpRequest {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Body,
    idempotent: Option<bool>,
}

impl HttpRequest {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: Url) -> Self {
        HttpRequest {
            method,
            url,
            headers: HeaderMap::new(),
            body: Body::empty(),
            idempotent: None,
        }
    }

    /// Adds a header; fails on a value that is not a valid header value.
    pub fn header(mut self, name: impl TryInto<HeaderName>, value: &str) -> Result<Self> {
        let name = name
            .try_into()
            .map_err(|_| Error::invalid_input("invalid header name"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::invalid_input(format!("invalid value for header {name}")))?;
        self.headers.append(name, value);
        Ok(self)
    }

    /// Adds a header from a typed value.
    #[must_use]
    pub fn typed_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// Overrides whether the request may be repeated safely. By default GET,
    /// HEAD, PUT, DELETE and OPTIONS are idempotent and POST and PATCH are not.
    #[must_use]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ))
    }

    fn attempt(&mut self, first: bool) -> Option<Result<http::Request<Body>>> {
        let body = if first {
            match self.body.try_clone() {
                Some(copy) => copy,
                None => std::mem::take(&mut self.body),
            }
        } else {
            self.body.try_clone()?
        };
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(self.url.as_str());
        if let Some(headers) = builder.headers_mut() {
            *headers = self.headers.clone();
            if !headers.contains_key(USER_AGENT) {
                headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
            }
            if let Some(len) = body.len()
                && (len > 0 || matches!(self.method, Method::PUT | Method::POST | Method::PATCH))
            {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
            }
        }
        Some(
            builder
                .body(body)
                .map_err(|e| Error::invalid_input(format!("invalid request: {e}"))),
        )
    }
}

/// A response: status, headers and a streaming body.
#[derive(Debug)]
pub struct HttpResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: ResponseBody,
}

impl HttpResponse {
    /// Builds a response (for tests and transports).
    pub fn new(status: StatusCode, headers: HeaderMap, body: ResponseBody) -> Self {
        HttpResponse {
            status,
            headers,
            body,
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text, if present and valid.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body stream.
    pub fn into_body(self) -> ResponseBody {
        self.body
    }

    /// Headers and body, separately.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, ResponseBody) {
        (self.status, self.headers, self.body)
    }

    /// The whole body in memory (bounded).
    pub async fn bytes(self) -> Result<Bytes> {
        self.body.bytes().await
    }
}

/// Sends requests with retries, timeouts, signing and tracing. Cheap to
/// clone; clones share the connection pool.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    provider: String,
    transport: Arc<dyn Transport>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    signer: Option<Arc<dyn Signer>>,
    classifier: Arc<dyn RetryClassifier>,
    allow_http: bool,
    user_agent: HeaderValue,
}

/// Configures an [`HttpClient`].
///
/// ```
/// use std::time::Duration;
/// use cloud_core::http::{HttpClient, RetryPolicy, Timeouts};
///
/// let client = HttpClient::builder("example")
///     .retry(RetryPolicy::new().max_attempts(3))
///     .timeouts(Timeouts::new().request(Duration::from_secs(5)))
///     .allow_http(true)
///     .build()
///     .unwrap();
/// # let _ = client;
/// ```
#[derive(Debug)]
pub struct HttpClientBuilder {
    provider: String,
    options: ClientOptions,
    signer: Option<Arc<dyn Signer>>,
    classifier: Arc<dyn RetryClassifier>,
    allow_http: bool,
    user_agent: Option<String>,
}

impl HttpClientBuilder {
    /// Retries, timeouts, TLS, proxy and transport in one value.
    #[must_use]
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends through `transport` instead of hyper (record, replay, faults).
    #[must_use]
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.options = self.options.transport(transport);
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.options = self.options.retry(retry);
        self
    }

    /// Sets the timeouts.
    #[must_use]
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.options = self.options.timeouts(timeouts);
        self
    }

    /// Sets the TLS options of the default transport.
    #[must_use]
    pub fn tls(mut self, tls: super::TlsOptions) -> Self {
        self.options = self.options.tls(tls);
        self
    }

    /// Signs every attempt with `signer`.
    #[must_use]
    pub fn signer(mut self, signer: Arc<dyn Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Decides which error responses are retried.
    #[must_use]
    pub fn classifier(mut self, classifier: Arc<dyn RetryClassifier>) -> Self {
        self.classifier = classifier;
        self
    }

    /// Permits plain `http://` URLs. Off by default: only an endpoint the
    /// user configured explicitly should turn it on.
    #[must_use]
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Appends `suffix` to the `User-Agent`.
    #[must_use]
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent = Some(suffix.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<HttpClient> {
        let transport = self.options.build_transport()?;
        let ua = match &self.user_agent {
            Some(s) => format!("{USER_AGENT_VALUE} {s}"),
            None => USER_AGENT_VALUE.to_owned(),
        };
        let user_agent = HeaderValue::from_str(&ua)
            .map_err(|_| Error::invalid_input("invalid user agent suffix"))?;
        Ok(HttpClient {
            inner: Arc::new(Inner {
                provider: self.provider,
                transport,
                retry: self.options.retry_policy().clone(),
                timeouts: self.options.timeouts_value(),
                signer: self.signer,
                classifier: self.classifier,
                allow_http: self.allow_http,
                user_agent,
            }),
        })
    }
}

enum Outcome {
    Done(Result<HttpResponse>),
    Retry {
        delay: Option<Duration>,
        last: Result<HttpResponse>,
    },
    Reauthenticate(Result<HttpResponse>),
}

impl HttpClient {
    /// The same client (transport and its connection pool, retries,
    /// timeouts, classifier) signing every attempt with `signer`: for a
    /// provider whose login is itself an unsigned request on that client.
    pub fn with_signer(&self, signer: Arc<dyn Signer>) -> HttpClient {
        let mut inner = (*self.inner).clone();
        inner.signer = Some(signer);
        HttpClient {
            inner: Arc::new(inner),
        }
    }

    /// Starts configuring a client for `provider` (used in errors and traces).
    pub fn builder(provider: impl Into<String>) -> HttpClientBuilder {
        HttpClientBuilder {
            provider: provider.into(),
            options: ClientOptions::default(),
            signer: None,
            classifier: Arc::new(DefaultClassifier),
            allow_http: false,
            user_agent: None,
        }
    }

    /// The provider name given to the builder.
    pub fn provider(&self) -> &str {
        &self.inner.provider
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Sends `request`, retrying as the policy allows. Returns the final
    /// response whatever its status; turning an error status into an
    /// [`Error`] is the driver's job, since only it can read the provider's
    /// error body.
    pub async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse> {
        let inner = &self.inner;
        match request.url.scheme() {
            "https" => {}
            "http" if inner.allow_http => {}
            "http" => {
                return Err(Error::invalid_input(format!(
                    "refusing plain HTTP to {}; configure the endpoint explicitly to allow it",
                    request.url.host_str().unwrap_or("?")
                ))
                .with_provider(&inner.provider));
            }
            other => {
                return Err(Error::invalid_input(format!(
                    "unsupported URL scheme `{other}`"
                )));
            }
        }
        let idempotent = request.is_idempotent();
        let can_replay = request.body.is_replayable();
        let started = tokio::time::Instant::now();
        let mut refreshed = false;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let Some(http_request) = request.attempt(attempt == 1) else {
                return Err(Error::transport(
                    "a streamed request body cannot be sent twice",
                ));
            };
            let mut http_request = http_request?;
            http_request
                .headers_mut()
                .insert(USER_AGENT, inner.user_agent.clone());
            if let Some(signer) = &inner.signer {
                signer.sign(&mut http_request).await?;
            }
            let span = tracing::debug_span!(
                "http",
                provider = %inner.provider,
                method = %request.method,
                host = request.url.host_str().unwrap_or(""),
                path = request.url.path(),
                attempt,
                status = tracing::field::Empty,
            );
            let outcome = self
                .attempt_once(http_request, idempotent, &mut refreshed)
                .instrument(span)
                .await;
            let (delay, last) = match outcome {
                Outcome::Done(result) => return result,
                Outcome::Reauthenticate(last) if can_replay => {
                    // A fresh credential: this retry does not count as an attempt.
                    attempt -= 1;
                    tracing::debug!("retrying once with refreshed credentials");
                    let _ = last;
                    continue;
                }
                Outcome::Reauthenticate(last) => return last,
                Outcome::Retry { delay, last } => (delay, last),
            };
            let delay = delay.unwrap_or_else(|| inner.retry.backoff(attempt));
            let elapsed = started.elapsed();
            if !can_replay
                || attempt >= inner.retry.max_attempts_value()
                || !inner.retry.within_budget(elapsed, delay)
            {
                return last;
            }
            match &last {
                Ok(r) => tracing::debug!(
                    status = r.status().as_u16(),
                    ?delay,
                    attempt,
                    "retrying after error status"
                ),
                Err(e) => tracing::debug!(error = %e, ?delay, attempt, "retrying after failure"),
            }
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt_once(
        &self,
        request: http::Request<Body>,
        idempotent: bool,
        refreshed: &mut bool,
    ) -> Outcome {
        let inner = &self.inner;
        let is_head = request.method() == Method::HEAD;
        let progress = Progress::new();
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, body.with_progress(progress.clone()));
        let result = send_with_inactivity_timeout(
            &*inner.transport,
            request,
            &progress,
            inner.timeouts.request,
        )
        .await;
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                let e = e.with_provider(&inner.provider);
                let retryable = matches!(e.kind(), ErrorKind::Transport | ErrorKind::Timeout)
                    && (idempotent || e.was_not_sent());
                return if retryable {
                    Outcome::Retry {
                        delay: None,
                        last: Err(e),
                    }
                } else {
                    Outcome::Done(Err(e))
                };
            }
        };
        let (parts, body) = response.into_parts();
        let status = parts.status;
        tracing::Span::current().record("status", status.as_u16());
        tracing::debug!(status = status.as_u16(), "response");
        if status.is_success() || status.is_redirection() || status.is_informational() {
            let expected = if is_head
                || status == StatusCode::NO_CONTENT
                || status == StatusCode::NOT_MODIFIED
            {
                None
            } else {
                content_length(&parts.headers)
            };
            let body = body.guarded(expected, inner.timeouts.read);
            return Outcome::Done(Ok(HttpResponse::new(status, parts.headers, body)));
        }
        // An error status: read a bounded amount of the body so the
        // classifier (and later the driver) can see the provider's code.
        let body_bytes = match body
            .guarded(None, inner.timeouts.read)
            .bytes_limited(MAX_ERROR_BODY)
            .await
        {
            Ok(b) => b,
            Err(e) => return Outcome::Done(Err(e.with_provider(&inner.provider))),
        };
        let response = HttpResponse::new(
            status,
            parts.headers,
            ResponseBody::from_bytes(body_bytes.clone()),
        );
        if !*refreshed
            && inner
                .classifier
                .is_refused_credential(status, response.headers(), &body_bytes)
            && let Some(signer) = &inner.signer
        {
            *refreshed = true;
            return match signer.refresh().await {
                Ok(true) => Outcome::Reauthenticate(Ok(response)),
                Ok(false) => Outcome::Done(Ok(response)),
                Err(e) => Outcome::Done(Err(e)),
            };
        }
        let throttled = inner
            .classifier
            .is_throttling(status, response.headers(), &body_bytes);
        if !(idempotent || throttled)
            || !inner
                .classifier
                .is_retryable(status, response.headers(), &body_bytes)
        {
            return Outcome::Done(Ok(response));
        }
        match retry_after(response.headers()) {
            Some(wait) => match inner.retry.honour_retry_after(wait) {
                Some(delay) => Outcome::Retry {
                    delay: Some(delay),
                    last: Ok(response),
                },
                None => Outcome::Done(Ok(response)),
            },
            None => Outcome::Retry {
                delay: None,
                last: Ok(response),
            },
        }
    }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Waits for the response headers, failing once `timeout` passes with no
/// progress: neither headers nor a new chunk of the request body.
async fn send_with_inactivity_timeout(
    transport: &dyn Transport,
    request: http::Request<Body>,
    progress: &Progress,
    timeout: Duration,
) -> Result<http::Response<ResponseBody>> {
    let send = transport.send(request);
    tokio::pin!(send);
    loop {
        let deadline = progress.last() + timeout;
        tokio::select! {
            result = &mut send => return result,
            () = tokio::time::sleep_until(deadline) => {
                if progress.last() + timeout <= tokio::time::Instant::now() {
                    return Err(Error::timeout(format!(
                        "no response for {timeout:?} after the request was sent"
                    )));
                }
            }
        }
    }
}
