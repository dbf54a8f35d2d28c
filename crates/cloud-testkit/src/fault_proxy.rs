//! A fault-injecting HTTP proxy between a driver and a real local server.
//!
//! Mocks prove what a driver does with answers someone imagined; the proxy
//! proves what it does when a real server's answers are damaged in transit.
//! Requests go through unchanged (the `Host` header too, so SigV4 still
//! verifies) unless a scripted [`Rule`] matches: then the proxy answers an
//! error itself, forwards and drops the connection, cuts, stalls or trickles
//! the body, or swaps it for garbage. Every request is logged with the fault
//! it got, so a test can count attempts and see what a retry carried.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

type ProxyBody = UnsyncBoxBody<Bytes, ProxyError>;

/// Why the proxy dropped a connection (a scripted fault, or the server
/// failing); hyper closes the connection on any error.
#[derive(Debug)]
struct ProxyError(String);

impl<E: std::error::Error> From<E> for ProxyError {
    fn from(e: E) -> Self {
        ProxyError(e.to_string())
    }
}

impl From<ProxyError> for Box<dyn std::error::Error + Send + Sync> {
    fn from(e: ProxyError) -> Self {
        e.0.into()
    }
}

fn dropped(message: &str) -> ProxyError {
    ProxyError(message.to_owned())
}

/// What the proxy does to a request a rule matches.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Fault {
    /// Answers this status, headers and body itself; the server never sees
    /// the request.
    Respond {
        /// The status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
    /// Drops the connection before any response byte. With `forward`, the
    /// server got (and acted on) the request first: the case where a blind
    /// retry of a non-idempotent call duplicates it.
    Reset {
        /// Whether the server saw the request.
        forward: bool,
    },
    /// Forwards, sends the headers and `after` body bytes, then resets the
    /// connection.
    ResetMidBody {
        /// Body bytes sent before the reset.
        after: usize,
    },
    /// Forwards, then ends the body cleanly after `after` bytes, short of
    /// its `Content-Length`.
    Truncate {
        /// Body bytes sent.
        after: usize,
    },
    /// Sends nothing at all for `duration` (the server never sees it).
    Stall {
        /// How long.
        duration: Duration,
    },
    /// Forwards, sends the headers and `after` body bytes, then goes silent
    /// for `duration`.
    StallMidBody {
        /// Body bytes sent first.
        after: usize,
        /// How long the silence lasts.
        duration: Duration,
    },
    /// Forwards, then sends the body `chunk` bytes at a time with `delay`
    /// between chunks: slow, but alive.
    Trickle {
        /// Bytes per chunk.
        chunk: usize,
        /// Pause between chunks.
        delay: Duration,
    },
    /// Forwards, then replaces a successful response's body with `body`.
    Malformed {
        /// The replacement.
        body: String,
    },
}

