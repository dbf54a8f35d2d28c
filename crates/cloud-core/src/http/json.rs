//! JSON requests and answers for the REST providers (Gandi, CloudSigma,
//! OpenStack's services): the `accept`/`content-type` headers, a bounded
//! read of the answer, and its parse as a typed `MalformedResponse` when it
//! is not JSON. Each driver keeps its own error-body mapping; this is the
//! exchange around it.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
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

#[cfg(test)]
mod tests {
    use super::*;

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
