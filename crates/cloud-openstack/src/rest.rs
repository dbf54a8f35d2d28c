//! The JSON request/response plumbing every OpenStack and Rackspace REST
//! service shares: find the service's endpoint in the catalog, send JSON,
//! turn failures into typed errors naming the resource, parse the answer.
//!
//! Swift is the exception (headers and streamed bodies): it has its own
//! `send`, on the same session and connection pool.

use std::sync::Arc;

use cloud_core::http::{HttpRequest, Method};
use cloud_core::poll::{ChangeWait, Poll, poll_until};
use cloud_core::{Error, ResourceKind, Result};
use serde_json::Value;
use url::Url;

use crate::config::Shared;
use crate::error::{Api, Conflict, response_error_with};

/// One REST service of one account (Nova, Cinder, Neutron, ...).
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub(crate) shared: Arc<Shared>,
    api: Api,
    /// Catalog service types, most preferred first.
    types: &'static [&'static str],
    /// Headers sent with every request (a microversion).
    headers: Vec<(&'static str, String)>,
    /// The API version segment (`v2`) paths start with, unless the
    /// catalog's endpoint already ends with it.
    version: Option<&'static str>,
}

/// A successful JSON answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) body: Value,
}

impl Service {
    pub(crate) fn new(shared: Arc<Shared>, api: Api, types: &'static [&'static str]) -> Self {
        Service {
            shared,
            api,
            types,
            headers: Vec::new(),
            version: None,
        }
    }

    /// Paths start with `version` (`v2`) unless the endpoint ends with it:
    /// catalogs list Designate and Octavia both with and without it.
    pub(crate) fn with_version(mut self, version: &'static str) -> Self {
        self.version = Some(version);
        self
    }

    /// Sends `name: value` with every request.
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The registry name (`openstack` or `rackspace`), for errors.
    pub(crate) fn provider(&self) -> &'static str {
        self.shared.flavor.provider()
    }

    /// The service's endpoint (from the catalog, or overridden).
    pub(crate) async fn endpoint(&self) -> Result<Url> {
        self.shared.endpoint(self.types).await
    }

    /// The endpoint with `path` (and any `?query`) appended.
    pub(crate) async fn url(&self, path: &str) -> Result<Url> {
        let endpoint = self.endpoint().await?;
        crate::identity::join(&endpoint, &versioned(&endpoint, self.version, path))
    }

    /// Sends a request; a failure becomes a typed error about `resource`.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        resource: Option<(ResourceKind, &str)>,
        conflict: Conflict,
    ) -> Result<Answer> {
        let mut request = HttpRequest::new(method, url);
        for (name, value) in &self.headers {
            request = request.header(*name, value)?;
        }
        let answer = self.shared.http.send_json(request, body).await?;
        if !answer.status.is_success() {
            return Err(response_error_with(
                self.api,
                answer.status,
                &answer.headers,
                &answer.body,
                resource,
                conflict,
            )
            .with_provider(self.provider()));
        }
        Ok(Answer {
            body: answer.json(self.provider(), self.api.name())?,
        })
    }

    /// `GET path`, its JSON body.
    pub(crate) async fn get(
        &self,
        path: &str,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<Value> {
        let url = self.url(path).await?;
        Ok(self
            .send(Method::GET, url, None, resource, Conflict::Other)
            .await?
            .body)
    }

    /// `POST path` with a JSON body.
    pub(crate) async fn post(
        &self,
        path: &str,
        body: &Value,
        resource: Option<(ResourceKind, &str)>,
        conflict: Conflict,
    ) -> Result<Answer> {
        let url = self.url(path).await?;
        self.send(Method::POST, url, Some(body), resource, conflict)
            .await
    }

    /// `PUT path` with a JSON body.
    pub(crate) async fn put(
        &self,
        path: &str,
        body: &Value,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<Answer> {
        let url = self.url(path).await?;
        self.send(Method::PUT, url, Some(body), resource, Conflict::Other)
            .await
    }

    /// `PATCH path` with a JSON body.
    pub(crate) async fn patch(
        &self,
        path: &str,
        body: &Value,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<Answer> {
        let url = self.url(path).await?;
        self.send(Method::PATCH, url, Some(body), resource, Conflict::Other)
            .await
    }

    /// `DELETE path`.
    pub(crate) async fn delete(
        &self,
        path: &str,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<Answer> {
        let url = self.url(path).await?;
        self.send(Method::DELETE, url, None, resource, Conflict::Other)
            .await
    }

    /// A malformed-response error for this service.
    pub(crate) fn malformed(&self, what: impl std::fmt::Display) -> Error {
        Error::malformed(self.provider(), format!("{}: {what}", self.api.name()))
    }
}

/// `path` under `version` unless the endpoint already ends with it.
fn versioned(endpoint: &Url, version: Option<&str>, path: &str) -> String {
    match version {
        Some(v)
            if !endpoint
                .path()
                .trim_end_matches('/')
                .ends_with(&format!("/{v}")) =>
        {
            format!("{v}/{path}")
        }
        _ => path.to_owned(),
    }
}

/// A path segment with reserved characters escaped.
pub(crate) fn segment(text: &str) -> String {
    crate::swift::encode(text)
}

/// `key=value` pairs as a query string (values escaped), `?` included when
/// there are any.
pub(crate) fn query(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", segment(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

/// The string at `pointer`, if any.
pub(crate) fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The array at `pointer`, or a malformed-response error.
pub(crate) fn array<'a>(
    service: &Service,
    value: &'a Value,
    pointer: &str,
) -> Result<&'a Vec<Value>> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .ok_or_else(|| service.malformed(format!("the answer has no `{pointer}` list")))
}

/// How long a change waits for a balancer busy with an earlier one.
pub(crate) const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Whether `error` says the resource is busy with an earlier change:
/// Rackspace answers 422 "... is considered immutable", Octavia 409
/// "... is immutable and cannot be updated".
pub(crate) fn is_busy(error: &Error) -> bool {
    matches!(error.status(), Some(409 | 422)) && error.message().contains("immutable")
}

/// Runs `attempt` until it succeeds or fails otherwise than busy, waiting
/// between tries (up to [`BUSY_WAIT`] in all; a timeout then). The answers
/// that mean busy are sent before anything changes, so retrying a POST is
/// safe.
pub(crate) async fn while_busy<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let wait = ChangeWait::new(std::time::Duration::from_millis(250), BUSY_WAIT)
        .with_max_interval(std::time::Duration::from_secs(5));
    poll_until(wait, "the balancer to finish an earlier change", || {
        let attempt = attempt();
        async move {
            match attempt.await {
                Err(e) if is_busy(&e) => Ok(Poll::Pending(e.to_string())),
                other => other.map(Poll::Done),
            }
        }
    })
    .await
}

/// Copies the non-null `keys` of `value` into a result's `extra`.
pub(crate) fn copy_extra(extra: &mut cloud_core::Extra, value: &Value, keys: &[&str]) {
    for key in keys {
        if let Some(v) = value.get(*key)
            && !v.is_null()
        {
            extra.insert((*key).to_owned(), v.clone());
        }
    }
}

/// Remembers each zone's domain, for DNS APIs whose records name their
/// owner fully qualified and whose record calls take only the zone id.
#[derive(Debug, Clone, Default)]
pub(crate) struct ZoneDomains(Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>);

impl ZoneDomains {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn remember(&self, zone: &cloud_core::Zone) {
        self.map().insert(zone.id.clone(), zone.domain.clone());
    }

    pub(crate) fn get(&self, zone: &str) -> Option<String> {
        self.map().get(zone).cloned()
    }

    pub(crate) fn forget(&self, zone: &str) {
        self.map().remove(zone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_added_once() {
        let bare = Url::parse("http://n:9696").unwrap();
        let versioned_url = Url::parse("http://n:9696/v2.0/").unwrap();
        assert_eq!(
            versioned(&bare, Some("v2.0"), "floatingips"),
            "v2.0/floatingips"
        );
        assert_eq!(
            versioned(&versioned_url, Some("v2.0"), "floatingips"),
            "floatingips"
        );
        assert_eq!(versioned(&versioned_url, None, "x"), "x");
        let image = Url::parse("http://h/image/v2").unwrap();
        assert_eq!(versioned(&image, Some("v2"), "images"), "images");
    }
}
