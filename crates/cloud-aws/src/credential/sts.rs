//! Role credentials from STS: AssumeRole (a profile's `role_arn`, signed
//! with its source's credentials) and AssumeRoleWithWebIdentity (an OIDC
//! token in a file, as EKS mounts it; the call itself is unsigned).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cloud_core::Result;
use cloud_core::Url;
use cloud_core::credential::{Temporary, TokenProvider};
use cloud_core::secret::Secret;

use super::{AwsCredentialProvider, AwsCredentials, Reach};
use crate::error::Service;
use crate::query::{Params, QueryClient};
use crate::signer::SigV4;
use crate::xml;

const VERSION: &str = "2011-06-15";

/// What both calls share: where STS is and what the session is called.
#[derive(Debug, Clone)]
pub(crate) struct Role {
    pub(crate) arn: String,
    pub(crate) session_name: Option<String>,
    pub(crate) duration: Option<Duration>,
    pub(crate) external_id: Option<String>,
    pub(crate) endpoint: Url,
    pub(crate) region: String,
}

impl Role {
    fn params(&self) -> Params {
        let mut params = Params::new();
        params.add("RoleArn", &self.arn).add(
            "RoleSessionName",
            self.session_name
                .clone()
                .unwrap_or_else(default_session_name),
        );
        if let Some(d) = self.duration {
            params.add("DurationSeconds", d.as_secs().to_string());
        }
        params
    }
}

/// `cloud-<milliseconds since the epoch>`, as the SDKs name unnamed sessions.
fn default_session_name() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    format!("cloud-aws-{millis}")
}

/// Reads `<Credentials>` out of either call's answer.
fn parse_answer(body: &str, root: &str) -> Result<Temporary<AwsCredentials>> {
    let doc = xml::document("STS", body, &[root])?;
    let node = xml::descendant(doc.root_element(), "Credentials").ok_or_else(|| {
        cloud_core::Error::malformed(crate::PROVIDER, format!("STS {root} has no <Credentials>"))
    })?;
    let id = xml::required("STS", node, "AccessKeyId")?;
    let secret = xml::required("STS", node, "SecretAccessKey")?;
    let token = xml::required("STS", node, "SessionToken")?;
    let expires = xml::required("STS", node, "Expiration")?;
    let expires = cloud_core::time::parse_rfc3339(expires).ok_or_else(|| {
        cloud_core::Error::malformed(
            crate::PROVIDER,
            format!(
                "STS gave an unreadable expiration `{}`",
                cloud_core::error::quote(expires)
            ),
        )
    })?;
    Ok(Temporary::until(
        AwsCredentials::new(id, secret).with_session_token(token),
        expires,
    ))
}

/// `role_arn` with `source_profile` or `credential_source`.
#[derive(Debug)]
pub(crate) struct AssumeRole {
    pub(crate) role: Role,
    pub(crate) source: AwsCredentialProvider,
    pub(crate) reach: Reach,
}

#[async_trait]
impl TokenProvider for AssumeRole {
    type Credential = AwsCredentials;

    async fn fetch(&self) -> Result<Temporary<AwsCredentials>> {
        let mut params = self.role.params();
        if let Some(id) = &self.role.external_id {
            params.add("ExternalId", id);
        }
        let signer = SigV4::new(self.source.clone(), &self.role.region, "sts");
        let http = self
            .reach
            .client(&self.role.endpoint, Some(Arc::new(signer)))?;
        let client = QueryClient::new(http, self.role.endpoint.clone(), VERSION, Service::Sts);
        let body = client.call("AssumeRole", &params, true, None).await?;
        tracing::debug!(role = %self.role.arn, "assumed role");
        Ok(self
            .reach
            .issued(parse_answer(&body, "AssumeRoleResponse")?))
    }
}

/// `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN`, or a profile's
/// `web_identity_token_file`. The file is read at every renewal: the
/// orchestrator rotates it.
#[derive(Debug)]
pub(crate) struct WebIdentity {
    pub(crate) role: Role,
    pub(crate) token_file: std::path::PathBuf,
    pub(crate) reach: Reach,
}

#[async_trait]
impl TokenProvider for WebIdentity {
    type Credential = AwsCredentials;

    async fn fetch(&self) -> Result<Temporary<AwsCredentials>> {
        let token = tokio::fs::read_to_string(&self.token_file)
            .await
            .map_err(|e| {
                cloud_core::Error::io(
                    format!(
                        "reading the web identity token {}",
                        self.token_file.display()
                    ),
                    e,
                )
            })?;
        let token = Secret::new(token.trim());
        self.reach.redactor.add_issued(&token);
        let mut params = self.role.params();
        params.add("WebIdentityToken", token.expose());
        let http = self.reach.client(&self.role.endpoint, None)?;
        let client = QueryClient::new(http, self.role.endpoint.clone(), VERSION, Service::Sts);
        let body = client
            .call("AssumeRoleWithWebIdentity", &params, true, None)
            .await?;
        tracing::debug!(role = %self.role.arn, "assumed role with web identity");
        Ok(self
            .reach
            .issued(parse_answer(&body, "AssumeRoleWithWebIdentityResponse")?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_answer() {
        // The example response of AWS's AssumeRoleWithWebIdentity reference.
        let body = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <SourceIdentity>SourceIdentityValue</SourceIdentity>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#;
        let t = parse_answer(body, "AssumeRoleWithWebIdentityResponse").unwrap();
        assert_eq!(t.value.access_key_id().expose(), "ASgeIAIOSFODNN7EXAMPLE");
        assert_eq!(
            cloud_core::time::format_rfc3339(t.expires.unwrap()),
            "2014-10-24T23:00:23Z"
        );
        let err = parse_answer(body, "AssumeRoleResponse").unwrap_err();
        assert!(err.to_string().contains("AssumeRoleResponse"), "{err}");
        let err = parse_answer(
            "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>",
            "AssumeRoleResponse",
        )
        .unwrap_err();
        assert!(err.to_string().contains("Credentials"), "{err}");
    }
}
