//! How a Gandi client is configured: which credential (a personal access
//! token, or the deprecated API key), which endpoint, which organization.
//!
//! The credential is looked for where Gandi's own Terraform provider looks:
//! the builder first, then `GANDI_PERSONAL_ACCESS_TOKEN`, then `GANDI_KEY`.

use std::sync::Arc;

use cloud_core::http::auth::HeaderAuth;
use cloud_core::http::rest::RestClient;
use cloud_core::http::{ClientOptions, HttpClient};
use cloud_core::{Environment, Error, ProviderConfig, Result, Secret, Url};

use crate::PROVIDER;
use crate::livedns::GandiDns;

/// How requests are authenticated.
#[derive(Clone)]
enum Credential {
    /// A personal access token: `Authorization: Bearer <token>`.
    Token(Secret),
    /// A (deprecated) API key: `Authorization: Apikey <key>`.
    ApiKey(Secret),
}

impl Credential {
    fn secret(&self) -> &Secret {
        match self {
            Credential::Token(s) | Credential::ApiKey(s) => s,
        }
    }

    fn signer(&self) -> HeaderAuth {
        match self {
            Credential::Token(token) => HeaderAuth::bearer(token),
            Credential::ApiKey(key) => HeaderAuth::authorization("Apikey", key),
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

/// Gandi's public LiveDNS endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://api.gandi.net/v5/livedns";

cloud_core::provider_options! {
    /// The options, typed.
    struct Options;
    /// Options `GandiBuilder::from_config` reads, besides the config's `key`
    /// (the personal access token) and `endpoint`.
    pub const CONFIG_OPTIONS;

    /// Gandi API key (deprecated by Gandi; use a personal access token as the key)
    api_key: Option<Secret> = Text, secret;
    /// Organization id to act for (Gandi's sharing_id)
    sharing_id: Option<String> = Text;
}

/// Options for a Gandi client.
///
/// ```no_run
/// use cloud_core::Dns;
/// use cloud_gandi::GandiBuilder;
///
/// let dns = Dns::new(GandiBuilder::new().personal_access_token("pat_...").build()?);
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct GandiBuilder {
    credential: Option<Credential>,
    endpoint: Option<String>,
    sharing_id: Option<String>,
    env: Environment,
    options: ClientOptions,
}

impl Default for GandiBuilder {
    fn default() -> Self {
        GandiBuilder {
            credential: None,
            endpoint: None,
            sharing_id: None,
            env: Environment::process(),
            options: ClientOptions::new(),
        }
    }
}

impl GandiBuilder {
    /// The public endpoint, the credential from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a `ProviderConfig`: `key` is the personal access token,
    /// `endpoint` replaces the public one, and [`CONFIG_OPTIONS`]; any other
    /// option is refused by name.
    pub fn from_config(config: &ProviderConfig) -> Result<Self> {
        let options = Options::read(config, PROVIDER)?;
        config.check_region(PROVIDER, cloud_core::config::RegionUse::None)?;
        let mut builder = GandiBuilder::new();
        match (config.key_value(), options.api_key) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_input(
                    "give either a personal access token (key) or an API key (api_key), not both",
                ));
            }
            (Some(token), None) => builder = builder.personal_access_token(token.clone()),
            (None, Some(key)) => builder = builder.api_key(key),
            (None, None) => {}
        }
        if config.secret_value().is_some() {
            return Err(Error::invalid_input(
                "Gandi takes one credential, the key (a personal access token); no secret",
            ));
        }
        if let Some(endpoint) = config.endpoint_str() {
            builder = builder.endpoint(endpoint);
        }
        if let Some(id) = options.sharing_id {
            builder = builder.sharing_id(id);
        }
        builder.options = builder.options.overridden_by(config);
        Ok(builder)
    }

    /// Authenticates with a personal access token (`Authorization: Bearer`).
    #[must_use]
    pub fn personal_access_token(mut self, token: impl Into<Secret>) -> Self {
        self.credential = Some(Credential::Token(token.into()));
        self
    }

