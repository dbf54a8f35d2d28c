//! How a CloudSigma client is configured: the account (e-mail and password,
//! HTTP basic authentication), the region (each has its own endpoint), and
//! how long to wait for the changes CloudSigma makes in the background.
//!
//! Credentials come from the builder, else `CLOUDSIGMA_USERNAME` and
//! `CLOUDSIGMA_PASSWORD`; the region from the builder, else
//! `CLOUDSIGMA_REGION`, else `zrh`.

use std::sync::Arc;
use std::time::Duration;

use cloud_core::http::auth::BasicAuth;
use cloud_core::http::rest::RestClient;
use cloud_core::http::{ClientOptions, HttpClient};
use cloud_core::{Environment, Error, ErrorKind, ProviderConfig, Result, Secret, Url};

use crate::PROVIDER;
use crate::compute::CloudSigmaCompute;

/// A CloudSigma region: its id, city, country and API host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Region {
    /// The id (`zrh`).
    pub id: &'static str,
    /// The city.
    pub name: &'static str,
    /// The country.
    pub country: &'static str,
    /// The API host (`zrh.cloudsigma.com`).
    pub host: &'static str,
}

const fn region(
    id: &'static str,
    name: &'static str,
    country: &'static str,
    host: &'static str,
) -> Region {
    Region {
        id,
        name,
        country,
        host,
    }
}

/// The public regions of CloudSigma and its partners, as its API
/// documentation lists them. Another endpoint is given with `endpoint`.
pub const REGIONS: &[Region] = &[
    region("zrh", "Zurich", "Switzerland", "zrh.cloudsigma.com"),
    region("gva", "Geneva", "Switzerland", "gva.cloudsigma.com"),
    region("fra", "Frankfurt", "Germany", "fra.cloudsigma.com"),
    region("tyo", "Tokyo", "Japan", "tyo.cloudsigma.com"),
    region("mnl", "Manila", "Philippines", "mnl.cloudsigma.com"),
    region("crk", "Clark", "Philippines", "crk.cloudsigma.com"),
    region("per", "Perth", "Australia", "per.cloudsigma.com"),
    region("mel", "Melbourne", "Australia", "mel.cloudsigma.com"),
    region("hnl", "Honolulu", "United States", "hnl.cloudsigma.com"),
    region("ruh", "Riyadh", "Saudi Arabia", "ruh.cloudsigma.com"),
    region("sjc", "San Jose", "United States", "sjc.alpha3cloud.com"),
    region("wdc", "Washington", "United States", "wdc.alpha3cloud.com"),
];

/// The region used when none is given.
pub const DEFAULT_REGION: &str = "zrh";

cloud_core::provider_options! {
    /// The options, typed.
    struct Options;
    /// Options `CloudSigmaBuilder::from_config` reads, besides the config's
    /// `key` (the account's e-mail), `secret` (its password), `region` and
    /// `endpoint`.
    pub const CONFIG_OPTIONS;

    /// Currency prices are given in (USD, EUR, CHF, GBP)
    currency: String = Text("USD");
    /// Seconds to wait for a drive clone, a stop or a start to finish
    change_timeout: u64 = Number("600");
}

/// How CloudSigma's background changes are waited for (a drive being
/// cloned, a server stopping before it is deleted): every 2 s at first,
/// for `change_timeout` (600 s by default).
pub use cloud_core::poll::ChangeWait;

/// The default wait: looks every 2 s at first, for `change_timeout`.
fn default_change_wait() -> ChangeWait {
    ChangeWait::new(
        Duration::from_secs(2),
        Duration::from_secs(Options::defaults().change_timeout),
    )
}

/// Options for a CloudSigma client.
///
/// ```no_run
/// use cloud_core::Compute;
/// use cloud_cloudsigma::CloudSigmaBuilder;
///
/// let compute = Compute::new(
///     CloudSigmaBuilder::new()
///         .credentials("me@example.com", "password")
///         .region("fra")
///         .build()?,
/// );
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CloudSigmaBuilder {
    username: Option<String>,
    password: Option<Secret>,
    region: Option<String>,
    endpoint: Option<String>,
    currency: String,
    change_wait: ChangeWait,
    env: Environment,
    options: ClientOptions,
}

impl Default for CloudSigmaBuilder {
    fn default() -> Self {
        CloudSigmaBuilder {
            username: None,
            password: None,
            region: None,
            endpoint: None,
            currency: Options::defaults().currency,
            change_wait: default_change_wait(),
            env: Environment::process(),
            options: ClientOptions::new(),
        }
    }
}

