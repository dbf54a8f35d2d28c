//! One client for the JSON REST providers (Gandi, CloudSigma, and the next
//! twenty): a base URL and paths built from escaped segments, the JSON
//! exchange, and one type for what a request is about, which the
//! provider's error mapper turns into a typed error (`NotFound` naming the
//! resource, `AlreadyExists` for a create). A provider supplies only what
//! is its own: the authentication ([`Signer`](super::Signer), often one of
//! [`super::auth`]'s), the error-body mapper and the paths.

use std::sync::Arc;

use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use super::client::HttpClient;
use super::json::hint_base_path;
use super::message::HttpRequest;
use crate::error::{Error, Result};
use crate::secret::Redactor;
use crate::{ResourceKind, Url};

/// What a request is about, for the error a failure becomes: a 404 is
/// `NotFound` of this resource, a 409 on a create `AlreadyExists`, on a
/// container delete `NotEmpty`.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    /// The kind of resource.
    pub resource: ResourceKind,
    /// Its id (or name) as the caller gave it.
    pub id: &'a str,
    /// What a clash with the resource's state (409) means for this call.
    pub conflict: Conflict,
}

/// What a 409 means for a call ([`About::conflict`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conflict {
    /// Nothing special: a plain `Conflict`.
    Other,
    /// A create: the name is taken (`AlreadyExists`).
    Exists,
    /// A container delete: it still holds something (`NotEmpty`).
    NotEmpty,
}

impl<'a> About<'a> {
    /// A request that reads, changes or deletes `id`.
    pub fn reading(resource: ResourceKind, id: &'a str) -> Self {
        About {
            resource,
            id,
            conflict: Conflict::Other,
        }
    }

    /// A request that creates `id`.
    pub fn creating(resource: ResourceKind, id: &'a str) -> Self {
        About {
            conflict: Conflict::Exists,
            ..Self::reading(resource, id)
        }
    }

    /// A request that deletes container `id`, which must be empty.
    pub fn emptying(resource: ResourceKind, id: &'a str) -> Self {
        About {
            conflict: Conflict::NotEmpty,
            ..Self::reading(resource, id)
        }
    }
}

/// A failed answer, as a provider's error mapper reads it.
#[derive(Debug, Clone, Copy)]
pub struct Failure<'a> {
    /// The API's name in messages (`LiveDNS`, `Cloud Storage`).
    pub api: &'a str,
    /// The status.
    pub status: StatusCode,
    /// The headers (request ids live here).
    pub headers: &'a HeaderMap,
    /// The body (at most [`MAX_ERROR_BODY`](super::MAX_ERROR_BODY) bytes,
    /// credentials already cut out).
    pub body: &'a [u8],
    /// What the request was about, when it was about one resource.
    pub about: Option<About<'a>>,
}

impl Failure<'_> {
    /// The error the status means for the resource the request was about:
    /// 404 `NotFound`, 409 `AlreadyExists` on a create or `NotEmpty` on a
    /// container delete; `None` for any other answer, which the provider's
    /// mapper decides.
    pub fn resource_error(&self) -> Option<Error> {
        let about = self.about?;
        match (self.status.as_u16(), about.conflict) {
            (404, _) => Some(Error::not_found(about.resource, about.id)),
            (409, Conflict::Exists) => Some(Error::already_exists(about.resource, about.id)),
            (409, Conflict::NotEmpty) => Some(Error::not_empty(about.resource, about.id)),
            _ => None,
        }
    }

    /// The body as text, trimmed and cut to 300 characters, when there is
    /// any: what to show of an answer not in the provider's error shape.
    pub fn text(&self) -> Option<String> {
        let text: String = String::from_utf8_lossy(self.body)
            .trim()
            .chars()
            .take(300)
            .collect();
        (!text.is_empty()).then_some(text)
    }

    /// `error` with what the provider said (its `message` and `code`, under
    /// the API's name) and the first request id among `request_ids`
    /// (header names).
    pub fn answered(
        &self,
        error: Error,
        message: Option<&str>,
        code: Option<&str>,
        request_ids: &[&str],
    ) -> Error {
        let error = error.with_answer(self.api, message, code);
        match super::first_header(self.headers, request_ids) {
            Some(id) => error.with_request_id(id),
            None => error,
        }
    }
}

/// Turns a provider's failed answer into a typed error.
pub type ErrorMapper = fn(&Failure<'_>) -> Error;

/// A successful answer: its JSON body (`Null` when empty) and headers.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The body as JSON, `Null` when empty.
    pub body: Value,
    /// The headers (paging totals, locations).
    pub headers: HeaderMap,
}

