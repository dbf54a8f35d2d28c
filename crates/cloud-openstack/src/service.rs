//! One REST service of an account (Nova, Cinder, Neutron, Glance, Octavia,
//! Designate, Rackspace's CLB and Cloud DNS) on core's
//! [`RestClient`]: what is OpenStack's own is only where the service lives
//! (its endpoint in the token's catalog, with or without the API version
//! segment) and the headers it wants (a microversion). Sending, error
//! mapping and retries are core's.

use std::sync::Arc;

use cloud_core::http::rest::{About, Answer, RestClient};
use cloud_core::http::{HeaderMap, HttpRequest, Method, StatusCode};
use cloud_core::{Error, Result, Url};
use serde_json::Value;

use crate::config::Shared;
use crate::error::{Api, map_failure};

/// One REST service of one account.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub(crate) shared: Arc<Shared>,
    rest: RestClient,
    api: Api,
    /// Catalog service types, most preferred first.
    types: &'static [&'static str],
    /// Headers sent with every request (a microversion).
    headers: Vec<(&'static str, String)>,
    /// The API version segment (`v2`) paths start with, unless the
    /// catalog's endpoint already ends with it.
    version: Option<&'static str>,
}

impl Service {
    pub(crate) fn new(shared: Arc<Shared>, api: Api, types: &'static [&'static str]) -> Self {
        let rest = rest_client(&shared, api);
        Service {
            shared,
            rest,
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

    /// The endpoint with the version (when it lacks it), `segments` (each
    /// escaped) and `query` appended.
    pub(crate) async fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url> {
        let endpoint = self.endpoint().await?;
        let mut path: Vec<&str> = missing_version(&endpoint, self.version)
            .into_iter()
            .collect();
        path.extend_from_slice(segments);
        Ok(self.rest.url_under(&endpoint, &path, query))
    }

    /// Sends a request to `url` (a link an answer gave, or one from
    /// [`url`](Self::url)); a failure becomes a typed error about `about`.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        let mut request = HttpRequest::new(method, url);
        for (name, value) in &self.headers {
            request = request.header(*name, value)?;
        }
        self.rest.exchange(request, body, about).await
    }

    /// Sends `method` to `segments?query` with `body`.
    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        let url = self.url(segments, query).await?;
        self.send(method, url, body, about).await
    }

    /// `GET segments`, its JSON body.
    pub(crate) async fn get(&self, segments: &[&str], about: Option<About<'_>>) -> Result<Value> {
        self.get_query(segments, &[], about).await
    }

    /// `GET segments?query`, its JSON body.
    pub(crate) async fn get_query(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
        about: Option<About<'_>>,
    ) -> Result<Value> {
        Ok(self
            .call(Method::GET, segments, query, None, about)
            .await?
            .body)
    }

    /// `POST segments` with a JSON body.
    pub(crate) async fn post(
        &self,
        segments: &[&str],
        body: &Value,
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        self.call(Method::POST, segments, &[], Some(body), about)
            .await
    }

    /// `PUT segments` with a JSON body.
    pub(crate) async fn put(
        &self,
        segments: &[&str],
        body: &Value,
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        self.call(Method::PUT, segments, &[], Some(body), about)
            .await
    }

    /// `PATCH segments` with a JSON body.
    pub(crate) async fn patch(
        &self,
        segments: &[&str],
        body: &Value,
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        self.call(Method::PATCH, segments, &[], Some(body), about)
            .await
    }

    /// `DELETE segments`.
    pub(crate) async fn delete(
        &self,
        segments: &[&str],
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        self.delete_query(segments, &[], about).await
    }

    /// `DELETE segments?query`.
    pub(crate) async fn delete_query(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        self.call(Method::DELETE, segments, query, None, about)
            .await
    }

    /// The typed error a failed answer (or a failed job's inner status)
    /// means for `about`.
    pub(crate) fn error(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        about: Option<About<'_>>,
    ) -> Error {
        self.rest.error(status, headers, body, about)
    }

    /// `value` as the wire type `T`; a missing or ill-typed field is this
    /// service's malformed answer naming `what` and the field's path.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        &self,
        value: Value,
        what: &str,
    ) -> Result<T> {
        cloud_core::http::json::decode(self.provider(), self.api.name(), what, value)
    }

    /// A malformed-response error for this service.
    pub(crate) fn malformed(&self, what: impl std::fmt::Display) -> Error {
        Error::malformed(self.provider(), format!("{}: {what}", self.api.name()))
    }
}

/// The client of `api` for the account: its errors mapped from the
/// envelopes of the OpenStack family, path segments escaped strictly.
/// Its base is the identity endpoint; services build their URLs under the
/// catalog's (`url_under`).
pub(crate) fn rest_client(shared: &Shared, api: Api) -> RestClient {
    RestClient::builder(
        shared.flavor.provider(),
        api.name(),
        shared.http.clone(),
        shared.session.identity_url().clone(),
    )
    .error_mapper(map_failure)
    .strict_segments(true)
    .build()
}

/// `version` unless `endpoint` already ends with it.
fn missing_version(endpoint: &Url, version: Option<&'static str>) -> Option<&'static str> {
    version.filter(|v| {
        !endpoint
            .path()
            .trim_end_matches('/')
            .ends_with(&format!("/{v}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_added_once() {
        let bare = Url::parse("http://n:9696").unwrap();
        let versioned = Url::parse("http://n:9696/v2.0/").unwrap();
        assert_eq!(missing_version(&bare, Some("v2.0")), Some("v2.0"));
        assert_eq!(missing_version(&versioned, Some("v2.0")), None);
        assert_eq!(missing_version(&versioned, None), None);
        let image = Url::parse("http://h/image/v2").unwrap();
        assert_eq!(missing_version(&image, Some("v2")), None);
    }
}
