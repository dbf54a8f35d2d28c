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

use http::header::{CONTENT_LENGTH, HeaderValue, USER_AGENT};
use http::{HeaderMap, Method, StatusCode};
use tracing::Instrument;

use super::body::{Body, MAX_ERROR_BODY, Progress, ResponseBody};
use super::builder::HttpClientBuilder;
use super::classify::RetryClassifier;
use super::message::{HttpRequest, HttpResponse};
use super::retry::{RetryPolicy, retry_after};
use super::signer::Signer;
use super::timeouts::Timeouts;
use super::transport::Transport;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Redactor;

/// The default `User-Agent`.
pub const USER_AGENT_VALUE: &str = concat!("cloud-rs/", env!("CARGO_PKG_VERSION"));

/// Sends requests with retries, timeouts, signing and tracing. Cheap to
/// clone; clones share the connection pool.
#[derive(Debug, Clone)]
pub struct HttpClient {
    pub(super) inner: Arc<Inner>,
}

/// What every clone of a client shares.
#[derive(Debug, Clone)]
pub(super) struct Inner {
    pub(super) provider: String,
    pub(super) transport: Arc<dyn Transport>,
    pub(super) retry: RetryPolicy,
    pub(super) timeouts: Timeouts,
    pub(super) signer: Option<Arc<dyn Signer>>,
    pub(super) classifier: Arc<dyn RetryClassifier>,
    pub(super) allow_http: bool,
    pub(super) user_agent: HeaderValue,
    pub(super) redactor: Redactor,
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
        for secret in signer.secrets() {
            self.inner.redactor.add(&secret);
        }
        let mut inner = (*self.inner).clone();
        inner.signer = Some(signer);
        HttpClient {
            inner: Arc::new(inner),
        }
    }

    /// Starts configuring a client for `provider` (used in errors and traces).
    pub fn builder(provider: impl Into<String>) -> HttpClientBuilder {
        HttpClientBuilder::new(provider.into())
    }

    /// The provider name given to the builder.
    pub fn provider(&self) -> &str {
        &self.inner.provider
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The credentials this client cuts out of error answers and errors
    /// (see [`HttpClientBuilder::redactor`]).
    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    /// Sends `request`, retrying as the policy allows. Returns the final
    /// response whatever its status; turning an error status into an
    /// [`Error`] is the driver's job, since only it can read the provider's
    /// error body.
    ///
    /// The body of an error answer comes back read (at most
    /// [`MAX_ERROR_BODY`] bytes) and with the client's credentials cut out,
    /// as does every error: whatever a driver logs or quotes of either holds
    /// no secret, even when the server echoes the request.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        self.send_attempts(request)
            .await
            .map_err(|e| self.inner.redactor.scrub(e))
    }

    async fn send_attempts(&self, mut request: HttpRequest) -> Result<HttpResponse> {
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
                let e = inner.redactor.scrub(e.with_provider(&inner.provider));
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
            Ok(b) => inner.redactor.scrub_bytes(b),
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