/// A JSON REST API under one base URL.
///
/// ```no_run
/// # async fn f(http: cloud_core::http::HttpClient) -> cloud_core::Result<()> {
/// use cloud_core::http::rest::{About, Failure, RestClient};
/// use cloud_core::http::{Method, status_error};
/// use cloud_core::{ResourceKind, Url};
///
/// fn map(failure: &Failure<'_>) -> cloud_core::Error {
///     match (failure.status.as_u16(), failure.about) {
///         (404, Some(a)) => cloud_core::Error::not_found(a.resource, a.id),
///         _ => status_error("example", failure.status, failure.headers),
///     }
/// }
///
/// let base = Url::parse("https://api.example.com/v1")
///     .map_err(|e| cloud_core::Error::invalid_input(e.to_string()))?;
/// let api = RestClient::builder("example", "Example API", http, base)
///     .error_mapper(map)
///     .build();
/// let url = api.url(&["domains", "example.com"], &[]);
/// let domain = api
///     .get(url, Some(About::reading(ResourceKind::Zone, "example.com")))
///     .await?;
/// println!("{}", domain.body);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RestClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: HttpClient,
    base: Url,
    provider: &'static str,
    api: &'static str,
    map_error: ErrorMapper,
    trailing_slash: bool,
    strict_segments: bool,
    api_path: Option<&'static str>,
}

/// Configures a [`RestClient`].
#[derive(Debug)]
pub struct RestClientBuilder {
    inner: Inner,
}

impl RestClientBuilder {
    /// How failed answers become errors (default: by status only).
    #[must_use]
    pub fn error_mapper(mut self, map: ErrorMapper) -> Self {
        self.inner.map_error = map;
        self
    }

    /// Paths end with `/` (CloudSigma's do).
    #[must_use]
    pub fn trailing_slash(mut self, on: bool) -> Self {
        self.inner.trailing_slash = on;
        self
    }

    /// Path segments are escaped down to RFC 3986's unreserved characters
    /// (`;`, `+`, `@`, `:` too), as Google's clients send object names: a
    /// raw one is read differently by different servers.
    #[must_use]
    pub fn strict_segments(mut self, on: bool) -> Self {
        self.inner.strict_segments = on;
        self
    }

    /// The path the API lives under (`/api/2.0`): a 404 from a base URL
    /// that lacks it says so (see [`hint_base_path`]).
    #[must_use]
    pub fn api_path(mut self, path: &'static str) -> Self {
        self.inner.api_path = Some(path);
        self
    }

    /// The client.
    pub fn build(self) -> RestClient {
        RestClient {
            inner: Arc::new(self.inner),
        }
    }
}

/// The default mapper: the status alone, resource-aware for 404 and 409.
fn by_status(failure: &Failure<'_>) -> Error {
    failure
        .resource_error()
        .unwrap_or_else(|| super::status_error("", failure.status, failure.headers))
}

impl RestClient {
    /// Starts configuring a client of `provider` (errors and logs) for
    /// `api` (messages: "LiveDNS answered ...") at `base`, sending
    /// through `http` (which signs, retries and redacts).
    pub fn builder(
        provider: &'static str,
        api: &'static str,
        http: HttpClient,
        base: Url,
    ) -> RestClientBuilder {
        RestClientBuilder {
            inner: Inner {
                http,
                base,
                provider,
                api,
                map_error: by_status,
                trailing_slash: false,
                strict_segments: false,
                api_path: None,
            },
        }
    }

    /// The HTTP client underneath.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The credentials cut out of its answers and errors.
    pub fn redactor(&self) -> &Redactor {
        self.inner.http.redactor()
    }

    /// The base URL.
    pub fn base(&self) -> &Url {
        &self.inner.base
    }

