//! Gandi's error bodies as typed errors.
//!
//! The v5 API answers failures in two shapes: `{"code", "message",
//! "object", "cause"}` (401, 403, 404, 409...) and, for a request that
//! failed validation, `{"status": "error", "errors": [{"location", "name",
//! "description"}]}`. Both become one message; the status and the resource
//! the call was about choose the kind.

use cloud_core::http::rest::Failure;
use cloud_core::http::status_error;
use cloud_core::{Error, ErrorKind};
use serde_json::Value;

use crate::PROVIDER;

/// What an error body says: its message and its code (`cause` or
/// `object`); its text when it is not Gandi's JSON.
fn describe(failure: &Failure<'_>) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(failure.body) else {
        return (failure.text(), None);
    };
    let text = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let details: Vec<String> = value
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let description = e.get("description").and_then(Value::as_str)?;
            Some(match e.get("name").and_then(Value::as_str) {
                Some(name) if !name.is_empty() => format!("{name}: {description}"),
                _ => description.to_owned(),
            })
        })
        .collect();
    let message = match (text("message"), details.is_empty()) {
        (Some(m), true) => Some(m),
        (Some(m), false) => Some(format!("{m} ({})", details.join("; "))),
        (None, false) => Some(details.join("; ")),
        (None, true) => None,
    };
    (message, text("cause").or_else(|| text("object")))
}

/// The error for a failed answer (the `RestClient`'s error mapper).
pub(crate) fn response_error(failure: &Failure<'_>) -> Error {
    let (message, code) = describe(failure);
    let err = failure
        .resource_error()
        .unwrap_or_else(|| match failure.status.as_u16() {
            400 | 422 => Error::new(ErrorKind::InvalidInput, "LiveDNS refused the request"),
            _ => status_error(PROVIDER, failure.status, failure.headers),
        });
    failure.answered(
        err,
        message.as_deref(),
        code.as_deref(),
        &["x-request-id", "x-gandi-request-id"],
    )
}

#[cfg(test)]
mod tests {
    use cloud_core::ResourceKind;

    use super::*;
    use cloud_core::http::rest::About;

    fn error(status: u16, body: &str, about: Option<About<'_>>) -> Error {
        cloud_testkit::failure::mapped(response_error, "LiveDNS", status, body, about)
    }

    #[test]
    fn documented_bodies_are_read() {
        let err = error(
            404,
            r#"{"code": 404, "message": "The resource could not be found.", "object": "HTTPNotFound", "cause": "Not Found"}"#,
            Some(About::reading(ResourceKind::Zone, "example.com")),
        );
        assert!(matches!(
            err.kind(),
            ErrorKind::NotFound {
                resource: ResourceKind::Zone,
                ..
            }
        ));
        assert!(err.to_string().contains("could not be found"), "{err}");
        let err = error(
            409,
            r#"{"code": 409, "message": "Record bob already exists", "object": "HTTPConflict", "cause": "Duplicate Entry"}"#,
            Some(About::creating(ResourceKind::Record, "bob")),
        );
        assert!(
            matches!(err.kind(), ErrorKind::AlreadyExists { .. }),
            "{err}"
        );
        let err = error(
            400,
            r#"{"status": "error", "errors": [{"location": "body", "name": "rrset_values", "description": "'x': invalid IPv4"}]}"#,
            None,
        );
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(err.to_string().contains("invalid IPv4"), "{err}");
        let err = error(
            401,
            r#"{"code":401,"message":"bad key","object":"HTTPUnauthorized","cause":"Unauthorized"}"#,
            None,
        );
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
        let err = error(502, "Things caught fire", None);
        assert!(err.to_string().contains("Things caught fire"), "{err}");
    }
}
