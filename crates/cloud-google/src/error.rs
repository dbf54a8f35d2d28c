//! Google's error bodies as typed errors.
//!
//! Every Google JSON API answers a failure with `{"error": {"code",
//! "message", "errors": [{"domain", "reason", "message"}], "status"}}`; the
//! HTTP status and the resource the call was about choose the kind, the
//! message and the first `reason` (Google's stable code) are kept.

use cloud_core::http::{HeaderMap, StatusCode, first_header, status_error};
use cloud_core::{Error, ErrorKind, ResourceKind};
use serde_json::Value;

use crate::PROVIDER;

/// What a request is about, for the error a failure becomes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct About<'a> {
    pub(crate) resource: ResourceKind,
    pub(crate) id: &'a str,
    /// How a 409 (or an emulator's 412) reads for this call.
    pub(crate) conflict: Conflict,
}

/// What a clash with the resource's state means for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// Nothing special: a plain `Conflict`.
    Other,
    /// A create: 409 means the name is taken.
    Exists,
    /// A container delete: 409 (412 on fake-gcs-server) means it holds objects.
    NotEmpty,
}

impl<'a> About<'a> {
    pub(crate) fn reading(resource: ResourceKind, id: &'a str) -> Self {
        About {
            resource,
            id,
            conflict: Conflict::Other,
        }
    }

    pub(crate) fn creating(resource: ResourceKind, id: &'a str) -> Self {
        About {
            resource,
            id,
            conflict: Conflict::Exists,
        }
    }

    pub(crate) fn emptying(resource: ResourceKind, id: &'a str) -> Self {
        About {
            resource,
            id,
            conflict: Conflict::NotEmpty,
        }
    }
}

/// The message and first reason of an error body; text that is not
/// Google's JSON shape is kept (cut to 300 characters) as the message.
fn describe(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let text: String = String::from_utf8_lossy(body)
            .trim()
            .chars()
            .take(300)
            .collect();
        return ((!text.is_empty()).then_some(text), None);
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

/// The error for a failed answer from `api` about `about`.
pub(crate) fn response_error(
    api: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    about: Option<About<'_>>,
) -> Error {
    let (message, reason) = describe(body);
    let conflict = about.map_or(Conflict::Other, |a| a.conflict);
    let mut err = match (status.as_u16(), about) {
        (404, Some(a)) => Error::not_found(a.resource, a.id),
        (409, Some(a)) if conflict == Conflict::Exists => Error::already_exists(a.resource, a.id),
        (409 | 412, Some(a)) if conflict == Conflict::NotEmpty => {
            Error::not_empty(a.resource, a.id)
        }
        (400, _) => Error::new(
            ErrorKind::InvalidInput,
            format!("{api} refused the request"),
        ),
        _ => status_error(PROVIDER, status, headers),
    }
    .with_provider(PROVIDER)
    .with_status(status.as_u16());
    err = err.with_answer(api, message.as_deref(), reason.as_deref());
    if let Some(id) = first_header(headers, &["x-guploader-uploadid", "x-goog-request-id"]) {
        err = err.with_request_id(id);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_bodies_become_kinds_with_message_and_reason() {
        let body = br#"{"error": {"code": 409, "message": "You already own this bucket.",
            "errors": [{"domain": "global", "reason": "conflict", "message": "x"}]}}"#;
        let about = About::creating(ResourceKind::Container, "b1");
        let err = response_error(
            "Cloud Storage",
            StatusCode::CONFLICT,
            &HeaderMap::new(),
            body,
            Some(about),
        );
        assert!(
            matches!(err.kind(), ErrorKind::AlreadyExists { .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("You already own this bucket"),
            "{err}"
        );
        assert_eq!(err.code(), Some("conflict"));

        let err = response_error(
            "Cloud Storage",
            StatusCode::PRECONDITION_FAILED,
            &HeaderMap::new(),
            b"{\"error\": {\"code\": 412, \"message\": \"bucket must be empty\"}}",
            Some(About::emptying(ResourceKind::Container, "b1")),
        );
        assert!(matches!(err.kind(), ErrorKind::NotEmpty { .. }), "{err}");

        let err = response_error(
            "Cloud Storage",
            StatusCode::PRECONDITION_FAILED,
            &HeaderMap::new(),
            b"",
            Some(About::reading(ResourceKind::Object, "b1/o")),
        );
        assert_eq!(err.kind(), &ErrorKind::PreconditionFailed);

        let err = response_error(
            "Cloud Storage",
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>upstream down</html>",
            None,
        );
        assert!(err.to_string().contains("upstream down"), "{err}");
    }

    #[test]
    fn oauth_errors_keep_their_code() {
        let (message, code) =
            describe(br#"{"error": "invalid_grant", "error_description": "Invalid JWT"}"#);
        assert_eq!(message.as_deref(), Some("Invalid JWT"));
        assert_eq!(code.as_deref(), Some("invalid_grant"));
    }
}
