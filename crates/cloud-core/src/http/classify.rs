//! Which error answers are worth another attempt: the provider's say, on
//! top of the statuses every HTTP service shares.

use std::fmt::Debug;

use http::{HeaderMap, StatusCode};

use super::retry::is_retryable_status;

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
