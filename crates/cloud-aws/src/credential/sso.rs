//! IAM Identity Center (SSO) profiles: the access token `aws sso login`
//! cached, exchanged for role credentials at the SSO portal.
//!
//! The cached token is not refreshed here; when it has expired the error
//! says to run `aws sso login` again, as the AWS CLI does.

use std::path::PathBuf;
use std::time::SystemTime;

use async_trait::async_trait;
use cloud_core::Url;
use cloud_core::credential::{Temporary, TokenProvider};
use cloud_core::http::{HttpRequest, Method};
use cloud_core::{Environment, Error, ErrorKind, Result, Secret};
use serde_json::Value;
use sha1::{Digest, Sha1};

use super::profile::{Profile, ProfileFiles};
use super::{AwsCredentials, JsonFields, Reach, json_credentials};

/// One SSO profile's settings.
#[derive(Debug)]
pub(crate) struct Sso {
    profile: String,
    cache_file: PathBuf,
    account_id: String,
    role_name: String,
    portal: Url,
    reach: Reach,
}

impl Sso {
    /// The SSO source of `profile`, or `None` if it is not an SSO profile.
    pub(crate) fn from_profile(
        env: &Environment,
        files: &ProfileFiles,
        name: &str,
        profile: &Profile,
        reach: Reach,
    ) -> Result<Option<Self>> {
        let session = profile.get("sso_session");
        if session.is_none() && profile.get("sso_start_url").is_none() {
            return Ok(None);
        }
        let missing =
            |key: &str| Error::invalid_input(format!("SSO profile `{name}` has no {key}"));
        // The cache file is named by the session name, or the start URL for
        // profiles written before sso-session sections existed.
        let (cache_key, region) = match session {
            Some(session) => {
                let section = files.sso_session(session).ok_or_else(|| {
                    Error::invalid_input(format!(
                        "profile `{name}` names sso_session `{session}`, which the config file lacks"
                    ))
                })?;
                let region = section
                    .get("sso_region")
                    .or_else(|| profile.get("sso_region"))
                    .ok_or_else(|| missing("sso_region"))?;
                (session.to_owned(), region.to_owned())
            }
            None => (
                profile
                    .get("sso_start_url")
                    .ok_or_else(|| missing("sso_start_url"))?
                    .to_owned(),
                profile
                    .get("sso_region")
                    .ok_or_else(|| missing("sso_region"))?
                    .to_owned(),
            ),
        };
        crate::config::check_region(&region)?;
        let home = env.home().ok_or_else(|| {
            Error::invalid_input("SSO profiles need a home folder for ~/.aws/sso/cache")
        })?;
        let digest = Sha1::digest(cache_key.as_bytes());
        let cache_file = home
            .join(".aws")
            .join("sso")
            .join("cache")
            .join(format!("{}.json", hex::encode(digest)));
        let portal = env
            .var("AWS_ENDPOINT_URL_SSO")
            .unwrap_or_else(|| format!("https://portal.sso.{region}.amazonaws.com"));
        let portal = Url::parse(&format!(
            "{}/federation/credentials",
            portal.trim_end_matches('/')
        ))
        .map_err(|e| Error::invalid_input(format!("invalid SSO portal URL `{portal}`: {e}")))?;
        Ok(Some(Sso {
            profile: name.to_owned(),
            cache_file,
            account_id: profile
                .get("sso_account_id")
                .ok_or_else(|| missing("sso_account_id"))?
                .to_owned(),
            role_name: profile
                .get("sso_role_name")
                .ok_or_else(|| missing("sso_role_name"))?
                .to_owned(),
            portal,
            reach,
        }))
    }

    fn login_again(&self, why: impl std::fmt::Display) -> Error {
        Error::new(
            ErrorKind::InvalidCredentials,
            format!(
                "SSO profile `{}`: {why}; run `aws sso login --profile {}`",
                self.profile, self.profile
            ),
        )
        .with_provider(crate::PROVIDER)
    }

    /// The access token `aws sso login` left in the cache.
    async fn access_token(&self) -> Result<Secret> {
        let text = match tokio::fs::read_to_string(&self.cache_file).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(self.login_again(format_args!(
                    "no cached token at {}",
                    self.cache_file.display()
                )));
            }
            Err(e) => {
                return Err(Error::io(
                    format!("reading {}", self.cache_file.display()),
                    e,
                ));
            }
        };
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| self.login_again(format_args!("the cached token is unreadable ({e})")))?;
        let token = value
            .get("accessToken")
            .and_then(Value::as_str)
            .ok_or_else(|| self.login_again("the cached token has no accessToken"))?;
        let token = Secret::new(token);
        self.reach.redactor.add_issued(&token);
        let expires = value
            .get("expiresAt")
            .and_then(Value::as_str)
            .and_then(cloud_core::time::parse_rfc3339);
        match expires {
            Some(t) if t > SystemTime::now() => Ok(token),
            Some(_) => Err(self.login_again("the cached token has expired")),
            None => Err(self.login_again("the cached token has no readable expiresAt")),
        }
    }
}

#[async_trait]
impl TokenProvider for Sso {
    type Credential = AwsCredentials;

    async fn fetch(&self) -> Result<Temporary<AwsCredentials>> {
        let token = self.access_token().await?;
        let mut url = self.portal.clone();
        url.extend_query_pairs([
            ("account_id", self.account_id.as_str()),
            ("role_name", self.role_name.as_str()),
        ]);
        let request = HttpRequest::new(Method::GET, url)
            .header("x-amz-sso_bearer_token", token.expose())
            .map_err(|_| self.login_again("the cached token is not a valid header value"))?
            .idempotent(true);
        let http = self.reach.client(&self.portal, None)?;
        let response = http.send(request).await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status.as_u16() == 401 || status.as_u16() == 403 {
            return Err(self
                .login_again(format_args!("the SSO portal refused the token ({status})"))
                .with_status(status.as_u16()));
        }
        if !status.is_success() {
            return Err(Error::new(
                ErrorKind::InvalidCredentials,
                format!(
                    "the SSO portal answered {status}: {}",
                    cloud_core::error::quote(&String::from_utf8_lossy(&body))
                ),
            )
            .with_provider(crate::PROVIDER)
            .with_status(status.as_u16()));
        }
        let value: Value = serde_json::from_slice(&body).map_err(|e| {
            Error::malformed(
                crate::PROVIDER,
                format!("the SSO portal sent invalid JSON: {e}"),
            )
        })?;
        let role = value.get("roleCredentials").ok_or_else(|| {
            Error::malformed(
                crate::PROVIDER,
                "the SSO portal's answer has no roleCredentials",
            )
        })?;
        let fields = JsonFields {
            id: "accessKeyId",
            secret: "secretAccessKey",
            token: "sessionToken",
            expiration: "expiration",
        };
        tracing::debug!(account = %self.account_id, role = %self.role_name, "SSO credentials");
        Ok(self
            .reach
            .issued(json_credentials("the SSO portal", role, &fields)?))
    }
}
