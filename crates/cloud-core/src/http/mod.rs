//! The HTTP machinery shared by every provider driver (feature `http`).
//!
//! Layered like a service stack: a [`Transport`] moves one exchange (hyper 1
//! with rustls by default; record, replay and fault-injecting transports in
//! tests), and the [`HttpClient`] above it adds signing, retries with
//! jittered backoff, `Retry-After`, timeouts, length checks and tracing.
//! Drivers build [`HttpRequest`]s and map error statuses with [`status_error`].

pub mod auth;
mod body;
mod builder;
mod classify;
mod client;
mod encoding;
pub mod json;
mod message;
#[cfg(feature = "storage")]
mod object;
mod options;
mod proxy;
pub mod rest;
mod retry;
mod signer;
mod status;
mod timeouts;
mod transport;

pub use body::{Body, MAX_BUFFERED_BODY, MAX_ERROR_BODY, ResponseBody};
pub use builder::HttpClientBuilder;
pub use classify::{DefaultClassifier, RetryClassifier};
pub use client::{HttpClient, USER_AGENT_VALUE};
pub use encoding::encode_component;
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
pub use json::{JsonAnswer, MAX_JSON_ANSWER, hint_base_path};
pub use message::{HttpRequest, HttpResponse};
#[cfg(feature = "storage")]
pub use object::{content_length, download_span, with_download_options};
pub use options::ClientOptions;
pub use proxy::ProxyOptions;
pub use retry::{RetryPolicy, is_retryable_status, retry_after};
pub use signer::Signer;
pub use status::{first_header, status_error};
pub use timeouts::Timeouts;
pub use transport::{HyperTransport, TlsOptions, Transport, mark_not_sent};

/// Reads an HTTP date (`Last-Modified`, `Date`, `Expires`).
pub fn parse_http_date(text: &str) -> Option<std::time::SystemTime> {
    httpdate::parse_http_date(text.trim()).ok()
}

/// Writes an HTTP date (`x-ms-date`, `Date`), as [`parse_http_date`] reads it.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let date = cloud_core::http::format_http_date(UNIX_EPOCH + Duration::from_secs(86_400));
/// assert_eq!(date, "Fri, 02 Jan 1970 00:00:00 GMT");
/// ```
pub fn format_http_date(time: std::time::SystemTime) -> String {
    httpdate::fmt_http_date(time)
}

/// Reads `Content-Range: bytes START-END/TOTAL` as (`START..END+1`, `TOTAL`).
///
/// ```
/// assert_eq!(cloud_core::http::content_range("bytes 10-19/1000"), Some((10..20, 1000)));
/// assert_eq!(cloud_core::http::content_range("bytes */1000"), None);
/// ```
pub fn content_range(value: &str) -> Option<(std::ops::Range<u64>, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    let (start, end, total): (u64, u64, u64) =
        (start.parse().ok()?, end.parse().ok()?, total.parse().ok()?);
    (start <= end && end < total).then_some((start..end + 1, total))
}
