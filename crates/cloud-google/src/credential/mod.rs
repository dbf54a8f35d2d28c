//! Where Google credentials come from, in the order Google's client
//! libraries look: `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's
//! application-default credentials file, the metadata server.
//!
//! A key file is read and checked when the chain is resolved (a bad file
//! fails at once, naming the file, never quoting the key); tokens are
//! fetched on first use and cached by `cloud_core::credential::CachedCredential`,
//! which renews them ahead of expiry once for all concurrent callers and
//! after a 401.

mod authorized_user;
mod metadata;
mod service_account;
mod token;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use cloud_core::credential::{CachedCredential, CredentialProvider};
use cloud_core::http::{Body, ClientOptions, HeaderValue, HttpClient, Request, Signer};
use cloud_core::secret::Redactor;
use cloud_core::{Environment, Error, ErrorKind, Result, Secret};
use serde_json::Value;

use self::authorized_user::AuthorizedUser;
use self::metadata::MetadataServer;
pub(crate) use self::service_account::ServiceAccountKey;
use crate::PROVIDER;

/// Full access to the project's Cloud APIs, limited by IAM: the scope
/// Google's libraries ask for by default.
pub const SCOPE_CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// An OAuth 2.0 access token (never printed).
#[derive(Clone)]
pub struct AccessToken(Secret);

impl AccessToken {
    /// The token.
    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// A source of access tokens, cached.
pub type GoogleCredentialProvider = Arc<dyn CredentialProvider<Credential = AccessToken>>;

/// Which kind of credentials, before any token is fetched.
#[derive(Debug, Clone)]
enum Kind {
    ServiceAccount(ServiceAccountKey),
    AuthorizedUser(AuthorizedUser),
    Metadata,
}

/// Google credentials as found (a key file, gcloud's login, the metadata
/// server), with the scopes to ask for.
#[derive(Debug, Clone)]
pub struct GoogleCredentials {
    kind: Kind,
    /// Where they came from, for logs and errors (`GOOGLE_APPLICATION_CREDENTIALS (/path)`).
    source: String,
    scopes: Vec<String>,
    project_id: Option<String>,
    metadata_host: String,
}

/// The gcloud configuration folder: `CLOUDSDK_CONFIG`, else
/// `%APPDATA%\gcloud` on Windows, else `~/.config/gcloud`.
fn gcloud_dir(env: &Environment) -> Option<PathBuf> {
    if let Some(dir) = env.var("CLOUDSDK_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if cfg!(windows) {
        return env.var("APPDATA").map(|d| Path::new(&d).join("gcloud"));
    }
    env.home().map(|h| h.join(".config").join("gcloud"))
}

impl GoogleCredentials {
    /// The first credentials the chain finds: the file
    /// `GOOGLE_APPLICATION_CREDENTIALS` names (an error if it cannot be
    /// read: it was asked for), then gcloud's
    /// `application_default_credentials.json`, then the metadata server.
    /// The project is the credentials' own, or `GOOGLE_CLOUD_PROJECT`.
    pub fn from_env(env: &Environment) -> Result<Self> {
        let metadata_host = env
            .var("GCE_METADATA_HOST")
            .filter(|h| !h.trim().is_empty())
            .unwrap_or_else(|| metadata::DEFAULT_HOST.to_owned());
        let mut found = if let Some(path) = env
            .var("GOOGLE_APPLICATION_CREDENTIALS")
            .filter(|p| !p.trim().is_empty())
        {
            Self::from_file(Path::new(&path), "GOOGLE_APPLICATION_CREDENTIALS")?
        } else {
            let adc = gcloud_dir(env).map(|d| d.join("application_default_credentials.json"));
            match adc.filter(|p| p.is_file()) {
                Some(path) => Self::from_file(&path, "gcloud application-default credentials")?,
                None => Self::metadata_server(),
            }
        };
        found.metadata_host = metadata_host;
        if found.project_id.is_none() {
            found.project_id = env
                .var("GOOGLE_CLOUD_PROJECT")
                .or_else(|| env.var("CLOUDSDK_CORE_PROJECT"))
                .filter(|p| !p.trim().is_empty());
        }
        Ok(found)
    }

