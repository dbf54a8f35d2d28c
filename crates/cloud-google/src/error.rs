//! Google's error bodies as typed errors.
//!
//! Every Google JSON API answers a failure with `{"error": {"code",
//! "message", "errors": [{"domain", "reason", "message"}], "status"}}`; the
//! HTTP status and the resource the call was about choose the kind, the
//! message and the first `reason` (Google's stable code) are kept.

use cloud_core::http::rest::{Conflict, Failure};
use cloud_core::http::{HeaderMap, RetryClassifier, StatusCode, is_retryable_status, status_error};
use cloud_core::{Error, ErrorKind};
use serde_json::Value;

use crate::PROVIDER;

/// The message and first reason of an error body; text that is not
/// Google's JSON shape is kept (cut to 300 characters) as the message.
fn describe(failure: &Failure<'_>) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(failure.body) else {
        return (failure.text(), None);
    };
    let error = value.get("error").unwrap_or(&value);
    // The token endpoint answers OAuth's `{"error": "invalid_grant", "error_description"}`.
    if let Some(code) = error.as_str() {
        let description = value.get("error_description").and_then(Value::as_str);
        return (description.map(str::to_owned), Some(code.to_owned()));
    }
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    let reason = error
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|errors| errors.first())
        .and_then(|e| e.get("reason"))
        .and_then(Value::as_str)
        .or_else(|| error.get("status").and_then(Value::as_str))
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    (message, reason)
}

/// The `reason`s Google's JSON APIs give a request refused for its rate
/// (with 403, besides 429): Google asks for the request again after an
/// exponential backoff.
const RATE_REASONS: &[&str] = &["rateLimitExceeded", "userRateLimitExceeded"];

/// Whether an error body says the request was refused for its rate.
fn rate_limited(status: StatusCode, body: &[u8]) -> bool {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return true;
    }
    if status != StatusCode::FORBIDDEN {
        return false;
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    value
        .pointer("/error/errors")
        .and_then(Value::as_array)
        .is_some_and(|errors| {
            errors.iter().any(|e| {
                e.get("reason")
                    .and_then(Value::as_str)
                    .is_some_and(|r| RATE_REASONS.contains(&r))
            })
        })
}

/// Retries what every HTTP service retries, and Google's rate refusals,
/// which some APIs (Compute Engine, Cloud DNS) send as 403
/// `rateLimitExceeded`: those are throttling, retried even for requests
/// that are not idempotent, since Google did nothing with them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GoogleRetryClassifier;

impl RetryClassifier for GoogleRetryClassifier {
    fn is_retryable(&self, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> bool {
        is_retryable_status(status) || rate_limited(status, body)
    }

    fn is_throttling(&self, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> bool {
        rate_limited(status, body)
    }
}

/// The error for a failed answer (the `RestClient`'s error mapper).
/// fake-gcs-server answers a non-empty bucket's delete 412, not 409.
pub(crate) fn response_error(failure: &Failure<'_>) -> Error {
    let (message, reason) = describe(failure);
    let not_empty = failure
        .about
        .filter(|a| failure.status.as_u16() == 412 && a.conflict == Conflict::NotEmpty)
        .map(|a| Error::not_empty(a.resource, a.id));
    let throttled = rate_limited(failure.status, failure.body).then(|| {
        Error::new(
            ErrorKind::RateLimited {
                retry_after: cloud_core::http::retry_after(failure.headers),
            },
            format!("{} refused the request for its rate", failure.api),
        )
    });
    let err = not_empty
        .or(throttled)
        .or_else(|| failure.resource_error())
        .unwrap_or_else(|| match failure.status.as_u16() {
            400 => Error::new(
                ErrorKind::InvalidInput,
                format!("{} refused the request", failure.api),
            ),
            _ => status_error(PROVIDER, failure.status, failure.headers),
        });
    failure.answered(
        err,
        message.as_deref(),
        reason.as_deref(),
        &["x-guploader-uploadid", "x-goog-request-id"],
    )
}

#[cfg(test)]
mod tests {
    use cloud_core::ResourceKind;
    use cloud_core::http::rest::About;
    use cloud_core::http::{HeaderMap, StatusCode};

    use super::*;

    fn mapped(status: StatusCode, body: &[u8], about: Option<About<'_>>) -> Error {
        response_error(&Failure {
            api: "Cloud Storage",
            status,
            headers: &HeaderMap::new(),
            body,
            about,
        })
    }

    fn text(body: &[u8]) -> (Option<String>, Option<String>) {
        describe(&Failure {
            api: "Cloud Storage",
            status: StatusCode::BAD_REQUEST,
            headers: &HeaderMap::new(),
            body,
            about: None,
        })
    }

    #[test]
    fn google_bodies_become_kinds_with_message_and_reason() {
        let body = br#"{"error": {"code": 409, "message": "You already own this bucket.",
            "errors": [{"domain": "global", "reason": "conflict", "message": "x"}]}}"#;
        let about = About::creating(ResourceKind::Container, "b1");
        let err = mapped(StatusCode::CONFLICT, body, Some(about));
        assert!(
            matches!(err.kind(), ErrorKind::AlreadyExists { .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("You already own this bucket"),
            "{err}"
        );
        assert_eq!(err.code(), Some("conflict"));

        let err = mapped(
            StatusCode::PRECONDITION_FAILED,
            b"{\"error\": {\"code\": 412, \"message\": \"bucket must be empty\"}}",
            Some(About::emptying(ResourceKind::Container, "b1")),
        );
        assert!(matches!(err.kind(), ErrorKind::NotEmpty { .. }), "{err}");

        let err = mapped(
            StatusCode::PRECONDITION_FAILED,
            b"",
            Some(About::reading(ResourceKind::Object, "b1/o")),
        );
        assert_eq!(err.kind(), &ErrorKind::PreconditionFailed);

        let err = mapped(StatusCode::BAD_GATEWAY, b"<html>upstream down</html>", None);
        assert!(err.to_string().contains("upstream down"), "{err}");
    }

    #[test]
    fn rate_refusals_are_throttling() {
        let body = br#"{"error": {"code": 403, "message": "Rate Limit Exceeded",
            "errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded", "message": "x"}]}}"#;
        let err = mapped(StatusCode::FORBIDDEN, body, None);
        assert!(matches!(err.kind(), ErrorKind::RateLimited { .. }), "{err}");
        let classifier = GoogleRetryClassifier;
        let headers = HeaderMap::new();
        assert!(classifier.is_throttling(StatusCode::FORBIDDEN, &headers, body));
        assert!(classifier.is_retryable(StatusCode::FORBIDDEN, &headers, body));
        // A refusal for permissions is final.
        let denied = br#"{"error": {"code": 403, "message": "Request had insufficient authentication scopes.",
            "errors": [{"domain": "global", "reason": "insufficientPermissions"}]}}"#;
        assert!(!classifier.is_retryable(StatusCode::FORBIDDEN, &headers, denied));
        assert!(!matches!(
            mapped(StatusCode::FORBIDDEN, denied, None).kind(),
            ErrorKind::RateLimited { .. }
        ));
        assert!(classifier.is_throttling(StatusCode::TOO_MANY_REQUESTS, &headers, b""));
        assert!(!classifier.is_retryable(StatusCode::FORBIDDEN, &headers, b"<html>"));
    }

    #[test]
    fn oauth_errors_keep_their_code() {
        let (message, code) =
            text(br#"{"error": "invalid_grant", "error_description": "Invalid JWT"}"#);
        assert_eq!(message.as_deref(), Some("Invalid JWT"));
        assert_eq!(code.as_deref(), Some("invalid_grant"));
    }
}
