//! The JSON plumbing of Gandi's v5 REST API: the credential on every
//! attempt, requests under the base URL, typed errors naming the resource,
//! and the `total-count` paging every collection shares.

use async_trait::async_trait;
use cloud_core::http::{Body, HeaderMap, HttpClient, HttpRequest, Method, Request, Signer};
use cloud_core::secret::Redactor;
use cloud_core::{Error, ResourceKind, Result, Secret, Url};
use serde_json::Value;

use crate::PROVIDER;
use crate::error::response_error;

/// How a request is authenticated.
#[derive(Clone)]
pub(crate) enum Credential {
    /// A personal access token: `Authorization: Bearer <token>`.
    Token(Secret),
    /// A (deprecated) API key: `Authorization: Apikey <key>`.
    ApiKey(Secret),
}

impl Credential {
    pub(crate) fn secret(&self) -> &Secret {
        match self {
            Credential::Token(s) | Credential::ApiKey(s) => s,
        }
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credential::Token(_) => "Credential::Token(<redacted>)",
            Credential::ApiKey(_) => "Credential::ApiKey(<redacted>)",
        })
    }
}

#[async_trait]
impl Signer for Credential {
    async fn sign(&self, request: &mut Request<Body>) -> Result<()> {
        let (scheme, secret) = match self {
            Credential::Token(s) => ("Bearer", s),
            Credential::ApiKey(s) => ("Apikey", s),
        };
        let mut value = format!("{scheme} {}", secret.expose())
            .parse::<cloud_core::http::HeaderValue>()
            .map_err(|_| {
                Error::invalid_input("the Gandi credential holds characters a header cannot carry")
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
    /// Whether a 409 means the resource already exists (a create).
    pub(crate) creating: bool,
}

impl<'a> About<'a> {
    pub(crate) fn reading(resource: ResourceKind, id: &'a str) -> Self {
        About {
            resource,
            id,
            creating: false,
        }
    }

    pub(crate) fn creating(resource: ResourceKind, id: &'a str) -> Self {
        About {
            resource,
            id,
            creating: true,
        }
    }
}

/// A successful answer: its JSON body (`Null` when empty) and headers.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) body: Value,
    pub(crate) headers: HeaderMap,
}

/// One Gandi account on one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: HttpClient,
    base: Url,
    sharing_id: Option<String>,
    redactor: Redactor,
}

impl Client {
    pub(crate) fn new(
        http: HttpClient,
        base: Url,
        sharing_id: Option<String>,
        redactor: Redactor,
    ) -> Self {
        Client {
            http,
            base,
            sharing_id,
            redactor,
        }
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub(crate) fn sharing_id(&self) -> Option<&str> {
        self.sharing_id.as_deref()
    }

    /// The base URL with `segments` appended (each escaped) and `query`.
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
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
    ) -> Result<Answer> {
        let answer = self
            .http
            .send_json(HttpRequest::new(method, url), body)
            .await?;
        if !answer.status.is_success() {
            let error = response_error(answer.status, &answer.headers, &answer.body, about);
            return Err(cloud_core::http::hint_base_path(
                error,
                &self.base,
                "/v5/livedns",
            ));
        }
        Ok(Answer {
            body: answer.json(PROVIDER, "LiveDNS")?,
            headers: answer.headers,
        })
    }

    /// `GET`, the JSON body.
    pub(crate) async fn get(&self, url: Url, about: Option<About<'_>>) -> Result<Answer> {
        self.send(Method::GET, url, None, about).await
    }
}

/// The page after `page` of a collection answered with `headers`: when the
/// `total-count` header says more items remain, or (without the header)
/// when the page came back full. An empty page always ends the listing.
pub(crate) fn next_page(
    headers: &HeaderMap,
    page: u32,
    per_page: u32,
    got: usize,
) -> Option<String> {
    let got = got as u64;
    let total = headers
        .get("total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let more = match total {
        Some(total) => u64::from(page.saturating_sub(1)) * u64::from(per_page) + got < total,
        None => got >= u64::from(per_page),
    };
    (got > 0 && more).then(|| (page + 1).to_string())
}

/// A page number from a continuation token (the first page without one).
pub(crate) fn page_number(token: Option<&str>) -> Result<u32> {
    match token {
        None => Ok(1),
        Some(t) => t
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| Error::invalid_input(format!("invalid Gandi page token `{t}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_total_count() {
        let mut headers = HeaderMap::new();
        headers.insert("total-count", "7".parse().unwrap());
        assert_eq!(next_page(&headers, 1, 3, 3).as_deref(), Some("2"));
        assert_eq!(next_page(&headers, 2, 3, 3).as_deref(), Some("3"));
        assert_eq!(next_page(&headers, 3, 3, 1), None);
        // An empty page ends the listing whatever the count says.
        assert_eq!(next_page(&headers, 4, 3, 0), None);
        assert_eq!(next_page(&HeaderMap::new(), 1, 3, 3).as_deref(), Some("2"));
        assert_eq!(next_page(&HeaderMap::new(), 2, 3, 2), None);
        assert_eq!(page_number(None).unwrap(), 1);
        assert_eq!(page_number(Some("4")).unwrap(), 4);
        assert!(page_number(Some("0")).is_err());
        assert!(page_number(Some("x")).is_err());
    }

    #[tokio::test]
    async fn credentials_sign_with_their_scheme() {
        for (credential, expected) in [
            (Credential::Token(Secret::new("t1")), "Bearer t1"),
            (Credential::ApiKey(Secret::new("k1")), "Apikey k1"),
        ] {
            let mut request = Request::new(Body::empty());
            credential.sign(&mut request).await.unwrap();
            let value = &request.headers()["authorization"];
            assert_eq!(value.to_str().unwrap(), expected);
            assert!(value.is_sensitive());
        }
        let bad = Credential::Token(Secret::new("a\nb"));
        assert!(bad.sign(&mut Request::new(Body::empty())).await.is_err());
    }

    #[test]
    fn credentials_never_show_in_debug() {
        let c = Credential::Token(Secret::new("pat-hidden"));
        assert!(!format!("{c:?}").contains("pat-hidden"));
    }
}
