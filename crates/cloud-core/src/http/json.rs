//! JSON requests and answers for the REST providers (Gandi, CloudSigma,
//! OpenStack's services): the `accept`/`content-type` headers, a bounded
//! read of the answer, and its parse as a typed `MalformedResponse` when it
//! is not JSON. Each driver keeps its own error-body mapping; this is the
//! exchange around it.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::Deserialize as _;
use serde_json::Value;

use super::body::Body;
use super::client::HttpClient;
use super::message::HttpRequest;
use crate::error::{Error, Result};

/// The largest JSON answer read by default (32 MiB: listings of many
/// thousand objects fit).
pub const MAX_JSON_ANSWER: usize = 32 * 1024 * 1024;

/// An answer read whole: its status, headers and body.
#[derive(Debug)]
pub struct JsonAnswer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body (at most [`MAX_JSON_ANSWER`] bytes).
    pub body: Bytes,
}

impl JsonAnswer {
    /// The body as JSON; `Null` when it is empty. Text that is not JSON is
    /// `MalformedResponse`, naming `provider` and `api`.
    pub fn json(&self, provider: &str, api: &str) -> Result<Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| Error::malformed(provider, format!("{api} answered invalid JSON: {e}")))
    }
}

impl HttpClient {
    /// Sends `request` asking for JSON, with `body` as its JSON body, and
    /// reads the whole answer, whatever its status (the caller maps error
    /// statuses with its provider's error body).
    ///
    /// ```no_run
    /// # async fn f(client: cloud_core::http::HttpClient, url: cloud_core::Url) -> cloud_core::Result<()> {
    /// use cloud_core::http::{HttpRequest, Method};
    ///
    /// let answer = client
    ///     .send_json(HttpRequest::new(Method::POST, url), Some(&serde_json::json!({"name": "x"})))
    ///     .await?;
    /// if answer.status.is_success() {
    ///     println!("{}", answer.json("example", "Example API")?);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send_json(
        &self,
        request: HttpRequest,
        body: Option<&Value>,
    ) -> Result<JsonAnswer> {
        let mut request = request.header("accept", "application/json")?;
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")?
                .body(Body::from_bytes(body.to_string()));
        }
        let response = self.send(request).await?;
        let (status, headers, body) = response.into_parts();
        let body = body.bytes_limited(MAX_JSON_ANSWER).await?;
        Ok(JsonAnswer {
            status,
            headers,
            body,
        })
    }
}

/// `value` as the wire type `T`: a missing or ill-typed field is a
/// `MalformedResponse` of `provider` naming `api`, `what` was being read
/// and the field's path (`[2].rrset_values[0]`); fields `T` does not name
/// are ignored (unless it says otherwise).
///
/// ```
/// use serde::Deserialize;
///
/// #[derive(Debug, Deserialize)]
/// struct Domain { fqdn: String }
///
/// let domains: Vec<Domain> = cloud_core::http::json::decode(
///     "example", "Example API", "the domain listing",
///     serde_json::json!([{"fqdn": "example.com", "ttl": 300}]),
/// )?;
/// assert_eq!(domains[0].fqdn, "example.com");
///
/// let err = cloud_core::http::json::decode::<Vec<Domain>, _>(
///     "example", "Example API", "the domain listing",
///     serde_json::json!([{"fqdn": "example.com"}, {"fqdn": 7}]),
/// )
/// .unwrap_err();
/// assert!(err.to_string().contains("the domain listing at `[1].fqdn`: invalid type"));
/// # Ok::<(), cloud_core::Error>(())
/// ```
///
/// `value` is a [`Value`] (moved into `T`) or a `&Value` (read, for an
/// answer that is kept whole too).
pub fn decode<'de, T, V>(provider: &str, api: &str, what: &str, value: V) -> Result<T>
where
    T: serde::Deserialize<'de>,
    V: serde::Deserializer<'de, Error = serde_json::Error>,
{
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        Error::malformed(provider, format!("{api}: {what}{at}: {}", e.into_inner()))
    })
}

/// For `#[serde(deserialize_with = "null_as_default")]` on a wire type's
/// list or map that providers send as `null` when empty: `null` (and,
/// with `#[serde(default)]`, absence) reads as the empty value; any other
/// wrong type is still an error.
pub fn null_as_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `error` with a hint when it is a 404 from an endpoint whose path lacks
/// the API's base path (`/api/2.0`, `/v5/livedns`): a user who gave only
/// the host sees what is missing instead of a bare "not found".
pub fn hint_base_path(error: Error, base: &crate::Url, expected: &str) -> Error {
    let path = base.path().trim_end_matches('/');
    let expected = expected.trim_end_matches('/');
    if error.status() != Some(404) || path.ends_with(expected) {
        return error;
    }
    let message = format!(
        "{} (the endpoint {} does not end with {expected}, where this API lives: \
         is the path missing?)",
        error.message(),
        crate::error::quote(base.as_str())
    );
    error.with_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_404_under_a_base_without_the_api_path_says_so() {
        let not_found = || Error::new(crate::ErrorKind::Provider, "HTTP 404").with_status(404);
        let bare = crate::Url::parse("http://127.0.0.1:8080/").unwrap();
        let hinted = hint_base_path(not_found(), &bare, "/api/2.0/");
        assert!(
            hinted.message().contains("does not end with /api/2.0"),
            "{hinted}"
        );
        let full = crate::Url::parse("http://127.0.0.1:8080/api/2.0/").unwrap();
        assert_eq!(
            hint_base_path(not_found(), &full, "/api/2.0/").message(),
            "HTTP 404"
        );
        let other = Error::new(crate::ErrorKind::Provider, "HTTP 500").with_status(500);
        assert_eq!(
            hint_base_path(other, &bare, "/api/2.0").message(),
            "HTTP 500"
        );
    }

    #[test]
    fn bodies_parse_or_are_malformed() {
        let answer = |text: &'static str| JsonAnswer {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(text.as_bytes()),
        };
        assert_eq!(answer(" \n").json("p", "API").unwrap(), Value::Null);
        assert_eq!(answer(r#"{"a": 1}"#).json("p", "API").unwrap()["a"], 1);
        let err = answer("<html>").json("p", "Example API").unwrap_err();
        assert_eq!(err.kind(), &crate::ErrorKind::MalformedResponse);
        assert!(
            err.to_string()
                .contains("Example API answered invalid JSON"),
            "{err}"
        );
    }
}
