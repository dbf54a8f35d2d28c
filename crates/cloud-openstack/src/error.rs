//! OpenStack and Rackspace error responses to typed errors.
//!
//! The services disagree on the envelope: Nova and Cinder wrap a fault
//! (`{"itemNotFound": {"message", "code"}}`), Keystone uses
//! `{"error": {"message", "code", "title"}}`, Neutron `{"NeutronError": …}`,
//! Designate and Octavia flat objects, Rackspace's APIs `{"message", "code"}`,
//! and Swift plain text. The status decides the kind; the body gives the
//! message and the provider's code.

use cloud_core::error::quote;
use cloud_core::http::rest::{About, Conflict, Failure};
use cloud_core::http::{
    HeaderMap, RetryClassifier, StatusCode, first_header, is_retryable_status, retry_after,
};
use cloud_core::{Error, ErrorKind, ResourceKind};
use serde_json::Value;

/// Which API answered, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Identity,
    Compute,
    Volume,
    Network,
    ObjectStore,
    LoadBalancer,
    Dns,
}

impl Api {
    const ALL: [Api; 7] = [
        Api::Identity,
        Api::Compute,
        Api::Volume,
        Api::Network,
        Api::ObjectStore,
        Api::LoadBalancer,
        Api::Dns,
    ];

    /// The API whose [`name`](Self::name) is `name` (compute otherwise).
    pub(crate) fn named(name: &str) -> Api {
        Api::ALL
            .into_iter()
            .find(|api| api.name() == name)
            .unwrap_or(Api::Compute)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Api::Identity => "identity",
            Api::Compute => "compute",
            Api::Volume => "block storage",
            Api::Network => "network",
            Api::ObjectStore => "object storage",
            Api::LoadBalancer => "load balancer",
            Api::Dns => "DNS",
        }
    }
}

/// Retries what the default retries, plus the OpenStack family's own
/// throttling answers: 413 with an `overLimit` body or a `Retry-After`
/// (Nova, Cinder, Rackspace; 413 otherwise means a body too large, which
/// would fail again) and Swift's 498 rate limit.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OpenStackRetryClassifier;

impl RetryClassifier for OpenStackRetryClassifier {
    fn is_retryable(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool {
        match status.as_u16() {
            413 => {
                headers.contains_key("retry-after")
                    || body
                        .windows(9)
                        .any(|w| w.eq_ignore_ascii_case(b"overlimit"))
            }
            498 => true,
            _ => is_retryable_status(status),
        }
    }

    /// 429, and Nova's 413 `overLimit`: refused before anything was done.
    fn is_throttling(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS
            || (status.as_u16() == 413 && self.is_retryable(status, headers, body))
    }
}

/// The provider's code and message, from any of the envelopes.
pub(crate) fn parse_body(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let plain =
            (!text.is_empty() && !text.starts_with('<')).then(|| text.chars().take(300).collect());
        // Swift answers HTML like `<html><h1>Not Found</h1><p>...</p></html>`.
        let html = text
            .find("<p>")
            .and_then(|i| text[i + 3..].split("</p>").next())
            .map(|s| s.trim().to_owned());
        return (None, plain.or(html));
    };
    let message_of = |v: &Value| -> Option<String> {
        ["message", "faultstring", "detail", "title"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_owned))
    };
    if let Some(object) = value.as_object() {
        if object.len() == 1
            && let Some((key, inner)) = object.iter().next()
            && inner.is_object()
        {
            let code = inner
                .get("type")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| (key != "error").then(|| key.clone()))
                .or_else(|| {
                    inner
                        .get("title")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
            return (code, message_of(inner));
        }
        let code = value
            .get("type")
            .and_then(Value::as_str)
            .or_else(|| value.get("faultcode").and_then(Value::as_str))
            .map(str::to_owned);
        return (code, message_of(&value));
    }
    (None, None)
}

/// The [`RestClient`](cloud_core::http::rest::RestClient) error mapper of
/// every OpenStack and Rackspace API (which one answered is in the name).
pub(crate) fn map_failure(failure: &Failure<'_>) -> Error {
    response_error(
        Api::named(failure.api),
        failure.status,
        failure.headers,
        failure.body,
        failure.about,
    )
}