    /// The base URL with `segments` appended, each percent-encoded (a `/`
    /// in one stays inside it), then `query`.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        self.url_under(&self.inner.base, segments, query)
    }

    /// [`url`](Self::url) under another base: for APIs whose address is
    /// found at run time (an OpenStack service catalog), with the client's
    /// own base the identity endpoint.
    pub fn url_under(&self, base: &Url, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = base.clone();
        if self.inner.strict_segments {
            let mut path = url.path().trim_end_matches('/').to_owned();
            for segment in segments {
                path.push('/');
                path.push_str(&super::encode_component(segment));
            }
            if self.inner.trailing_slash {
                path.push('/');
            }
            url.set_path(&path);
        } else {
            let trailing = self.inner.trailing_slash.then_some("");
            url.extend_segments(segments.iter().copied().chain(trailing));
        }
        if !query.is_empty() {
            url.extend_query_pairs(query.iter().copied());
        }
        url
    }

    /// Sends `method` to `url` with `body` as JSON; a failure becomes the
    /// provider's typed error about `about`, an answer that is not JSON a
    /// `MalformedResponse`.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        self.exchange(HttpRequest::new(method, url), body, about)
            .await
    }

    /// [`send`](Self::send) for a request that is safe to repeat although
    /// its method is not (a `PATCH` or `POST` that replaces a whole
    /// resource): retried after a dropped connection or a 5xx, as a `GET`
    /// or `PUT` is.
    pub async fn send_idempotent(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        let request = HttpRequest::new(method, url).idempotent(true);
        self.exchange(request, body, about).await
    }

    /// Sends a request built by the caller with `body` as JSON, and reads
    /// the JSON answer; a failure is the provider's typed error about
    /// `about` (see [`send`](Self::send)).
    pub async fn exchange(
        &self,
        request: HttpRequest,
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Answer> {
        let inner = &self.inner;
        let answer = inner.http.send_json(request, body).await?;
        if !answer.status.is_success() {
            return Err(self.error(answer.status, &answer.headers, &answer.body, about));
        }
        Ok(Answer {
            status: answer.status,
            body: answer.json(inner.provider, inner.api)?,
            headers: answer.headers,
        })
    }

    /// Sends a request whose body or answer streams (uploads, downloads):
    /// a successful answer comes back unread, a failure as the provider's
    /// typed error about `about`.
    pub async fn stream(
        &self,
        request: HttpRequest,
        about: Option<About<'_>>,
    ) -> Result<super::HttpResponse> {
        let response = self.inner.http.send(request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let (status, headers, body) = response.into_parts();
        let body = body.error_bytes().await;
        Err(self.error(status, &headers, &body, about))
    }

    /// The provider's typed error for a failed answer about `about`, for
    /// code that reads an exchange's status itself (a resumable upload's
    /// 308). The body is the client's scrubbed error body.
    pub fn error(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        about: Option<About<'_>>,
    ) -> Error {
        let inner = &self.inner;
        let failure = Failure {
            api: inner.api,
            status,
            headers,
            body,
            about,
        };
        let error = (inner.map_error)(&failure)
            .with_provider(inner.provider)
            .with_status(status.as_u16());
        match inner.api_path {
            Some(path) => hint_base_path(error, &inner.base, path),
            None => error,
        }
    }

    /// `value` (an answer's body) as the wire type `T`; a missing or
    /// ill-typed field is this provider's `MalformedResponse` naming `what`
    /// and the field (see [`decode`](super::json::decode)).
    pub fn decode<T: serde::de::DeserializeOwned>(&self, value: Value, what: &str) -> Result<T> {
        // A field of the wrong type is quoted in serde's message: scrubbed
        // like every error of this client.
        super::json::decode(self.inner.provider, self.inner.api, what, value)
            .map_err(|e| self.redactor().scrub(e))
    }

    /// `GET`.
    pub async fn get(&self, url: Url, about: Option<About<'_>>) -> Result<Answer> {
        self.send(Method::GET, url, None, about).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn client(trailing: bool) -> RestClient {
        let http = HttpClient::builder("example").build().unwrap();
        let base = Url::parse("https://api.example.com/v1/").unwrap();
        RestClient::builder("example", "Example", http, base)
            .trailing_slash(trailing)
            .build()
    }

    #[test]
    fn urls_escape_each_segment_once() {
        let api = client(false);
        let url = api.url(&["domains", "a/b c", "records"], &[("page", "2")]);
        assert_eq!(
            url.as_str(),
            "https://api.example.com/v1/domains/a%2Fb%20c/records?page=2"
        );
        let url = client(true).url(&["servers", "s1"], &[]);
        assert_eq!(url.as_str(), "https://api.example.com/v1/servers/s1/");
        let http = HttpClient::builder("example").build().unwrap();
        let base = Url::parse("https://storage.example.com/").unwrap();
        let strict = RestClient::builder("example", "Example", http, base)
            .strict_segments(true)
            .build();
        let url = strict.url(&["b", "bkt", "o", "a/b;c+d@e"], &[("alt", "media")]);
        assert_eq!(
            url.as_str(),
            "https://storage.example.com/b/bkt/o/a%2Fb%3Bc%2Bd%40e?alt=media"
        );
    }

    #[test]
    fn the_default_mapper_names_the_resource() {
        let headers = HeaderMap::new();
        let failure = |status: u16, about| Failure {
            api: "Example",
            status: StatusCode::from_u16(status).unwrap(),
            headers: &headers,
            body: b"",
            about,
        };
        let err = by_status(&failure(404, Some(About::reading(ResourceKind::Zone, "z"))));
        assert!(err.is_not_found(), "{err}");
        let err = by_status(&failure(
            409,
            Some(About::creating(ResourceKind::Zone, "z")),
        ));
        assert!(
            matches!(err.kind(), ErrorKind::AlreadyExists { .. }),
            "{err}"
        );
        let err = by_status(&failure(409, Some(About::reading(ResourceKind::Zone, "z"))));
        assert_eq!(err.kind(), &ErrorKind::Conflict);
        let err = by_status(&failure(
            409,
            Some(About::emptying(ResourceKind::Container, "c")),
        ));
        assert!(matches!(err.kind(), ErrorKind::NotEmpty { .. }), "{err}");
    }
}
