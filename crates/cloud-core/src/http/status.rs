//! The default meaning of an HTTP error status.
//!
//! Drivers parse the provider's error body (XML, JSON) for its code, message
//! and request id, then refine what this gives them: S3's `NoSuchBucket`
//! becomes `NotFound { Container }`, `BucketNotEmpty` becomes `NotEmpty`.

use http::{HeaderMap, StatusCode};

use super::retry::retry_after;
use crate::error::{Error, ErrorKind};

/// An error for a response with `status`, kind chosen from the status alone.
///
/// ```
/// use cloud_core::ErrorKind;
/// use cloud_core::http::{HeaderMap, StatusCode, status_error};
///
/// let err = status_error("s3", StatusCode::FORBIDDEN, &HeaderMap::new())
///     .with_code("AccessDenied")
///     .with_request_id("R1");
/// assert_eq!(err.kind(), &ErrorKind::PermissionDenied);
/// assert_eq!(err.to_string(), "s3: HTTP 403 Forbidden (HTTP 403, code AccessDenied, request id R1)");
/// ```
pub fn status_error(provider: &str, status: StatusCode, headers: &HeaderMap) -> Error {
    let kind = match status {
        StatusCode::UNAUTHORIZED => ErrorKind::InvalidCredentials,
        StatusCode::FORBIDDEN => ErrorKind::PermissionDenied,
        StatusCode::CONFLICT => ErrorKind::Conflict,
        StatusCode::PRECONDITION_FAILED => ErrorKind::PreconditionFailed,
        StatusCode::RANGE_NOT_SATISFIABLE => ErrorKind::RangeNotSatisfiable,
        StatusCode::TOO_MANY_REQUESTS => ErrorKind::RateLimited {
            retry_after: retry_after(headers),
        },
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => ErrorKind::Timeout,
        _ => ErrorKind::Provider,
    };
    let reason = status.canonical_reason().unwrap_or("error");
    Error::new(kind, format!("HTTP {} {reason}", status.as_u16()))
        .with_provider(provider)
        .with_status(status.as_u16())
}

/// The first of `names` present in `headers`, as text (request ids travel
/// under different names: `x-amz-request-id`, `x-openstack-request-id`...).
pub fn first_header<'a>(headers: &'a HeaderMap, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| headers.get(*n).and_then(|v| v.to_str().ok()))
}
