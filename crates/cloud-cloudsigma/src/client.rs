//! The JSON plumbing of CloudSigma's API 2.0: HTTP basic authentication on
//! every attempt, paths under the region's `/api/2.0/`, typed errors naming
//! the resource, `limit`/`offset` paging with `meta.total_count`, and the
//! `?do=` actions.

use async_trait::async_trait;
use base64::Engine as _;
use cloud_core::http::{Body, HeaderValue, HttpClient, HttpRequest, Method, Request, Signer};
use cloud_core::secret::Redactor;
use cloud_core::{Error, ResourceKind, Result, Secret, Url};
use serde_json::Value;

use crate::PROVIDER;
use crate::error::response_error;

/// `Authorization: Basic` with the account's e-mail and password.
pub(crate) struct BasicAuth {
    header: Secret,
}

impl BasicAuth {
    pub(crate) fn new(username: &str, password: &Secret) -> Self {
        let pair = format!("{username}:{}", password.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        BasicAuth {
            header: Secret::new(format!("Basic {encoded}")),
        }
    }

    /// The encoded header value, for the redactor.
    pub(crate) fn secret(&self) -> &Secret {
        &self.header
    }
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BasicAuth(<redacted>)")
    }
}

#[async_trait]
impl Signer for BasicAuth {
    async fn sign(&self, request: &mut Request<Body>) -> Result<()> {
        let mut value = HeaderValue::from_str(self.header.expose()).map_err(|_| {
            Error::invalid_input("the CloudSigma credentials hold characters a header cannot carry")
        })?;
        value.set_sensitive(true);
        request.headers_mut().insert("authorization", value);
        Ok(())
    }
}

/// What a request is about, for the error a failure becomes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct About<'a> {
    pub(crate) resource: ResourceKind,
    pub(crate) id: &'a str,
}

impl<'a> About<'a> {
    pub(crate) fn new(resource: ResourceKind, id: &'a str) -> Self {
        About { resource, id }
    }
}

/// One account in one region.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: HttpClient,
    /// `https://<region host>/api/2.0/`, ending with a slash.
    base: Url,
    redactor: Redactor,
}

impl Client {
    pub(crate) fn new(http: HttpClient, base: Url, redactor: Redactor) -> Self {
        Client {
            http,
            base,
            redactor,
        }
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// `<base><segments>/` with `query` (CloudSigma's paths end with `/`).
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments).push("");
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Sends one request; a failure becomes a typed error about `about`.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Value> {
        let answer = self
            .http
            .send_json(HttpRequest::new(method, url), body)
            .await?;
        if !answer.status.is_success() {
            let error = response_error(answer.status, &answer.headers, &answer.body, about);
            return Err(cloud_core::http::hint_base_path(
                error, &self.base, "/api/2.0",
            ));
        }
        answer.json(PROVIDER, "CloudSigma")
    }

    /// `GET`, the JSON body.
    pub(crate) async fn get(&self, url: Url, about: Option<About<'_>>) -> Result<Value> {
        self.send(Method::GET, url, None, about).await
    }

    /// `POST <path>action/?do=<action>` (start, stop, clone, resize...).
    pub(crate) async fn action(
        &self,
        segments: &[&str],
        action: &str,
        body: Option<&Value>,
        about: About<'_>,
    ) -> Result<Value> {
        let mut path = segments.to_vec();
        path.push("action");
        let url = self.url(&path, &[("do", action)]);
        self.send(Method::POST, url, body, Some(about)).await
    }

    /// One page of a collection: `limit`/`offset` in, `objects` and the
    /// next offset (from `meta.total_count`) out.
    pub(crate) async fn page(
        &self,
        segments: &[&str],
        size: u32,
        token: Option<&str>,
    ) -> Result<(Vec<Value>, Option<String>)> {
        let offset: u64 = match token {
            None => 0,
            Some(t) => t.parse().map_err(|_| {
                Error::invalid_input(format!("invalid CloudSigma page token `{t}`"))
            })?,
        };
        let (limit, start) = (size.to_string(), offset.to_string());
        let url = self.url(segments, &[("limit", &limit), ("offset", &start)]);
        let body = self.get(url, None).await?;
        let objects = objects(&body, segments.first().copied().unwrap_or("list"))?;
        let total = body.pointer("/meta/total_count").and_then(Value::as_u64);
        let seen = offset + objects.len() as u64;
        let more = match total {
            Some(total) => seen < total,
            None => objects.len() as u64 >= u64::from(size),
        };
        let next = (more && !objects.is_empty()).then(|| seen.to_string());
        Ok((objects, next))
    }
}

/// The `objects` list of a collection answer (or of a create, which
/// answers `{"objects": [...]}` too).
pub(crate) fn objects(body: &Value, what: &str) -> Result<Vec<Value>> {
    body.get("objects")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            Error::malformed(
                PROVIDER,
                format!("CloudSigma: the {what} answer has no `objects` list"),
            )
        })
}

/// The one object a create or clone answered with: the first of its
/// `objects`, or the object itself when it comes bare.
pub(crate) fn created(body: &Value, what: &str) -> Result<Value> {
    if body.get("objects").is_none() && body.get("uuid").is_some_and(Value::is_string) {
        return Ok(body.clone());
    }
    objects(body, what)?.into_iter().next().ok_or_else(|| {
        Error::malformed(
            PROVIDER,
            format!("CloudSigma: creating a {what} answered no object"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn basic_auth_is_sent_and_hidden() {
        let auth = BasicAuth::new("user@example.com", &Secret::new("pw"));
        let mut request = Request::new(Body::empty());
        auth.sign(&mut request).await.unwrap();
        let value = &request.headers()["authorization"];
        // base64("user@example.com:pw")
        assert_eq!(
            value.to_str().unwrap(),
            "Basic dXNlckBleGFtcGxlLmNvbTpwdw=="
        );
        assert!(value.is_sensitive());
        assert!(!format!("{auth:?}").contains("dXNl"));
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        assert!(objects(&serde_json::json!([]), "servers").is_err());
        assert!(created(&serde_json::json!({"objects": []}), "server").is_err());
        let bare = serde_json::json!({"uuid": "d1", "status": "creating"});
        assert_eq!(created(&bare, "drive").unwrap(), bare);
    }
}
