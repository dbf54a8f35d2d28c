//! The request a driver builds and the response it gets back.

use crate::Url;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HeaderName, HeaderValue, USER_AGENT};
use http::{HeaderMap, Method, StatusCode};

use super::body::{Body, ResponseBody};
use super::client::USER_AGENT_VALUE;
use crate::error::{Error, Result};

/// A request to send through [`HttpClient::send`](super::HttpClient::send).
#[derive(Debug)]
pub struct HttpRequest {
    pub(super) method: Method,
    pub(super) url: Url,
    pub(super) headers: HeaderMap,
    pub(super) body: Body,
    pub(super) idempotent: Option<bool>,
}

impl HttpRequest {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: Url) -> Self {
        HttpRequest {
            method,
            url,
            headers: HeaderMap::new(),
            body: Body::empty(),
            idempotent: None,
        }
    }

    /// Adds a header; fails on a value that is not a valid header value.
    pub fn header(mut self, name: impl TryInto<HeaderName>, value: &str) -> Result<Self> {
        let name = name
            .try_into()
            .map_err(|_| Error::invalid_input("invalid header name"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::invalid_input(format!("invalid value for header {name}")))?;
        self.headers.append(name, value);
        Ok(self)
    }

    /// Adds a header from a typed value.
    #[must_use]
    pub fn typed_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// Overrides whether the request may be repeated safely. By default GET,
    /// HEAD, PUT, DELETE and OPTIONS are idempotent and POST and PATCH are not.
    #[must_use]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub(super) fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ))
    }

    pub(super) fn attempt(&mut self, first: bool) -> Option<Result<http::Request<Body>>> {
        let body = if first {
            match self.body.try_clone() {
                Some(copy) => copy,
                None => std::mem::take(&mut self.body),
            }
        } else {
            self.body.try_clone()?
        };
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(self.url.as_str());
        if let Some(headers) = builder.headers_mut() {
            *headers = self.headers.clone();
            if !headers.contains_key(USER_AGENT) {
                headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
            }
            if let Some(len) = body.len()
                && (len > 0 || matches!(self.method, Method::PUT | Method::POST | Method::PATCH))
            {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
            }
        }
        Some(
            builder
                .body(body)
                .map_err(|e| Error::invalid_input(format!("invalid request: {e}"))),
        )
    }
}

/// A response: status, headers and a streaming body.
#[derive(Debug)]
pub struct HttpResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: ResponseBody,
}

impl HttpResponse {
    /// Builds a response (for tests and transports).
    pub fn new(status: StatusCode, headers: HeaderMap, body: ResponseBody) -> Self {
        HttpResponse {
            status,
            headers,
            body,
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text, if present and valid.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body stream.
    pub fn into_body(self) -> ResponseBody {
        self.body
    }

    /// Headers and body, separately.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, ResponseBody) {
        (self.status, self.headers, self.body)
    }

    /// The whole body in memory (bounded).
    pub async fn bytes(self) -> Result<Bytes> {
        self.body.bytes().await
    }
}