    /// Credentials from a key file (`what` says who named it, for errors).
    pub fn from_file(path: &Path, what: &str) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::InvalidCredentials,
                format!("{what}: cannot read {}: {e}", path.display()),
            )
            .with_provider(PROVIDER)
        })?;
        Self::from_json(&text, &format!("{what} ({})", path.display()))
    }

    /// Credentials from the text of a key file: a service-account key or an
    /// authorized user (gcloud's login). Impersonation and external accounts
    /// (workload identity federation) are refused, naming the kind.
    pub fn from_json(text: &str, source: &str) -> Result<Self> {
        let bad = |what: &str| {
            Error::new(ErrorKind::InvalidCredentials, format!("{source}: {what}"))
                .with_provider(PROVIDER)
        };
        let value: Value =
            serde_json::from_str(text).map_err(|e| bad(&format!("not a JSON key file ({e})")))?;
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("the key file has no `type`"))?;
        let (kind, project_id) = match kind {
            "service_account" => {
                let key = ServiceAccountKey::from_json(&value).map_err(|e| bad(&e))?;
                let project = key.project_id.clone();
                (Kind::ServiceAccount(key), project)
            }
            "authorized_user" => {
                let user = AuthorizedUser::from_json(&value).map_err(|e| bad(&e))?;
                let project = user.quota_project_id.clone();
                (Kind::AuthorizedUser(user), project)
            }
            other @ ("impersonated_service_account"
            | "external_account"
            | "external_account_authorized_user"
            | "gdch_service_account") => {
                return Err(bad(&format!(
                    "credentials of type `{other}` are not supported yet; use a service-account \
                     key, `gcloud auth application-default login`, or the metadata server"
                )));
            }
            other => return Err(bad(&format!("unknown credentials type `{other}`"))),
        };
        Ok(GoogleCredentials {
            kind,
            source: source.to_owned(),
            scopes: vec![SCOPE_CLOUD_PLATFORM.to_owned()],
            project_id,
            metadata_host: metadata::DEFAULT_HOST.to_owned(),
        })
    }

    /// The metadata server of the machine this runs on (GCE, GKE, Cloud Run).
    pub fn metadata_server() -> Self {
        GoogleCredentials {
            kind: Kind::Metadata,
            source: "the metadata server".to_owned(),
            scopes: vec![SCOPE_CLOUD_PLATFORM.to_owned()],
            project_id: None,
            metadata_host: metadata::DEFAULT_HOST.to_owned(),
        }
    }

    /// The OAuth scopes to ask for (default: [`SCOPE_CLOUD_PLATFORM`]).
    #[must_use]
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The metadata server's `host[:port]` (`GCE_METADATA_HOST`).
    #[must_use]
    pub fn metadata_host(mut self, host: impl Into<String>) -> Self {
        self.metadata_host = host.into();
        self
    }

    /// The project, when the credentials or the environment name it.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// Where the credentials came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The service-account key, when the credentials are one: what signs
    /// V4 URLs without a call to IAM.
    pub(crate) fn service_account_key(&self) -> Option<&ServiceAccountKey> {
        match &self.kind {
            Kind::ServiceAccount(key) => Some(key),
            _ => None,
        }
    }

    /// A cached token provider for these credentials, its token requests
    /// sent with `options` (timeouts, retries, proxy, transport).
    pub fn build(self, options: &ClientOptions) -> Result<ResolvedCredentials> {
        let redactor = Redactor::new();
        let scope = self.scopes.join(" ");
        let (provider, http_url): (GoogleCredentialProvider, String) = match self.kind {
            Kind::ServiceAccount(key) => {
                redactor.add(&key.private_key_pem);
                let url = key.token_uri.clone();
                let http = token_client(options, &url, &redactor)?;
                (
                    Arc::new(CachedCredential::new(service_account::Source::new(
                        key,
                        scope,
                        http,
                        redactor.clone(),
                    ))),
                    url,
                )
            }
            Kind::AuthorizedUser(user) => {
                redactor.add(&user.client_secret);
                redactor.add(&user.refresh_token);
                let url = user.token_uri.clone();
                let http = token_client(options, &url, &redactor)?;
                (
                    Arc::new(CachedCredential::new(authorized_user::Source::new(
                        user,
                        http,
                        redactor.clone(),
                    ))),
                    url,
                )
            }
            Kind::Metadata => {
                let server = MetadataServer::new(&self.metadata_host, scope)?;
                let url = server.base().to_owned();
                let http = token_client(options, &url, &redactor)?;
                (
                    Arc::new(CachedCredential::new(metadata::Source::new(
                        server,
                        http,
                        redactor.clone(),
                    ))),
                    url,
                )
            }
        };
        tracing::debug!(source = %self.source, token_url = %http_url, "Google credentials");
        Ok(ResolvedCredentials {
            provider,
            project_id: self.project_id,
            source: self.source,
            metadata_host: self.metadata_host,
            redactor,
            options: options.clone(),
        })
    }
}

