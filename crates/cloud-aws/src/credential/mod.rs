//! Where AWS credentials, region and endpoint come from.
//!
//! Code on EC2, ECS, EKS and Lambda, and people using `aws sso login` or
//! roles, expect the credentials the AWS CLI would find; each source lives
//! in its own file and [`chain`] picks one in the SDKs' order. Temporary
//! credentials are renewed ahead of expiry by `cloud_core`'s cache.

mod chain;
mod container;
mod imds;
mod process;
mod profile;
mod sso;
mod sts;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloud_core::Url;
use cloud_core::credential::{CredentialProvider, Temporary};
use cloud_core::http::{ClientOptions, HttpClient, RetryPolicy, Signer, Timeouts};
use cloud_core::secret::Redactor;
use cloud_core::{Error, ErrorKind, Result, Secret};
use serde_json::Value;

pub(crate) use chain::Settings;
pub use cloud_core::Environment;

/// An access key, its secret and an optional session token.
#[derive(Clone)]
pub struct AwsCredentials {
    access_key_id: Secret,
    secret_access_key: Secret,
    session_token: Option<Secret>,
}

impl AwsCredentials {
    /// Long-term credentials.
    pub fn new(access_key_id: impl Into<Secret>, secret_access_key: impl Into<Secret>) -> Self {
        AwsCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        }
    }

    /// Adds a session token (temporary credentials).
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<Secret>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &Secret {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &Secret {
        &self.secret_access_key
    }

    /// The session token, if any.
    pub fn session_token(&self) -> Option<&Secret> {
        self.session_token.as_ref()
    }
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// Where a client gets AWS credentials: a fixed pair, or a source that
/// renews them. Give your own to [`AwsBuilder::credentials_provider`](crate::AwsBuilder::credentials_provider).
pub type AwsCredentialProvider = Arc<dyn CredentialProvider<Credential = AwsCredentials>>;

/// What the credential sources need to reach their endpoints: the
/// client's transport and tuning, and the redactor each issued credential
/// joins.
#[derive(Debug, Clone)]
pub(crate) struct Reach {
    /// The client's options, its transport built (one connection pool).
    pub(crate) options: ClientOptions,
    /// The same without a proxy, for the link-local metadata services
    /// (the SDKs never send those through a proxy); the given transport
    /// if there is one.
    pub(crate) direct: ClientOptions,
    pub(crate) redactor: Redactor,
}

impl Reach {
    /// A client for `url` (plain HTTP allowed when it says so), signing with `signer`.
    pub(crate) fn client(&self, url: &Url, signer: Option<Arc<dyn Signer>>) -> Result<HttpClient> {
        build_client(self.options.clone(), url, signer, &self.redactor)
    }

    /// A client for a link-local or loopback credentials endpoint
    /// (containers): never through a proxy.
    pub(crate) fn direct_client(&self, url: &Url) -> Result<HttpClient> {
        build_client(self.direct.clone(), url, None, &self.redactor)
    }

    /// A client for the instance metadata service: no proxy, short
    /// timeouts and two attempts, so a machine off EC2 finds out in seconds.
    pub(crate) fn metadata_client(&self, url: &Url) -> Result<HttpClient> {
        let short = self
            .direct
            .clone()
            .retry(
                RetryPolicy::new()
                    .max_attempts(2)
                    .initial_backoff(Duration::from_millis(100)),
            )
            .timeouts(
                Timeouts::new()
                    .connect(imds::TIMEOUT)
                    .request(imds::TIMEOUT)
                    .read(imds::TIMEOUT),
            );
        build_client(short, url, None, &self.redactor)
    }

    /// `credentials`, after registering them for scrubbing.
    pub(crate) fn issued(
        &self,
        credentials: Temporary<AwsCredentials>,
    ) -> Temporary<AwsCredentials> {
        let c = &credentials.value;
        self.redactor.add_issued(c.access_key_id());
        self.redactor.add_issued(c.secret_access_key());
        if let Some(token) = c.session_token() {
            self.redactor.add_issued(token);
        }
        credentials
    }
}

fn build_client(
    options: ClientOptions,
    url: &Url,
    signer: Option<Arc<dyn Signer>>,
    redactor: &Redactor,
) -> Result<HttpClient> {
    let mut builder = HttpClient::builder(crate::PROVIDER)
        .options(options)
        .redactor(redactor.clone())
        .classifier(Arc::new(crate::error::AwsRetryClassifier))
        .allow_http(url.scheme() == "http")
        .user_agent_suffix("cloud-aws");
    if let Some(signer) = signer {
        builder = builder.signer(signer);
    }
    builder.build()
}

/// The names a JSON credential document uses.
pub(crate) struct JsonFields {
    pub(crate) id: &'static str,
    pub(crate) secret: &'static str,
    pub(crate) token: &'static str,
    pub(crate) expiration: &'static str,
}

/// Reads credentials out of a JSON document from `source`. The expiration
/// is an RFC 3339 time or milliseconds since the epoch (SSO).
pub(crate) fn json_credentials(
    source: &str,
    value: &Value,
    fields: &JsonFields,
) -> Result<Temporary<AwsCredentials>> {
    let text = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let (Some(id), Some(secret)) = (text(fields.id), text(fields.secret)) else {
        return Err(Error::malformed(
            crate::PROVIDER,
            format!("{source} gave no {} and {}", fields.id, fields.secret),
        ));
    };
    let mut credentials = AwsCredentials::new(id, secret);
    if let Some(token) = text(fields.token) {
        credentials = credentials.with_session_token(token);
    }
    let expires = match value.get(fields.expiration) {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(cloud_core::time::parse_rfc3339(t).ok_or_else(|| {
            Error::malformed(
                crate::PROVIDER,
                format!(
                    "{source} gave an unreadable {} `{}`",
                    fields.expiration,
                    cloud_core::error::quote(t)
                ),
            )
        })?),
        Some(v) => Some(
            v.as_u64()
                .map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
                .ok_or_else(|| {
                    Error::malformed(
                        crate::PROVIDER,
                        format!("{source} gave an unreadable {}", fields.expiration),
                    )
                })?,
        ),
    };
    Ok(Temporary {
        value: credentials,
        expires,
    })
}

/// Reads the document ECS and instance metadata serve (`AccessKeyId`,
/// `SecretAccessKey`, `Token`, `Expiration`, and on EC2 `Code`).
pub(crate) fn metadata_credentials(source: &str, body: &[u8]) -> Result<Temporary<AwsCredentials>> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Error::malformed(crate::PROVIDER, format!("{source} sent invalid JSON: {e}"))
    })?;
    if let Some(code) = value.get("Code").and_then(Value::as_str)
        && code != "Success"
    {
        return Err(Error::new(
            ErrorKind::InvalidCredentials,
            format!("{source} answered `{}`", cloud_core::error::quote(code)),
        )
        .with_provider(crate::PROVIDER));
    }
    let fields = JsonFields {
        id: "AccessKeyId",
        secret: "SecretAccessKey",
        token: "Token",
        expiration: "Expiration",
    };
    let credentials = json_credentials(source, &value, &fields)?;
    if credentials.expires.is_some_and(|t| t <= SystemTime::now()) {
        tracing::warn!("{source} gave credentials that have already expired");
    }
    Ok(credentials)
}