/// The error for a failed answer of `api`, about `about`.
pub(crate) fn response_error(
    api: Api,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    about: Option<About<'_>>,
) -> Error {
    let (code, message) = parse_body(body);
    let resource = about.map(|a| (a.resource, a.id));
    let conflict = about.map_or(Conflict::Other, |a| a.conflict);
    let named = |make: fn(ResourceKind, String) -> ErrorKind| {
        resource.map(|(k, id)| make(k, id.to_owned()))
    };
    let kind = match status.as_u16() {
        401 => Some(ErrorKind::InvalidCredentials),
        403 => Some(ErrorKind::PermissionDenied),
        404 => named(|resource, id| ErrorKind::NotFound { resource, id }),
        409 => match conflict {
            Conflict::Exists => named(|resource, id| ErrorKind::AlreadyExists { resource, id }),
            Conflict::NotEmpty => named(|resource, id| ErrorKind::NotEmpty { resource, id }),
            _ => Some(ErrorKind::Conflict),
        },
        412 => Some(ErrorKind::PreconditionFailed),
        416 => Some(ErrorKind::RangeNotSatisfiable),
        422 if api == Api::ObjectStore => Some(ErrorKind::HashMismatch {
            expected: "the ETag sent".into(),
            actual: "what Swift received".into(),
        }),
        413 | 429 | 498 => Some(ErrorKind::RateLimited {
            retry_after: retry_after(headers),
        }),
        408 | 504 => Some(ErrorKind::Timeout),
        _ => None,
    }
    .unwrap_or(ErrorKind::Provider);
    let what = match (&kind, resource) {
        (ErrorKind::NotFound { .. }, Some((k, id))) => {
            Some(format!("{k} `{}` not found", quote(id)))
        }
        (ErrorKind::AlreadyExists { .. }, Some((k, id))) => {
            Some(format!("{k} `{}` already exists", quote(id)))
        }
        (ErrorKind::NotEmpty { .. }, Some((k, id))) => {
            Some(format!("{k} `{}` is not empty", quote(id)))
        }
        _ => None,
    };
    let text = match (what, message) {
        (Some(w), Some(m)) => format!("{}: {w}: {m}", api.name()),
        (Some(w), None) => format!("{}: {w}", api.name()),
        (None, Some(m)) => format!("{}: {m}", api.name()),
        (None, None) => format!(
            "{} answered HTTP {} {}",
            api.name(),
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_owned(),
    };
    let mut err = Error::new(kind, text)
        .with_provider(crate::PROVIDER_OPENSTACK)
        .with_status(status.as_u16());
    if let Some(code) = code {
        err = err.with_code(code);
    }
    if let Some(id) = first_header(
        headers,
        &[
            "x-openstack-request-id",
            "x-compute-request-id",
            "x-trans-id",
            "request-id",
            "x-response-id",
        ],
    ) {
        err = err.with_request_id(id);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> Error {
        response_error(
            Api::Compute,
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
            Some(About::creating(ResourceKind::Node, "srv-1")),
        )
    }

    #[test]
    fn throttling_is_retried_but_too_large_is_not() {
        let c = OpenStackRetryClassifier;
        let status = StatusCode::PAYLOAD_TOO_LARGE;
        assert!(c.is_retryable(
            status,
            &HeaderMap::new(),
            br#"{"overLimit": {"code": 413}}"#
        ));
        assert!(!c.is_retryable(status, &HeaderMap::new(), b"Request Entity Too Large"));
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "3".parse().unwrap());
        assert!(c.is_retryable(status, &headers, b""));
        assert!(c.is_retryable(StatusCode::from_u16(498).unwrap(), &HeaderMap::new(), b""));
        assert!(!c.is_retryable(StatusCode::NOT_FOUND, &HeaderMap::new(), b""));
    }

    #[test]
    fn every_api_is_found_by_its_name() {
        for api in Api::ALL {
            assert_eq!(Api::named(api.name()), api);
        }
    }

    #[test]
    fn envelopes() {
        let e = err(
            404,
            r#"{"itemNotFound": {"message": "Instance srv-1 could not be found.", "code": 404}}"#,
        );
        assert!(e.is_not_found());
        assert_eq!(e.code(), Some("itemNotFound"));
        assert!(e.to_string().contains("could not be found"), "{e}");
        let e = err(
            401,
            r#"{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}"#,
        );
        assert_eq!(e.kind(), &ErrorKind::InvalidCredentials);
        assert_eq!(e.code(), Some("Unauthorized"));
        let e = err(
            413,
            r#"{"overLimit": {"message": "Over limit", "code": 413, "retryAfter": "5"}}"#,
        );
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }));
        let e = err(
            404,
            r#"{"code": 404, "type": "zone_not_found", "message": "Could not find Zone", "request_id": "req-1"}"#,
        );
        assert_eq!(e.code(), Some("zone_not_found"));
        let e = err(
            400,
            "<html><h1>Bad Request</h1><p>Invalid UTF8 or contains NULL</p></html>",
        );
        assert!(e.to_string().contains("Invalid UTF8"), "{e}");
        let e = err(500, "");
        assert_eq!(e.kind(), &ErrorKind::Provider);
        assert!(e.to_string().contains("HTTP 500"));
    }
}
