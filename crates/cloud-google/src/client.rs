//! The exchange every Google JSON API shares: a bearer token on every
//! attempt (none for emulators), typed errors from Google's error body,
//! secrets cut out of whatever a server echoes.

use cloud_core::http::{HttpClient, HttpRequest, HttpResponse};
use cloud_core::secret::Redactor;
use cloud_core::{Result, Url};
use serde_json::Value;

use crate::PROVIDER;
use crate::error::{About, response_error};

/// One Google API (`Cloud Storage`, `Compute Engine`...) at one base URL.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    api: &'static str,
    http: HttpClient,
    base: Url,
    redactor: Redactor,
}

impl Client {
    pub(crate) fn new(api: &'static str, http: HttpClient, base: Url, redactor: Redactor) -> Self {
        Client {
            api,
            http,
            base,
            redactor,
        }
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub(crate) fn http(&self) -> &HttpClient {
        &self.http
    }

    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    /// The base URL with `segments` appended and `query`. Each segment is
    /// escaped whole (`/` included) down to RFC 3986's unreserved
    /// characters, as Google's clients send object names: a raw `;` or `+`
    /// is read differently by different servers.
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        let mut path = url.path().trim_end_matches('/').to_owned();
        for segment in segments {
            path.push('/');
            path.push_str(&cloud_core::http::encode_component(segment));
        }
        url.set_path(&path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Sends a request; an error status becomes a typed error about
    /// `about`. The answer's body is left to stream.
    pub(crate) async fn send(
        &self,
        request: HttpRequest,
        about: Option<About<'_>>,
    ) -> Result<HttpResponse> {
        let response = self
            .http
            .send(request)
            .await
            .map_err(|e| self.redactor.scrub(e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        let (status, headers, body) = response.into_parts();
        let bytes = body.error_bytes().await;
        Err(self
            .redactor
            .scrub(response_error(self.api, status, &headers, &bytes, about)))
    }

    /// Sends a request with an optional JSON body and reads the JSON answer
    /// (`Null` when empty).
    pub(crate) async fn json(
        &self,
        request: HttpRequest,
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Value> {
        let answer = self
            .http
            .send_json(request, body)
            .await
            .map_err(|e| self.redactor.scrub(e))?;
        if !answer.status.is_success() {
            return Err(self.redactor.scrub(response_error(
                self.api,
                answer.status,
                &answer.headers,
                &answer.body,
                about,
            )));
        }
        answer.json(PROVIDER, self.api)
    }
}
