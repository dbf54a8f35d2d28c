//! The metadata server of a Google Cloud machine (GCE, GKE, Cloud Run):
//! tokens for the machine's service account, and the project id, asked
//! with `Metadata-Flavor: Google` (which the server requires, so a
//! redirected request cannot be answered by something else).

use async_trait::async_trait;
use cloud_core::credential::{Temporary, TokenProvider};
use cloud_core::http::{HttpClient, HttpRequest, Method};
use cloud_core::secret::Redactor;
use cloud_core::{Error, ErrorKind, Result, Url};

use super::AccessToken;
use super::token;
use crate::PROVIDER;

/// The metadata server's host name on Google Cloud machines.
pub(super) const DEFAULT_HOST: &str = "metadata.google.internal";

/// One metadata server.
#[derive(Debug, Clone)]
pub(super) struct MetadataServer {
    base: String,
    scope: String,
}

impl MetadataServer {
    /// The server at `host[:port]` (or a full `http://` URL).
    pub(super) fn new(host: &str, scope: String) -> Result<Self> {
        let base = if host.starts_with("http://") || host.starts_with("https://") {
            host.trim_end_matches('/').to_owned()
        } else {
            format!("http://{}", host.trim_end_matches('/'))
        };
        Url::parse(&base)
            .map_err(|e| Error::invalid_input(format!("invalid metadata server `{host}`: {e}")))?;
        Ok(MetadataServer { base, scope })
    }

    pub(super) fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, path: &str, query: &[(&str, &str)]) -> Result<HttpRequest> {
        let mut url = Url::parse(&format!("{}/computeMetadata/v1/{path}", self.base))
            .map_err(|e| Error::invalid_input(format!("metadata path {path}: {e}")))?;
        if !query.is_empty() {
            url.extend_query_pairs(query.iter().copied());
        }
        HttpRequest::new(Method::GET, url).header("metadata-flavor", "Google")
    }

    fn unreachable(&self, e: &Error) -> Error {
        Error::new(
            ErrorKind::InvalidCredentials,
            format!(
                "no Google credentials: GOOGLE_APPLICATION_CREDENTIALS is not set, gcloud has no \
                 application-default credentials, and the metadata server at {} did not answer ({e})",
                self.base
            ),
        )
        .with_provider(PROVIDER)
    }

    /// The project this machine belongs to.
    pub(super) async fn project_id(&self, http: &HttpClient) -> Result<String> {
        let response = http
            .send(self.request("project/project-id", &[])?)
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let text = String::from_utf8_lossy(&response.bytes().await?)
            .trim()
            .to_owned();
        if !status.is_success() || text.is_empty() {
            return Err(Error::new(
                ErrorKind::Provider,
                format!(
                    "the metadata server gave no project id (HTTP {})",
                    status.as_u16()
                ),
            )
            .with_provider(PROVIDER));
        }
        Ok(text)
    }
}

/// Fetches tokens for the machine's default service account.
#[derive(Debug)]
pub(super) struct Source {
    server: MetadataServer,
    http: HttpClient,
    redactor: Redactor,
}

impl Source {
    pub(super) fn new(server: MetadataServer, http: HttpClient, redactor: Redactor) -> Self {
        Source {
            server,
            http,
            redactor,
        }
    }
}

#[async_trait]
impl TokenProvider for Source {
    type Credential = AccessToken;

    async fn fetch(&self) -> Result<Temporary<AccessToken>> {
        let mut query = Vec::new();
        if !self.server.scope.is_empty() {
            query.push(("scopes", self.server.scope.replace(' ', ",")));
        }
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let request = self
            .server
            .request("instance/service-accounts/default/token", &query)?;
        let response = self
            .http
            .send(request)
            .await
            .map_err(|e| self.server.unreachable(&e))?;
        let status = response.status().as_u16();
        let body = response.bytes().await?;
        token::read(status, &body, "the metadata server", &self.redactor)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cloud_core::credential::{CachedCredential, CredentialProvider};
    use cloud_testkit::canned::{Canned, CannedTransport};

    use super::*;

    #[tokio::test]
    async fn tokens_and_the_project_come_with_the_flavor_header() {
        let transport = Arc::new(CannedTransport::new());
        let http = HttpClient::builder("google")
            .transport(transport.clone())
            .allow_http(true)
            .build()
            .unwrap();
        let server = MetadataServer::new("127.0.0.1:8089", "s1 s2".into()).unwrap();
        transport.push(Canned::new(200, "my-project\n"));
        assert_eq!(server.project_id(&http).await.unwrap(), "my-project");
        let cached = CachedCredential::new(Source::new(server, http, Redactor::new()));
        transport.push(Canned::new(
            200,
            r#"{"access_token": "ya29.vm", "expires_in": 3000, "token_type": "Bearer"}"#,
        ));
        assert_eq!(
            cached.credential().await.unwrap().secret().expose(),
            "ya29.vm"
        );
        let sent = transport.requests();
        assert!(
            sent[1].contains(
                "/computeMetadata/v1/instance/service-accounts/default/token?scopes=s1%2Cs2"
            ),
            "{sent:?}"
        );
    }

    #[tokio::test]
    async fn no_metadata_server_says_what_was_tried() {
        let http = HttpClient::builder("google")
            .allow_http(true)
            .retry(cloud_core::http::RetryPolicy::new().max_attempts(1))
            .build()
            .unwrap();
        let server = MetadataServer::new("127.0.0.1:9", String::new()).unwrap();
        let cached = CachedCredential::new(Source::new(server, http, Redactor::new()));
        let err = cached.credential().await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
        assert!(
            err.to_string().contains("GOOGLE_APPLICATION_CREDENTIALS"),
            "{err}"
        );
    }
}
