//! How a PowerDNS client is configured: the webserver's URL (there is no
//! public endpoint), the API key, and which server of it (`localhost`, the
//! only one an Authoritative Server has).
//!
//! The key comes from the builder, else the config's `secret`, else
//! `PDNS_API_KEY`; the URL from the builder, else the config's `endpoint`,
//! else `PDNS_API_URL`.

use std::sync::Arc;

use cloud_core::http::auth::HeaderAuth;
use cloud_core::http::rest::RestClient;
use cloud_core::http::{ClientOptions, HttpClient};
use cloud_core::{Environment, Error, ErrorKind, ProviderConfig, Result, Secret, Url};

use crate::PROVIDER;
use crate::dns::PowerDns;

cloud_core::provider_options! {
    /// The options, typed.
    #[derive(Clone)]
    struct Options;
    /// Options `PowerDnsBuilder::from_config` reads, besides the config's
    /// `endpoint` (the webserver's URL) and `secret` (the API key).
    pub const CONFIG_OPTIONS;

    /// The server id in the API's paths
    server_id: String = Text("localhost");
    /// The kind of new zones (Native, Master)
    zone_kind: String = Text("Native");
    /// Name servers of new zones, comma-separated (default: the server's own default-soa/NS settings)
    nameservers: Vec<String> = List;
}

/// Options for a PowerDNS client.
///
/// ```no_run
/// use cloud_powerdns::PowerDnsBuilder;
///
/// let dns = PowerDnsBuilder::new()
///     .endpoint("https://dns-api.example.net")
///     .api_key("secret")
///     .build()?;
/// # let _ = dns;
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PowerDnsBuilder {
    endpoint: Option<String>,
    api_key: Option<Secret>,
    options: Options,
    env: Environment,
    client: ClientOptions,
}

impl Default for PowerDnsBuilder {
    fn default() -> Self {
        PowerDnsBuilder {
            endpoint: None,
            api_key: None,
            options: Options::defaults(),
            env: Environment::process(),
            client: ClientOptions::new(),
        }
    }
}

impl PowerDnsBuilder {
    /// Settings from the environment (`PDNS_API_URL`, `PDNS_API_KEY`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a `ProviderConfig`: `endpoint` is the webserver's URL, `secret`
    /// the API key, and [`CONFIG_OPTIONS`]; any other option is refused by
    /// name, as is a region (PowerDNS has none).
    pub fn from_config(config: &ProviderConfig) -> Result<Self> {
        let options = Options::read(config, PROVIDER)?;
        config.check_region(PROVIDER, cloud_core::config::RegionUse::None)?;
        if config.key_value().is_some() {
            return Err(Error::invalid_input(
                "PowerDNS takes one credential, the API key, as the secret; no key",
            ));
        }
        let mut builder = PowerDnsBuilder::new();
        builder.options = options;
        if let Some(secret) = config.secret_value() {
            builder = builder.api_key(secret.clone());
        }
        if let Some(endpoint) = config.endpoint_str() {
            builder = builder.endpoint(endpoint);
        }
        builder.client = builder.client.overridden_by(config);
        Ok(builder)
    }

    /// The webserver's URL (`http://127.0.0.1:8081`); `/api/v1` is added
    /// when it is not there.
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The API key (`X-API-Key`).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The server id in the API's paths (default `localhost`).
    #[must_use]
    pub fn server_id(mut self, id: impl Into<String>) -> Self {
        self.options.server_id = id.into();
        self
    }

    /// Where `PDNS_API_URL` and `PDNS_API_KEY` are read (the process
    /// environment by default).
    #[must_use]
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    cloud_core::client_option_setters!(client);

    /// Builds the DNS driver.
    pub fn build(self) -> Result<PowerDns> {
        let var = |name: &str| self.env.var(name).filter(|v| !v.trim().is_empty());
        let key = self
            .api_key
            .clone()
            .or_else(|| var("PDNS_API_KEY").map(Secret::new))
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidCredentials,
                    "no PowerDNS API key: give it (the config's secret, or PDNS_API_KEY)",
                )
                .with_provider(PROVIDER)
            })?;
        let text = self
            .endpoint
            .clone()
            .or_else(|| var("PDNS_API_URL"))
            .ok_or_else(|| {
                Error::invalid_input(
                    "PowerDNS has no public endpoint: give the webserver's URL (the config's \
                 endpoint, or PDNS_API_URL), e.g. http://127.0.0.1:8081",
                )
            })?;
        let mut base = Url::parse(text.trim_end_matches('/')).map_err(|e| {
            Error::invalid_input(format!(
                "invalid PowerDNS endpoint `{}`: {e}",
                cloud_core::error::quote(&text)
            ))
        })?;
        if !matches!(base.scheme(), "https" | "http") || base.host_str().is_none() {
            return Err(Error::invalid_input(format!(
                "invalid PowerDNS endpoint `{}`: not an http(s) URL",
                cloud_core::error::quote(&text)
            )));
        }
        if !base.path().trim_end_matches('/').ends_with("/api/v1") {
            let path = format!("{}/api/v1", base.path().trim_end_matches('/'));
            base.set_path(&path);
        }
        // PowerDNS usually runs beside its users: plain HTTP is allowed,
        // since only a configured endpoint exists.
        let http = HttpClient::builder(PROVIDER)
            .options(self.client.proxy_from(&self.env))
            .signer(Arc::new(HeaderAuth::new("x-api-key", &key)))
            .allow_http(base.scheme() == "http")
            .build()?;
        let client = RestClient::builder(PROVIDER, "PowerDNS", http, base)
            .error_mapper(crate::error::response_error)
            .api_path("/api/v1")
            .build();
        Ok(PowerDns::new(
            client,
            self.options.server_id,
            self.options.zone_kind,
            self.options.nameservers,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env() -> Environment {
        Environment::from_vars(Vec::<(String, String)>::new())
    }

    #[test]
    fn settings_are_checked_and_defaulted() {
        let config = ProviderConfig::new()
            .endpoint("http://127.0.0.1:8081")
            .secret("k-0001");
        let builder = PowerDnsBuilder::from_config(&config).unwrap();
        assert_eq!(builder.options.server_id, "localhost");
        assert_eq!(builder.options.zone_kind, "Native");
        assert!(!format!("{builder:?}").contains("k-0001"));
        let with_key = ProviderConfig::new().key("k").secret("s");
        assert!(PowerDnsBuilder::from_config(&with_key).is_err());
        let with_region = ProviderConfig::new().region("eu");
        assert!(PowerDnsBuilder::from_config(&with_region).is_err());
        let err = PowerDnsBuilder::new()
            .environment(no_env())
            .api_key("k")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("no public endpoint"), "{err}");
        let err = PowerDnsBuilder::new()
            .environment(no_env())
            .endpoint("http://127.0.0.1:8081")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    }
}