impl CloudSigmaBuilder {
    /// Region `zrh` (unless `CLOUDSIGMA_REGION` says otherwise), credentials
    /// from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a `ProviderConfig` (`key` and `secret` are the e-mail and
    /// password) and [`CONFIG_OPTIONS`]; any other option is refused by name.
    pub fn from_config(config: &ProviderConfig) -> Result<Self> {
        let options = Options::read(config, PROVIDER)?;
        let mut builder = CloudSigmaBuilder::new();
        match (config.key_value(), config.secret_value()) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(user.expose(), password.clone());
            }
            (None, None) => {}
            _ => {
                return Err(Error::invalid_input(
                    "give both the CloudSigma e-mail (key) and password (secret)",
                ));
            }
        }
        if let Some(r) = config.region_str() {
            builder = builder.region(r);
        }
        if let Some(e) = config.endpoint_str() {
            builder = builder.endpoint(e);
        }
        builder.currency = options.currency.to_ascii_uppercase();
        builder.change_wait = builder
            .change_wait
            .with_timeout(Duration::from_secs(options.change_timeout));
        builder.options = builder.options.overridden_by(config);
        Ok(builder)
    }

    /// The account's e-mail and password.
    #[must_use]
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }

    /// The region (`zrh`, `fra`... see [`REGIONS`]).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The API base URL (`https://host/api/2.0/`) instead of the region's;
    /// `http://` is allowed only here, for emulators on loopback.
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// A currency (`EUR`, `CHF`, `GBP`) to price sizes in too: each size's
    /// `extra.price_per_hour_<currency>` (`price_per_hour` stays in US
    /// dollars, as the portable API defines it).
    #[must_use]
    pub fn currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = currency.into().to_ascii_uppercase();
        self
    }

    /// How background changes are waited for.
    #[must_use]
    pub fn change_wait(mut self, wait: ChangeWait) -> Self {
        self.change_wait = wait;
        self
    }

    /// Where the `CLOUDSIGMA_*` variables are read (the process by default).
    #[must_use]
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    cloud_core::client_option_setters!(options);

    /// Builds the compute driver.
    pub fn build(self) -> Result<CloudSigmaCompute> {
        cloud_core::config::check_region(
            PROVIDER,
            self.region.as_deref(),
            self.endpoint.is_some(),
            cloud_core::config::RegionUse::PicksEndpoint,
        )?;
        let var = |name: &str| self.env.var(name).filter(|v| !v.trim().is_empty());
        let (username, password) = match (self.username.clone(), self.password.clone()) {
            (Some(u), Some(p)) => (u, p),
            _ => match (var("CLOUDSIGMA_USERNAME"), var("CLOUDSIGMA_PASSWORD")) {
                (Some(u), Some(p)) => (u, Secret::new(p)),
                _ => {
                    return Err(Error::new(
                        ErrorKind::InvalidCredentials,
                        "no CloudSigma credentials: give the account's e-mail and password \
                         (key and secret, or CLOUDSIGMA_USERNAME and CLOUDSIGMA_PASSWORD)",
                    )
                    .with_provider(PROVIDER));
                }
            },
        };
        let region_id = self
            .region
            .clone()
            .or_else(|| var("CLOUDSIGMA_REGION"))
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        let known = REGIONS.iter().find(|r| r.id == region_id);
        let base = match (&self.endpoint, known) {
            (Some(e), _) => e.clone(),
            (None, Some(r)) => format!("https://{}/api/2.0/", r.host),
            (None, None) => {
                let ids: Vec<&str> = REGIONS.iter().map(|r| r.id).collect();
                return Err(Error::invalid_input(format!(
                    "unknown CloudSigma region `{region_id}` (known: {}); give its endpoint \
                     for another",
                    ids.join(", ")
                )));
            }
        };
        let mut base = Url::parse(&base).map_err(|e| {
            Error::invalid_input(format!("invalid CloudSigma endpoint `{base}`: {e}"))
        })?;
        if !matches!(base.scheme(), "https" | "http") || base.host_str().is_none() {
            return Err(Error::invalid_input(format!(
                "invalid CloudSigma endpoint `{base}`: not an http(s) URL"
            )));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        // The signer hands the password and its header to the client's redactor.
        let http = HttpClient::builder(PROVIDER)
            .options(self.options.proxy_from(&self.env))
            .signer(Arc::new(BasicAuth::new(&username, &password)))
            .allow_http(self.endpoint.is_some() && base.scheme() == "http")
            .build()?;
        let mut location = match known {
            Some(r) => cloud_core::NodeLocation::new(r.id, r.name, Some(r.country)),
            None => cloud_core::NodeLocation::new(
                region_id.clone(),
                base.host_str().unwrap_or("CloudSigma"),
                None,
            ),
        };
        location
            .extra
            .insert("endpoint".into(), base.as_str().into());
        Ok(CloudSigmaCompute::new(
            RestClient::builder(PROVIDER, "CloudSigma", http, base)
                .error_mapper(crate::error::response_error)
                .trailing_slash(true)
                .api_path("/api/2.0")
                .build(),
            location,
            self.currency,
            self.change_wait,
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
    fn regions_and_credentials() {
        let err = CloudSigmaBuilder::new()
            .environment(no_env())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
        let env = Environment::from_vars([
            ("CLOUDSIGMA_USERNAME", "me@example.com"),
            ("CLOUDSIGMA_PASSWORD", "pw-secret"),
            ("CLOUDSIGMA_REGION", "fra"),
        ]);
        let compute = CloudSigmaBuilder::new().environment(env).build().unwrap();
        assert!(!format!("{compute:?}").contains("pw-secret"));
        let err = CloudSigmaBuilder::new()
            .environment(no_env())
            .credentials("a", "b")
            .region("atlantis")
            .build()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown CloudSigma region `atlantis`"),
            "{err}"
        );
    }

    #[test]
    fn config_options_are_checked() {
        let config = ProviderConfig::new()
            .key("me@example.com")
            .secret("pw")
            .option("currency", "chf")
            .option("change_timeout", "30");
        let b = CloudSigmaBuilder::from_config(&config).unwrap();
        assert_eq!(b.currency, "CHF");
        assert_eq!(b.change_wait.timeout, Duration::from_secs(30));
        let half = ProviderConfig::new().key("me@example.com");
        assert!(CloudSigmaBuilder::from_config(&half).is_err());
        let typo = ProviderConfig::new().option("currencies", "x");
        assert!(CloudSigmaBuilder::from_config(&typo).is_err());
    }
}