/// The default region when none is configured anywhere.
pub const DEFAULT_REGION: &str = "us-east-1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_do_not_print() {
        let c = AwsCredentials::new("AKIDVISIBLE", "very-secret").with_session_token("tok-secret");
        let text = format!("{c:?}");
        assert!(
            !text.contains("AKIDVISIBLE")
                && !text.contains("very-secret")
                && !text.contains("tok-secret")
        );
    }

    #[test]
    fn metadata_documents_are_read_or_refused_by_name() {
        // The example document of the EC2 guide's "Retrieve security
        // credentials from instance metadata".
        let body = br#"{
  "Code" : "Success",
  "LastUpdated" : "2012-04-26T16:39:16Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIAIOSFODNN7EXAMPLE",
  "SecretAccessKey" : "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "Token" : "token",
  "Expiration" : "2017-05-17T15:09:54Z"
}"#;
        let t = metadata_credentials("instance metadata", body).unwrap();
        assert_eq!(t.value.access_key_id().expose(), "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(t.value.session_token().unwrap().expose(), "token");
        assert!(t.expires.is_some());
        let err =
            metadata_credentials("x", br#"{"Code":"AssumeRoleUnauthorizedAccess"}"#).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
        assert!(err.to_string().contains("AssumeRoleUnauthorizedAccess"));
        let err = metadata_credentials("x", br#"{"AccessKeyId":"A"}"#).unwrap_err();
        assert!(err.to_string().contains("SecretAccessKey"), "{err}");
        let err = metadata_credentials("x", b"<html>").unwrap_err();
        assert!(err.to_string().contains("invalid JSON"), "{err}");
        let err = metadata_credentials(
            "x",
            br#"{"AccessKeyId":"A","SecretAccessKey":"B","Expiration":"soon"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("soon"), "{err}");
    }
}
