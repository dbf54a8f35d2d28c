//! PowerDNS's error answers as typed errors.
//!
//! The API answers a refused request with `{"error": "..."}` (and sometimes
//! `"errors": [...]`), mostly as 422; a missing zone or an unknown path with
//! a plain-text `Not Found`, a duplicate zone with `Conflict` (409), a wrong
//! key with 401.

use cloud_core::http::rest::Failure;
use cloud_core::http::status_error;
use cloud_core::{Error, ErrorKind};
use serde::Deserialize;

use crate::PROVIDER;

/// The JSON error body.
#[derive(Deserialize)]
struct Body {
    error: Option<String>,
    #[serde(default)]
    errors: Vec<String>,
}

/// The message of an error body: its `error` (and `errors`), or its text.
fn message(failure: &Failure<'_>) -> Option<String> {
    match serde_json::from_slice::<Body>(failure.body) {
        Ok(parsed) => {
            let mut parts: Vec<String> = parsed.error.into_iter().collect();
            parts.extend(parsed.errors);
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Err(_) => failure.text(),
    }
}

/// The error for a failed answer (the `RestClient`'s error mapper).
pub(crate) fn response_error(failure: &Failure<'_>) -> Error {
    let err = failure
        .resource_error()
        .unwrap_or_else(|| match failure.status.as_u16() {
            400 | 422 => Error::new(ErrorKind::InvalidInput, "PowerDNS refused the request"),
            _ => status_error(PROVIDER, failure.status, failure.headers),
        });
    failure.answered(err, message(failure).as_deref(), None, &[])
}

#[cfg(test)]
mod tests {
    use cloud_core::ResourceKind;
    use cloud_core::http::rest::About;

    use super::*;

    fn error(status: u16, body: &str, about: Option<About<'_>>) -> Error {
        cloud_testkit::failure::mapped(response_error, "PowerDNS", status, body, about)
    }

    #[test]
    fn answers_become_kinds() {
        let zone = Some(About::reading(ResourceKind::Zone, "example.com"));
        assert!(error(404, "Not Found", zone).is_not_found());
        let created = Some(About::creating(ResourceKind::Zone, "example.com"));
        assert!(matches!(
            error(409, "Conflict", created).kind(),
            ErrorKind::AlreadyExists { .. }
        ));
        let err = error(
            422,
            r#"{"error": "Record c.example.com./CNAME 'www': Not in expected format (parsed as 'www.')"}"#,
            None,
        );
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(err.to_string().contains("Not in expected format"), "{err}");
        assert_eq!(
            error(401, "Unauthorized", None).kind(),
            &ErrorKind::InvalidCredentials
        );
    }
}
