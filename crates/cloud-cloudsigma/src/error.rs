//! CloudSigma's error bodies as typed errors.
//!
//! API 2.0 answers a failure with a list of `{"error_point", "error_type",
//! "error_message"}`; `error_type` (`notexist`, `validation`, `permission`,
//! `concurrency`, `billing`, `backend`...) refines what the status says.

use cloud_core::http::rest::Failure;
use cloud_core::http::status_error;
use cloud_core::{Error, ErrorKind};
use serde_json::Value;

use crate::PROVIDER;

/// The message, field and type of an error body (its text when it is
/// not CloudSigma's JSON).
fn describe(failure: &Failure<'_>) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(failure.body) else {
        return (failure.text(), None);
    };
    let items: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut messages = Vec::new();
    let mut kind = None;
    for item in items {
        let text = |k: &str| {
            item.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        if let Some(m) = text("error_message") {
            messages.push(match text("error_point") {
                Some(point) => format!("{point}: {m}"),
                None => m.to_owned(),
            });
        }
        if kind.is_none() {
            kind = text("error_type").map(str::to_owned);
        }
    }
    ((!messages.is_empty()).then(|| messages.join("; ")), kind)
}

/// The error for a failed answer about `about`.
pub(crate) fn response_error(failure: &Failure<'_>) -> Error {
    let Failure {
        status,
        headers,
        about,
        ..
    } = *failure;
    let (message, kind) = describe(failure);
    let err = match (status.as_u16(), kind.as_deref(), about) {
        (404, _, Some(a)) | (_, Some("notexist"), Some(a)) => Error::not_found(a.resource, a.id),
        (400, _, _) | (_, Some("validation"), _) => {
            Error::new(ErrorKind::InvalidInput, "CloudSigma refused the request")
        }
        // "Cannot stop guest in state stopped": the request does not fit
        // the resource's state.
        (403, Some("permission"), _) | (409, _, _) => {
            Error::new(ErrorKind::Conflict, "CloudSigma refused the change")
        }
        _ => status_error(PROVIDER, status, headers),
    };
    failure.answered(err, message.as_deref(), kind.as_deref(), &["x-request-id"])
}

#[cfg(test)]
mod tests {
    use cloud_core::ResourceKind;
    use cloud_core::http::rest::About;

    use super::*;

    fn error(status: u16, body: &str, about: Option<About<'_>>) -> Error {
        cloud_testkit::failure::mapped(response_error, "CloudSigma", status, body, about)
    }

    #[test]
    fn documented_bodies_are_read() {
        let err = error(
            403,
            r#"[{"error_point": null, "error_type": "permission", "error_message": "Cannot stop guest in state \"stopped\". Guest should be in state \"['started', 'running_legacy']\""}]"#,
            None,
        );
        assert_eq!(err.kind(), &ErrorKind::Conflict);
        assert!(err.to_string().contains("Cannot stop guest"), "{err}");
        assert_eq!(err.code(), Some("permission"));
        let err = error(
            404,
            r#"[{"error_point": null, "error_type": "notexist", "error_message": "Object with uuid x does not exist"}]"#,
            Some(About::reading(ResourceKind::Node, "x")),
        );
        assert!(matches!(
            err.kind(),
            ErrorKind::NotFound {
                resource: ResourceKind::Node,
                ..
            }
        ));
        let err = error(
            400,
            r#"[{"error_point": "mem", "error_type": "validation", "error_message": "Value too low"}]"#,
            None,
        );
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(err.to_string().contains("mem: Value too low"), "{err}");
        let err = error(
            500,
            r#"[{"error_point": null, "error_type": "backend", "error_message": "unknown error"}]"#,
            None,
        );
        assert_eq!(err.kind(), &ErrorKind::Provider);
        assert!(err.to_string().contains("unknown error"));
        assert_eq!(error(401, "", None).kind(), &ErrorKind::InvalidCredentials);
    }
}