impl Fault {
    /// `status` with an empty body.
    pub fn status(status: u16) -> Self {
        Fault::Respond {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// 500 Internal Server Error, with an S3-style error body.
    pub fn internal_error() -> Self {
        Self::s3_error(500, "InternalError", "We encountered an internal error.")
    }

    /// 503 with S3's `SlowDown` code.
    pub fn slow_down() -> Self {
        Self::s3_error(503, "SlowDown", "Please reduce your request rate.")
    }

    /// 503 with EC2's `RequestLimitExceeded`: throttled, so not processed.
    pub fn request_limit_exceeded() -> Self {
        Fault::Respond {
            status: 503,
            headers: vec![("content-type".into(), "text/xml".into())],
            body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-body</RequestID></Response>".into(),
        }
    }

    /// 503 Service Unavailable, with an S3-style error body (EC2 and Swift
    /// read the status; S3 reads the code).
    pub fn unavailable() -> Self {
        Self::s3_error(503, "ServiceUnavailable", "Service unavailable.")
    }

    /// 429 asking the client to wait `seconds` (delta-seconds form).
    pub fn throttled(seconds: u64) -> Self {
        Fault::Respond {
            status: 429,
            headers: vec![("retry-after".into(), seconds.to_string())],
            body: String::new(),
        }
    }

    /// 429 asking the client to wait until `at` (HTTP-date form).
    pub fn throttled_until(at: std::time::SystemTime) -> Self {
        Fault::Respond {
            status: 429,
            headers: vec![("retry-after".into(), httpdate::fmt_http_date(at))],
            body: String::new(),
        }
    }

    /// 401, as a server answers a token that expired.
    pub fn expired_token() -> Self {
        Fault::Respond {
            status: 401,
            headers: vec![("www-authenticate".into(), "Swift realm=\"fault\"".into())],
            body: "<html><h1>Unauthorized</h1><p>This server could not verify that you are authorized to access the document you requested.</p></html>".into(),
        }
    }

    fn s3_error(status: u16, code: &str, message: &str) -> Self {
        Fault::Respond {
            status,
            headers: vec![("content-type".into(), "application/xml".into())],
            body: format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault-body</RequestId></Error>"
            ),
        }
    }

    /// A short name for logs and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Respond { status: 429, .. } => "429",
            Fault::Respond { status: 401, .. } => "401",
            Fault::Respond { status: 500, .. } => "500",
            Fault::Respond { status: 503, .. } => "503",
            Fault::Respond { .. } => "status",
            Fault::Reset { forward: true } => "reset-after-forward",
            Fault::Reset { forward: false } => "reset",
            Fault::ResetMidBody { .. } => "reset-mid-body",
            Fault::Truncate { .. } => "truncate",
            Fault::Stall { .. } => "stall",
            Fault::StallMidBody { .. } => "stall-mid-body",
            Fault::Trickle { .. } => "trickle",
            Fault::Malformed { .. } => "malformed",
        }
    }
}

/// Which requests a fault applies to, and how many times.
#[derive(Debug, Clone)]
pub struct Rule {
    method: Option<String>,
    path_contains: Option<String>,
    query_contains: Option<String>,
    times: usize,
    fault: Fault,
}

impl Rule {
    /// `fault` for the next matching request only.
    pub fn new(fault: Fault) -> Self {
        Rule {
            method: None,
            path_contains: None,
            query_contains: None,
            times: 1,
            fault,
        }
    }

    /// Only requests with this method.
    #[must_use]
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only requests whose path contains `text`.
    #[must_use]
    pub fn path(mut self, text: &str) -> Self {
        self.path_contains = Some(text.to_owned());
        self
    }

    /// Only requests whose query (or form body's `Action`, for the AWS
    /// query APIs, which POST it) contains `text`.
    #[must_use]
    pub fn query(mut self, text: &str) -> Self {
        self.query_contains = Some(text.to_owned());
        self
    }

    /// Applies to the next `n` matching requests.
    #[must_use]
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }

    /// Whether this rule (ignoring how many uses it has left) matches a
    /// logged request: for counting the attempts of one call.
    pub fn matches_seen(&self, seen: &Seen) -> bool {
        Rule {
            times: 1,
            ..self.clone()
        }
        .matches(&seen.method, &seen.path, &seen.query)
    }

    fn matches(&self, method: &str, path: &str, query: &str) -> bool {
        self.times > 0
            && self.method.as_deref().is_none_or(|m| m == method)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
            && self
                .query_contains
                .as_deref()
                .is_none_or(|q| query.contains(q))
    }
}

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query, plus an AWS form body's parameters after a `&`.
    pub query: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The fault injected, if any.
    pub fault: Option<&'static str>,
}