/// The HTTP client token requests go through; plain `http://` only for
/// the metadata server and for token URIs that say so (emulators).
fn token_client(options: &ClientOptions, url: &str, redactor: &Redactor) -> Result<HttpClient> {
    HttpClient::builder(PROVIDER)
        .options(options.clone())
        .redactor(redactor.clone())
        .allow_http(url.starts_with("http://"))
        .build()
}

/// Credentials ready to use: the cached token provider and the project.
#[derive(Debug, Clone)]
pub struct ResolvedCredentials {
    provider: GoogleCredentialProvider,
    project_id: Option<String>,
    source: String,
    metadata_host: String,
    redactor: Redactor,
    options: ClientOptions,
}

impl ResolvedCredentials {
    /// The cached token provider.
    pub fn provider(&self) -> &GoogleCredentialProvider {
        &self.provider
    }

    /// The project the credentials or the environment name, if any.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The project: the one known, else the metadata server's.
    pub async fn project(&self) -> Result<String> {
        if let Some(p) = &self.project_id {
            return Ok(p.clone());
        }
        let server = MetadataServer::new(&self.metadata_host, String::new())?;
        let http = token_client(&self.options, server.base(), &self.redactor)?;
        server.project_id(&http).await.map_err(|e| {
            e.with_message(
                "no Google project: give one (config `project`, GOOGLE_CLOUD_PROJECT) or run \
                 where the metadata server answers",
            )
        })
    }

    /// Where the credentials came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every secret these credentials hold or were issued, to scrub errors.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// A signer sending the current token as `Authorization: Bearer`.
    pub fn signer(&self) -> BearerToken {
        BearerToken {
            provider: self.provider.clone(),
        }
    }
}

/// Signs each attempt with the current access token; a 401 drops it, so
/// the retry fetches a new one.
#[derive(Debug, Clone)]
pub struct BearerToken {
    provider: GoogleCredentialProvider,
}

