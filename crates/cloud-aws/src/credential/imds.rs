//! EC2 instance profile credentials from the instance metadata service.
//!
//! IMDSv2 first: a PUT obtains a session token that every GET carries. The
//! unauthenticated IMDSv1 is tried only when the builder allows it (off by
//! default, as AWS recommends) and never when `AWS_EC2_METADATA_V1_DISABLED`
//! is set: an instance that still serves v1 is open to SSRF.

use std::time::Duration;

use async_trait::async_trait;
use cloud_core::Url;
use cloud_core::credential::{Temporary, TokenProvider};
use cloud_core::http::{HttpClient, HttpRequest, Method, StatusCode};
use cloud_core::{Environment, Error, ErrorKind, Result, Secret};

use super::{AwsCredentials, Reach, metadata_credentials};

const DEFAULT_ENDPOINT: &str = "http://169.254.169.254";
const CREDENTIALS_PATH: &str = "latest/meta-data/iam/security-credentials/";
/// Six hours, the longest session IMDS grants.
const SESSION_TTL: &str = "21600";

/// The metadata service of the instance this process runs on.
#[derive(Debug)]
pub(crate) struct InstanceMetadata {
    endpoint: Url,
    v1_fallback: bool,
    reach: Reach,
}

impl InstanceMetadata {
    /// `None` when `AWS_EC2_METADATA_DISABLED` is true.
    pub(crate) fn from_env(
        env: &Environment,
        profile_endpoint: Option<&str>,
        v1_fallback: bool,
        reach: Reach,
    ) -> Result<Option<Self>> {
        if env
            .var("AWS_EC2_METADATA_DISABLED")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return Ok(None);
        }
        let text = env
            .var("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            .or_else(|| profile_endpoint.map(str::to_owned))
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
        let endpoint = Url::parse(&format!("{}/", text.trim_end_matches('/'))).map_err(|e| {
            Error::invalid_input(format!(
                "the instance metadata endpoint `{}` is invalid: {e}",
                cloud_core::error::quote(&text)
            ))
        })?;
        let v1_disabled = env
            .var("AWS_EC2_METADATA_V1_DISABLED")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Ok(Some(InstanceMetadata {
            endpoint,
            v1_fallback: v1_fallback && !v1_disabled,
            reach,
        }))
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.endpoint
            .join(path)
            .map_err(|e| Error::invalid_input(format!("invalid metadata path {path}: {e}")))
    }

    fn refused(&self, what: impl std::fmt::Display) -> Error {
        Error::new(
            ErrorKind::InvalidCredentials,
            format!("instance metadata at {}: {what}", self.endpoint),
        )
        .with_provider(crate::PROVIDER)
    }

    /// An IMDSv2 session token, or `None` to go on with IMDSv1.
    async fn session(&self, http: &HttpClient) -> Result<Option<Secret>> {
        let request = HttpRequest::new(Method::PUT, self.url("latest/api/token")?)
            .header("x-aws-ec2-metadata-token-ttl-seconds", SESSION_TTL)?
            .idempotent(true);
        let outcome = match http.send(request).await {
            Ok(response) if response.status().is_success() => {
                let token = Secret::new(String::from_utf8_lossy(&response.bytes().await?).trim());
                self.reach.redactor.add_issued(&token);
                return Ok(Some(token));
            }
            Ok(response) if response.status() == StatusCode::FORBIDDEN => {
                return Err(self.refused("the metadata service is disabled (403)"));
            }
            Ok(response) => format!("answered {}", response.status()),
            Err(e) => format!("did not answer ({e})"),
        };
        if self.v1_fallback {
            tracing::debug!(%outcome, "no IMDSv2 session; falling back to IMDSv1");
            Ok(None)
        } else {
            Err(self.refused(format_args!(
                "the IMDSv2 session request {outcome} (IMDSv1 fallback is off)"
            )))
        }
    }

    async fn get(&self, http: &HttpClient, path: &str, token: Option<&Secret>) -> Result<Vec<u8>> {
        let mut request = HttpRequest::new(Method::GET, self.url(path)?).idempotent(true);
        if let Some(token) = token {
            request = request.header("x-aws-ec2-metadata-token", token.expose())?;
        }
        let response = http
            .send(request)
            .await
            .map_err(|e| self.refused(format_args!("did not answer ({e})")))?;
        let status = response.status();
        let body = response.bytes().await?;
        if status == StatusCode::NOT_FOUND && path == CREDENTIALS_PATH {
            return Err(self.refused("this instance has no IAM role attached"));
        }
        if !status.is_success() {
            return Err(self
                .refused(format_args!("GET /{path} answered {status}"))
                .with_status(status.as_u16()));
        }
        Ok(body.to_vec())
    }
}

#[async_trait]
impl TokenProvider for InstanceMetadata {
    type Credential = AwsCredentials;

    async fn fetch(&self) -> Result<Temporary<AwsCredentials>> {
        let http = self.reach.metadata_client(&self.endpoint)?;
        let token = self.session(&http).await?;
        let roles = self.get(&http, CREDENTIALS_PATH, token.as_ref()).await?;
        let roles = String::from_utf8_lossy(&roles);
        let Some(role) = roles.lines().map(str::trim).find(|l| !l.is_empty()) else {
            return Err(self.refused("this instance has no IAM role attached"));
        };
        if role.contains('/') || role.contains("..") {
            return Err(self.refused(format_args!(
                "unusable role name `{}`",
                cloud_core::error::quote(role)
            )));
        }
        let body = self
            .get(&http, &format!("{CREDENTIALS_PATH}{role}"), token.as_ref())
            .await?;
        tracing::debug!(role, "instance profile credentials");
        Ok(self
            .reach
            .issued(metadata_credentials("instance metadata", &body)?))
    }
}

/// Short: off EC2 the address does not answer, and a program without other
/// credentials should say so in about a second, not hang.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(1);
