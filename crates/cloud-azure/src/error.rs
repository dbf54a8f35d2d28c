//! Azure Storage's error answers as typed errors.
//!
//! The service answers `<Error><Code>…</Code><Message>…</Message></Error>`
//! and repeats the code in `x-ms-error-code`, which is all a HEAD gets.
//! The code decides the kind; the status is the fallback. Azure throttles
//! with 503 `ServerBusy` (and 500 `OperationTimedOut`), not only 429.

use cloud_core::http::{
    HeaderMap, ResponseBody, RetryClassifier, StatusCode, first_header, is_retryable_status,
    status_error,
};
use cloud_core::{Error, ErrorKind, ResourceKind};

use crate::PROVIDER;

/// The code and message of an error answer.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
}

/// Reads an error body; anything unreadable gives an empty result.
pub(crate) fn parse_error_body(body: &[u8]) -> ErrorBody {
    let Ok(text) = std::str::from_utf8(body) else {
        return ErrorBody::default();
    };
    let Ok(doc) = cloud_core::markup::xml::Document::parse(text.trim_start_matches('\u{feff}'))
    else {
        return ErrorBody::default();
    };
    let find = |name: &str| {
        doc.descendants()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    // The message ends with `RequestId:…` and `Time:…` lines: the request
    // id is kept apart, the time is noise.
    let message = find("Message").map(|m| {
        m.lines()
            .take_while(|l| !l.starts_with("RequestId:"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    ErrorBody {
        code: find("Code"),
        message,
    }
}

/// Codes Azure Storage throttles with.
const THROTTLING: &[&str] = &["ServerBusy", "OperationTimedOut"];

/// Codes that refuse the credentials themselves.
const BAD_CREDENTIALS: &[&str] = &[
    "AuthenticationFailed",
    "InvalidAuthenticationInfo",
    "NoAuthenticationInformation",
];

/// Codes of requests that can never succeed as sent.
const INVALID: &[&str] = &[
    "InvalidMetadata",
    "InvalidResourceName",
    "InvalidHeaderValue",
    "InvalidQueryParameterValue",
    "InvalidInput",
    "OutOfRangeInput",
    "OutOfRangeQueryParameterValue",
    "InvalidBlockId",
    "InvalidBlockList",
    "InvalidBlobType",
    "InvalidUri",
    "MissingRequiredHeader",
    "RequestBodyTooLarge",
    "UnsupportedHeader",
];

fn code_of(headers: &HeaderMap, body: &ErrorBody) -> Option<String> {
    first_header(headers, &["x-ms-error-code"])
        .map(str::to_owned)
        .or_else(|| body.code.clone())
}

/// Retries Azure's throttling and transient answers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AzureRetryClassifier;

impl RetryClassifier for AzureRetryClassifier {
    fn is_retryable(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool {
        is_retryable_status(status)
            || code_of(headers, &parse_error_body(body))
                .is_some_and(|c| THROTTLING.contains(&c.as_str()) || c == "InternalError")
    }

    fn is_throttling(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS
            || code_of(headers, &parse_error_body(body))
                .is_some_and(|c| THROTTLING.contains(&c.as_str()))
    }
}

/// The typed error of a failed response whose body is still unread.
pub(crate) async fn failed_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: ResponseBody,
    resource: Option<(ResourceKind, &str)>,
) -> Error {
    let bytes = body.error_bytes().await;
    response_error(status, headers, &bytes, resource)
}

/// The typed error of a failed response. `resource` names what the
/// request was about, so a bare 404 (HEAD has no body) still says what.
pub(crate) fn response_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    resource: Option<(ResourceKind, &str)>,
) -> Error {
    let parsed = parse_error_body(body);
    let code = code_of(headers, &parsed);
    let mut error = match kind_for(status, code.as_deref(), &parsed, resource) {
        Some(kind) => {
            let message = match (&kind, &parsed.message, &code) {
                (
                    ErrorKind::NotFound { resource, id }
                    | ErrorKind::AlreadyExists { resource, id },
                    Some(m),
                    _,
                ) if !id.is_empty() => format!("Azure Storage: {resource} `{id}`: {m}"),
                (_, Some(m), _) => format!("Azure Storage: {m}"),
                (ErrorKind::NotFound { resource, id }, None, _) if !id.is_empty() => {
                    format!("Azure Storage: {resource} `{id}` not found")
                }
                (ErrorKind::AlreadyExists { resource, id }, None, _) if !id.is_empty() => {
                    format!("Azure Storage: {resource} `{id}` already exists")
                }
                (_, None, Some(code)) => format!("Azure Storage: {code}"),
                _ => format!("Azure Storage answered HTTP {}", status.as_u16()),
            };
            Error::new(kind, message).with_provider(PROVIDER)
        }
        None => {
            let error = status_error(PROVIDER, status, headers);
            match parsed.message.as_ref().or(code.as_ref()) {
                Some(m) => error.with_message(format!("Azure Storage: {m}")),
                None => error,
            }
        }
    };
    error = error.with_status(status.as_u16());
    if let Some(code) = code {
        error = error.with_code(code);
    }
    if let Some(id) = first_header(headers, &["x-ms-request-id"]) {
        error = error.with_request_id(id);
    }
    error
}

fn kind_for(
    status: StatusCode,
    code: Option<&str>,
    body: &ErrorBody,
    resource: Option<(ResourceKind, &str)>,
) -> Option<ErrorKind> {
    let named = |fallback: ResourceKind| match resource {
        Some((kind, id)) => (kind, id.to_owned()),
        None => (fallback, String::new()),
    };
    let container_id = || match resource {
        Some((_, id)) => id.split('/').next().unwrap_or(id).to_owned(),
        None => String::new(),
    };
    let code = code.unwrap_or("");
    Some(match code {
        "ContainerNotFound" => ErrorKind::NotFound {
            resource: ResourceKind::Container,
            id: container_id(),
        },
        "BlobNotFound" => {
            let (resource, id) = named(ResourceKind::Object);
            ErrorKind::NotFound { resource, id }
        }
        "ContainerAlreadyExists" => ErrorKind::AlreadyExists {
            resource: ResourceKind::Container,
            id: container_id(),
        },
        "BlobAlreadyExists" => {
            let (resource, id) = named(ResourceKind::Object);
            ErrorKind::AlreadyExists { resource, id }
        }
        "ConditionNotMet" | "TargetConditionNotMet" | "SourceConditionNotMet" => {
            ErrorKind::PreconditionFailed
        }
        "InvalidRange" => ErrorKind::RangeNotSatisfiable,
        c if BAD_CREDENTIALS.contains(&c) => ErrorKind::InvalidCredentials,
        // Azurite refuses a bad signature with this code and Azure's
        // authentication message; Azure itself uses the code for requests
        // it authenticated but does not allow.
        "AuthorizationFailure"
            if body
                .message
                .as_deref()
                .is_some_and(|m| m.starts_with("Server failed to authenticate")) =>
        {
            ErrorKind::InvalidCredentials
        }
        c if THROTTLING.contains(&c) => ErrorKind::RateLimited { retry_after: None },
        c if INVALID.contains(&c) => ErrorKind::InvalidInput,
        "AuthorizationFailure"
        | "AuthorizationPermissionMismatch"
        | "InsufficientAccountPermissions" => ErrorKind::PermissionDenied,
        _ if status == StatusCode::NOT_FOUND => {
            let (resource, id) = named(ResourceKind::Object);
            ErrorKind::NotFound { resource, id }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ContainerAlreadyExists</Code>\
        <Message>The specified container already exists.\nRequestId:4e1a\nTime:2026-12-08T02:30:00.000Z</Message></Error>";

    #[test]
    fn codes_choose_the_kind() {
        let err = response_error(
            StatusCode::CONFLICT,
            &HeaderMap::new(),
            BODY.as_bytes(),
            Some((ResourceKind::Container, "box")),
        );
        assert_eq!(
            err.kind(),
            &ErrorKind::AlreadyExists {
                resource: ResourceKind::Container,
                id: "box".into()
            }
        );
        assert_eq!(err.code(), Some("ContainerAlreadyExists"));
        assert!(!err.message().contains("RequestId"), "{err}");
        let mut headers = HeaderMap::new();
        headers.insert("x-ms-error-code", "BlobNotFound".parse().unwrap());
        headers.insert("x-ms-request-id", "r-1".parse().unwrap());
        let missing = response_error(
            StatusCode::NOT_FOUND,
            &headers,
            b"",
            Some((ResourceKind::Object, "box/a")),
        );
        assert!(missing.is_not_found());
        assert_eq!(missing.request_id(), Some("r-1"));
        assert!(missing.to_string().contains("box/a"), "{missing}");
        let forbidden = response_error(
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            b"<Error><Code>AuthenticationFailed</Code></Error>",
            None,
        );
        assert_eq!(forbidden.kind(), &ErrorKind::InvalidCredentials);
        let odd = response_error(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"<html>", None);
        assert_eq!(odd.status(), Some(502));
    }

    #[test]
    fn server_busy_is_throttling() {
        let busy = b"<Error><Code>ServerBusy</Code><Message>slow down</Message></Error>";
        let c = AzureRetryClassifier;
        assert!(c.is_throttling(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new(), busy));
        assert!(c.is_retryable(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), b""));
        assert!(!c.is_retryable(StatusCode::BAD_REQUEST, &HeaderMap::new(), BODY.as_bytes()));
    }
}