    /// Authenticates with an API key (`Authorization: Apikey`), which Gandi
    /// has deprecated in favour of personal access tokens.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.credential = Some(Credential::ApiKey(key.into()));
        self
    }

    /// The LiveDNS base URL (default [`DEFAULT_ENDPOINT`]); `http://` is
    /// allowed only here, for emulators on loopback.
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Acts for the organization `id` (sent as `sharing_id` where Gandi
    /// takes it: listing and creating domains).
    #[must_use]
    pub fn sharing_id(mut self, id: impl Into<String>) -> Self {
        self.sharing_id = Some(id.into());
        self
    }

    /// Where `GANDI_PERSONAL_ACCESS_TOKEN` and `GANDI_KEY` are read from
    /// (the process environment by default).
    #[must_use]
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    cloud_core::client_option_setters!(options);

    /// The credential: the builder's, else the environment's.
    fn credential(&self) -> Result<Credential> {
        if let Some(c) = &self.credential {
            return Ok(c.clone());
        }
        let from_env = |name: &str| self.env.var(name).filter(|v| !v.trim().is_empty());
        if let Some(token) = from_env("GANDI_PERSONAL_ACCESS_TOKEN") {
            return Ok(Credential::Token(Secret::new(token.trim())));
        }
        if let Some(key) = from_env("GANDI_KEY") {
            return Ok(Credential::ApiKey(Secret::new(key.trim())));
        }
        Err(Error::new(
            cloud_core::ErrorKind::InvalidCredentials,
            "no Gandi credential: give a personal access token (the config's key, or \
             GANDI_PERSONAL_ACCESS_TOKEN) or an API key (api_key, or GANDI_KEY)",
        )
        .with_provider(PROVIDER))
    }

    /// Builds the LiveDNS driver.
    pub fn build(self) -> Result<GandiDns> {
        let credential = self.credential()?;
        if credential.secret().is_empty() {
            return Err(Error::invalid_input("the Gandi credential is empty"));
        }
        let text = self.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
        let base = Url::parse(text.trim_end_matches('/'))
            .map_err(|e| Error::invalid_input(format!("invalid Gandi endpoint `{text}`: {e}")))?;
        if !matches!(base.scheme(), "https" | "http") || base.host_str().is_none() {
            return Err(Error::invalid_input(format!(
                "invalid Gandi endpoint `{text}`: not an http(s) URL"
            )));
        }
        // The signer hands its credential to the client's redactor.
        let http = HttpClient::builder(PROVIDER)
            .options(self.options.proxy_from(&self.env))
            .signer(Arc::new(credential.signer()))
            .allow_http(self.endpoint.is_some() && base.scheme() == "http")
            .build()?;
        let client = RestClient::builder(PROVIDER, "LiveDNS", http, base)
            .error_mapper(crate::error::response_error)
            .api_path("/v5/livedns")
            .build();
        Ok(GandiDns::new(client, self.sharing_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env() -> Environment {
        Environment::from_vars(Vec::<(String, String)>::new())
    }

    #[test]
    fn the_credential_comes_from_the_builder_then_the_environment() {
        let env = Environment::from_vars([
            ("GANDI_PERSONAL_ACCESS_TOKEN", "pat-env"),
            ("GANDI_KEY", "key-env"),
        ]);
        let b = GandiBuilder::new().environment(env.clone());
        assert!(matches!(b.credential().unwrap(), Credential::Token(t) if t.expose() == "pat-env"));
        let b = GandiBuilder::new().environment(env).api_key("mine");
        assert!(matches!(b.credential().unwrap(), Credential::ApiKey(k) if k.expose() == "mine"));
        let b = GandiBuilder::new().environment(Environment::from_vars([("GANDI_KEY", "k")]));
        assert!(matches!(b.credential().unwrap(), Credential::ApiKey(_)));
        let err = GandiBuilder::new()
            .environment(no_env())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), &cloud_core::ErrorKind::InvalidCredentials);
    }

    #[test]
    fn config_options_are_checked() {
        let config = ProviderConfig::new()
            .key("pat-x")
            .option("sharing_id", "org-1")
            .endpoint("http://127.0.0.1:9/v5/livedns");
        let b = GandiBuilder::from_config(&config).unwrap();
        assert_eq!(b.sharing_id.as_deref(), Some("org-1"));
        assert!(b.build().is_ok());
        let both = ProviderConfig::new().key("a").option("api_key", "b");
        assert!(GandiBuilder::from_config(&both).is_err());
        let typo = ProviderConfig::new().option("sharingid", "x");
        let err = GandiBuilder::from_config(&typo).unwrap_err();
        assert!(
            err.to_string().contains("unknown option `sharingid`"),
            "{err}"
        );
    }

    #[test]
    fn plain_http_only_for_an_explicit_endpoint_and_secrets_stay_hidden() {
        let dns = GandiBuilder::new()
            .environment(no_env())
            .personal_access_token("pat-very-secret")
            .build()
            .unwrap();
        assert!(!format!("{dns:?}").contains("pat-very-secret"));
        let bad = GandiBuilder::new()
            .environment(no_env())
            .api_key("k")
            .endpoint("ftp://example.com")
            .build();
        assert!(bad.is_err());
    }
}