#[async_trait]
impl Signer for BearerToken {
    async fn sign(&self, request: &mut Request<Body>) -> Result<()> {
        let token = self.provider.credential().await?;
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.secret().expose()))
            .map_err(|_| Error::malformed(PROVIDER, "an access token a header cannot carry"))?;
        value.set_sensitive(true);
        request.headers_mut().insert("authorization", value);
        Ok(())
    }

    async fn refresh(&self) -> Result<bool> {
        Ok(self.provider.invalidate().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa_text() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/service-account.json"
        ))
        .unwrap()
    }

    #[test]
    fn the_chain_prefers_the_named_file_then_gcloud_then_metadata() {
        let dir = std::env::temp_dir().join(format!(
            "cloud-google-{}",
            cloud_core::unique::unique_token()
        ));
        std::fs::create_dir_all(dir.join("gcloud")).unwrap();
        let sa = dir.join("sa.json");
        std::fs::write(&sa, sa_text()).unwrap();
        let adc = dir.join("gcloud/application_default_credentials.json");
        std::fs::write(
            &adc,
            r#"{"type": "authorized_user", "client_id": "c.apps.googleusercontent.com",
                "client_secret": "d-secret", "refresh_token": "1//r-token", "quota_project_id": "q-proj"}"#,
        )
        .unwrap();
        let env = Environment::from_vars([
            ("GOOGLE_APPLICATION_CREDENTIALS", sa.to_str().unwrap()),
            ("CLOUDSDK_CONFIG", dir.join("gcloud").to_str().unwrap()),
        ]);
        let found = GoogleCredentials::from_env(&env).unwrap();
        assert!(matches!(found.kind, Kind::ServiceAccount(_)));
        assert_eq!(found.project_id(), Some("cloud-test-project"));
        assert!(found.source().starts_with("GOOGLE_APPLICATION_CREDENTIALS"));
        let env =
            Environment::from_vars([("CLOUDSDK_CONFIG", dir.join("gcloud").to_str().unwrap())]);
        let found = GoogleCredentials::from_env(&env).unwrap();
        assert!(matches!(found.kind, Kind::AuthorizedUser(_)));
        assert_eq!(found.project_id(), Some("q-proj"));
        let env = Environment::from_vars([
            ("CLOUDSDK_CONFIG", dir.join("none").to_str().unwrap()),
            ("GOOGLE_CLOUD_PROJECT", "env-proj"),
            ("GCE_METADATA_HOST", "127.0.0.1:9"),
        ]);
        let found = GoogleCredentials::from_env(&env).unwrap();
        assert!(matches!(found.kind, Kind::Metadata));
        assert_eq!(found.project_id(), Some("env-proj"));
        assert_eq!(found.metadata_host, "127.0.0.1:9");
        // Named but missing: an error, not a silent fall-through.
        let env =
            Environment::from_vars([("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")]);
        let err = GoogleCredentials::from_env(&env).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
        assert!(err.to_string().contains("/nonexistent/key.json"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The signer sends `Bearer <token>` (sensitive), and a 401 drops the
    /// token so the retry signs with a fresh one.
    #[tokio::test]
    async fn the_bearer_signer_renews_after_a_refusal() {
        use cloud_testkit::canned::{Canned, CannedTransport};
        let transport = Arc::new(CannedTransport::new());
        let http = HttpClient::builder("google")
            .transport(transport.clone())
            .build()
            .unwrap();
        let key = ServiceAccountKey::from_json(&serde_json::from_str(&sa_text()).unwrap()).unwrap();
        let source = service_account::Source::new(key, "s".into(), http, Redactor::new());
        let signer = BearerToken {
            provider: Arc::new(CachedCredential::new(source)),
        };
        for token in ["ya29.one", "ya29.two"] {
            transport.push(Canned::new(
                200,
                format!(
                    r#"{{"access_token": "{token}", "expires_in": 3600, "token_type": "Bearer"}}"#
                ),
            ));
        }
        let header = |request: &Request<Body>| request.headers()["authorization"].clone();
        let mut request = Request::new(Body::empty());
        signer.sign(&mut request).await.unwrap();
        assert_eq!(header(&request), "Bearer ya29.one");
        assert!(header(&request).is_sensitive());
        signer.sign(&mut request).await.unwrap();
        assert_eq!(
            header(&request),
            "Bearer ya29.one",
            "cached between requests"
        );
        assert!(
            signer.refresh().await.unwrap(),
            "a refused token is worth one retry"
        );
        signer.sign(&mut request).await.unwrap();
        assert_eq!(header(&request), "Bearer ya29.two");
    }

    #[test]
    fn unsupported_kinds_are_named_and_keys_never_quoted() {
        for kind in ["external_account", "impersonated_service_account"] {
            let err = GoogleCredentials::from_json(&format!(r#"{{"type": "{kind}"}}"#), "test")
                .unwrap_err();
            assert!(err.to_string().contains(kind), "{err}");
        }
        let broken = sa_text().replace("MII", "XXX");
        let err = GoogleCredentials::from_json(&broken, "test").unwrap_err();
        assert!(!err.to_string().contains("XXX"), "{err}");
        assert!(GoogleCredentials::from_json("{", "test").is_err());
        let debug = format!(
            "{:?}",
            GoogleCredentials::from_json(&sa_text(), "t").unwrap()
        );
        assert!(!debug.contains("BEGIN PRIVATE KEY"), "{debug}");
    }
}
