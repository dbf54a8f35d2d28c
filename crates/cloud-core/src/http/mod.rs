//! The HTTP machinery shared by every provider driver (feature `http`).
//!
//! Layered like a service stack: a [`Transport`] moves one exchange (hyper 1
//! with rustls by default; record, replay and fault-injecting transports in
//! tests), and the [`HttpClient`] above it adds signing, retries with
//! jittered backoff, `Retry-After`, timeouts, length checks and tracing.
//! Drivers build [`HttpRequest`]s and map error statuses with [`status_error`].

mod body;
mod client;
mod retry;
mod status;
mod transport;

pub use body::{Body, MAX_BUFFERED_BODY, ResponseBody};
pub use client::{
    DefaultClassifier, HttpClient, HttpClientBuilder, HttpRequest, HttpResponse, RetryClassifier,
    Signer, Timeouts, USER_AGENT_VALUE,
};
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
pub use retry::{RetryPolicy, is_retryable_status, retry_after};
pub use status::{first_header, status_error};
pub use transport::{HyperTransport, TlsOptions, Transport, mark_not_sent};

/// Reads an HTTP date (`Last-Modified`, `Date`, `Expires`).
pub fn parse_http_date(text: &str) -> Option<std::time::SystemTime> {
    httpdate::parse_http_date(text.trim()).ok()
}