#[derive(Debug, Default)]
struct State {
    rules: Vec<Rule>,
    log: Vec<Seen>,
}

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    upstream: String,
    upstream_authority: String,
    proxy_authority: String,
    client: Client<HttpConnector, ProxyBody>,
    state: Arc<Mutex<State>>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    match state.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 in front of `upstream`
    /// (`http://127.0.0.1:PORT`). Call inside a tokio runtime.
    pub async fn start(upstream: &str) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let upstream = upstream.trim_end_matches('/').to_owned();
        let upstream_authority = upstream
            .split_once("://")
            .map_or(upstream.as_str(), |(_, a)| a)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::new(Shared {
            upstream,
            upstream_authority,
            proxy_authority: addr.to_string(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            state: state.clone(),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = shared.clone();
                        async move { handle(shared, req).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(FaultProxy { addr, state, task })
    }

    /// The proxy's base URL, to configure the driver with.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds a rule; rules are tried in the order added.
    pub fn inject(&self, rule: Rule) {
        lock(&self.state).rules.push(rule);
    }

    /// Removes every rule not yet used up.
    pub fn clear_rules(&self) {
        lock(&self.state).rules.clear();
    }

    /// Forgets the log.
    pub fn clear_log(&self) {
        lock(&self.state).log.clear();
    }

    /// Every request seen since the last [`clear_log`](Self::clear_log).
    pub fn log(&self) -> Vec<Seen> {
        lock(&self.state).log.clone()
    }

    /// How many logged requests got a fault.
    pub fn faults_injected(&self) -> usize {
        lock(&self.state)
            .log
            .iter()
            .filter(|s| s.fault.is_some())
            .count()
    }
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<ProxyBody>, ProxyError> {
    let shared = &*shared;
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let mut query = parts.uri.query().unwrap_or_default().to_owned();
    let is_form = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    // AWS query APIs (EC2, ELB) put `Action=...` in a small form body:
    // read it, so rules can match on the action.
    let body: ProxyBody = if is_form {
        let bytes = body.collect().await?.to_bytes();
        query.push('&');
        query.push_str(&String::from_utf8_lossy(&bytes));
        Full::new(bytes).map_err(|e| match e {}).boxed_unsync()
    } else {
        body.map_err(ProxyError::from).boxed_unsync()
    };
    let range = parts
        .headers
        .get("range")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let fault = {
        let mut state = lock(&shared.state);
        let fault = state
            .rules
            .iter_mut()
            .find(|r| r.matches(&method, &path, &query))
            .map(|r| {
                r.times -= 1;
                r.fault.clone()
            });
        state.log.push(Seen {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            range,
            fault: fault.as_ref().map(Fault::name),
        });
        fault
    };
    let sequence = lock(&shared.state).log.len();
    match fault {
        None => {
            let response = forward(shared, parts, body).await?;
            Ok(rewrite(
                shared,
                response.map(|b| b.map_err(ProxyError::from).boxed_unsync()),
            ))
        }
        Some(Fault::Respond {
            status,
            headers,
            body: text,
        }) => {
            let mut response = Response::new(full(text));
            *response.status_mut() = StatusCode::from_u16(status)?;
            let id = format!("fault-{sequence}");
            for name in [
                "x-amz-request-id",
                "x-trans-id",
                "x-openstack-request-id",
                "x-ms-request-id",
            ] {
                response
                    .headers_mut()
                    .insert(name, HeaderValue::from_str(&id)?);
            }
            for (name, value) in headers {
                response.headers_mut().insert(
                    http::HeaderName::from_bytes(name.as_bytes())?,
                    HeaderValue::from_str(&value)?,
                );
            }
            Ok(response)
        }
        Some(Fault::Reset { forward: send }) => {
            if send {
                let response = forward(shared, parts, body).await?;
                let _ = response.into_body().collect().await;
            }
            Err(dropped("fault: connection reset before the response"))
        }
        Some(Fault::Stall { duration }) => {
            tokio::time::sleep(duration).await;
            Err(dropped("fault: stalled"))
        }
        Some(fault) => {
            let response = forward(shared, parts, body).await?;
            let (parts, body) = response.into_parts();
            let bytes = body.collect().await?.to_bytes();
            let (body, new_length) = shape(fault, parts.status, bytes);
            let mut response = rewrite(shared, Response::from_parts(parts, body));
            if let Some(len) = new_length {
                // The body is whole now: a chunked upstream's framing
                // (Azurite's) no longer applies.
                response.headers_mut().remove("transfer-encoding");
                response
                    .headers_mut()
                    .insert("content-length", HeaderValue::from(len));
            }
            Ok(response)
        }
    }
}

/// Sends the request on to the real server.
async fn forward(
    shared: &Shared,
    mut parts: http::request::Parts,
    body: ProxyBody,
) -> Result<Response<Incoming>, ProxyError> {
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = format!("{}{path_and_query}", shared.upstream).parse()?;
    Ok(shared
        .client
        .request(Request::from_parts(parts, body))
        .await?)
}

fn full(text: impl Into<Bytes>) -> ProxyBody {
    Full::new(text.into())
        .map_err(|e: Infallible| match e {})
        .boxed_unsync()
}

/// The damaged body, and the `Content-Length` to announce if it changes.
fn shape(fault: Fault, status: StatusCode, bytes: Bytes) -> (ProxyBody, Option<usize>) {
    type Item = Result<Frame<Bytes>, ProxyError>;
    let boxed =
        |s: futures::stream::BoxStream<'static, Item>| BodyExt::boxed_unsync(StreamBody::new(s));
    use futures::StreamExt;
    match fault {
        Fault::ResetMidBody { after } => {
            let head = bytes.slice(..after.min(bytes.len()));
            let s = futures::stream::iter([Ok(Frame::data(head))]).chain(futures::stream::once(
                async {
                    flush_pause().await;
                    Err::<Frame<Bytes>, ProxyError>(dropped("fault: connection reset mid-body"))
                },
            ));
            (boxed(s.boxed()), None)
        }
        Fault::Truncate { after } => {
            let head = bytes.slice(..after.min(bytes.len()));
            let s = futures::stream::iter([Ok(Frame::data(head))])
                .chain(futures::stream::once(flush_pause()).filter_map(|()| async { None }));
            (boxed(s.boxed()), None)
        }
        Fault::StallMidBody { after, duration } => {
            let cut = after.min(bytes.len());
            let (head, tail) = (bytes.slice(..cut), bytes.slice(cut..));
            let s = futures::stream::iter([Ok(Frame::data(head))]).chain(futures::stream::once(
                async move {
                    tokio::time::sleep(duration).await;
                    Ok(Frame::data(tail))
                },
            ));
            (boxed(s.boxed()), None)
        }
        Fault::Trickle { chunk, delay } => {
            let chunk = chunk.max(1);
            let pieces: Vec<Bytes> = (0..bytes.len())
                .step_by(chunk)
                .map(|i| bytes.slice(i..(i + chunk).min(bytes.len())))
                .collect();
            let s = futures::stream::iter(pieces).then(move |piece| async move {
                tokio::time::sleep(delay).await;
                Ok(Frame::data(piece))
            });
            (boxed(s.boxed()), None)
        }
        Fault::Malformed { body } if status.is_success() => {
            let len = body.len();
            (full(body), Some(len))
        }
        _ => {
            let len = bytes.len();
            (full(bytes), Some(len))
        }
    }
}

/// Lets hyper write what was sent so far before the body fails or ends:
/// otherwise it may drop the connection before the headers leave, and the
/// fault would look like a reset before the response.
async fn flush_pause() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Points the server's own absolute URLs (Swift's `X-Storage-Url`,
/// redirects) back at the proxy, so follow-up requests come through it.
fn rewrite(shared: &Shared, mut response: Response<ProxyBody>) -> Response<ProxyBody> {
    for value in response.headers_mut().values_mut() {
        if let Ok(text) = value.to_str()
            && text.contains(&shared.upstream_authority)
            && let Ok(new) = HeaderValue::from_str(
                &text.replace(&shared.upstream_authority, &shared.proxy_authority),
            )
        {
            *value = new;
        }
    }
    response
}
