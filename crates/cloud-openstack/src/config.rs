//! Building an OpenStack or Rackspace client.
//!
//! Rackspace is a preset, not a second implementation: its identity
//! endpoint, API-key authentication, the service names in its catalog, and
//! its own load-balancer and DNS APIs in place of Octavia and Designate.

use std::sync::Arc;
use std::time::Duration;

use cloud_core::Url;
use cloud_core::http::{ClientOptions, HttpClient};
use cloud_core::unique::TokenSource;
use cloud_core::{Environment, Error, ProviderConfig, Result, Secret};

use crate::identity::{Auth, Interface, Scope, Session, TokenSigner, env};

/// Which cloud the configuration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Flavor {
    /// Any OpenStack cloud: Octavia and Designate.
    OpenStack,
    /// Rackspace: Cloud Load Balancers, Cloud DNS, Cloud Files CDN.
    Rackspace,
}

impl Flavor {
    /// The registry name.
    pub fn provider(self) -> &'static str {
        match self {
            Flavor::OpenStack => crate::PROVIDER_OPENSTACK,
            Flavor::Rackspace => crate::PROVIDER_RACKSPACE,
        }
    }

    /// Preferred catalog service names for a service type.
    pub(crate) fn names(self, service_type: &str) -> &'static [&'static str] {
        match (self, service_type) {
            (Flavor::Rackspace, "compute") => &["cloudServersOpenStack"],
            (Flavor::Rackspace, "object-store") => &["cloudFiles"],
            (Flavor::Rackspace, "rax:object-cdn") => &["cloudFilesCDN"],
            (Flavor::Rackspace, "rax:load-balancer") => &["cloudLoadBalancers"],
            (Flavor::Rackspace, "rax:dns") => &["cloudDNS"],
            (Flavor::Rackspace, "volume" | "volumev2" | "volumev3" | "block-storage") => {
                &["cloudBlockStorage"]
            }
            (Flavor::Rackspace, "image") => &["cloudImages"],
            _ => &[],
        }
    }
}

/// How asynchronous changes are awaited (a Designate zone being deleted, a
/// Cloud DNS job): every second at first, for up to ten minutes by default.
pub use cloud_core::poll::ChangeWait;

/// The identity endpoint of Rackspace's public cloud.
pub const RACKSPACE_IDENTITY: &str = "https://identity.api.rackspacecloud.com/v2.0/";

/// How Swift uploads are split into Static Large Object segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SloConfig {
    /// Bodies of unknown length, or longer than this, go up as segments.
    pub threshold: u64,
    /// The size of each segment (Swift's minimum is 1 MiB but for the last).
    pub segment_size: u64,
    /// How many segments are in flight at once.
    pub concurrency: usize,
}

impl SloConfig {
    /// This configuration with the segment size and threshold one upload asks for.
    pub(crate) fn for_upload(mut self, options: &cloud_core::UploadOptions) -> Result<Self> {
        if let Some(size) = options.part_size_value() {
            self.segment_size = size;
        }
        if let Some(threshold) = options.multipart_threshold_value() {
            self.threshold = threshold;
        }
        self.check()?;
        Ok(self)
    }

    fn check(&self) -> Result<()> {
        if self.segment_size == 0 || self.concurrency == 0 {
            return Err(Error::invalid_input(
                "segment size and concurrency must be positive",
            ));
        }
        Ok(())
    }
}

/// The declared defaults of `slo_threshold`, `segment_size` and
/// `concurrency` (64 MiB, 8 MiB, 4).
impl Default for SloConfig {
    fn default() -> Self {
        let defaults = Options::defaults();
        SloConfig {
            threshold: defaults.slo_threshold,
            segment_size: defaults.segment_size,
            concurrency: usize::try_from(defaults.concurrency).unwrap_or(usize::MAX),
        }
    }
}

cloud_core::provider_options! {
    /// The options of [`CONFIG_OPTIONS`], typed.
    struct Options;
    /// Options [`OpenStackBuilder::from_config`] understands.
    pub const CONFIG_OPTIONS;

    /// Project (tenant) to scope the token to, by name
    project_name: Option<String> = Text;
    /// Project (tenant) to scope the token to, by id
    project_id: Option<String> = Text;
    /// Keystone domain of the user
    user_domain_name: Option<String> = Text;
    /// Keystone domain of the project (default: Default)
    project_domain_name: Option<String> = Text;
    /// Tenant name (identity v2.0)
    tenant_name: Option<String> = Text;
    /// Catalog interface: public, internal or admin (default: the clouds.yaml entry's, else public)
    interface: Option<String> = Text;
    /// Entry of clouds.yaml to read
    cloud: Option<String> = Text;
    /// Swift account key that signs temporary URLs
    temp_url_key: Option<Secret> = Text, secret;
    /// Bytes per segment of a large (SLO) upload
    segment_size: u64 = Number("8388608");
    /// Uploads above this many bytes go in segments
    slo_threshold: u64 = Number("67108864");
    /// Segments uploaded at once
    concurrency: u64 = Number("4");
    /// Compute API microversion to request
    nova_microversion: Option<String> = Text;
    /// Object-store URL, instead of the catalog's
    storage_url: Option<String> = Text;
    /// Compute URL, instead of the catalog's
    compute_url: Option<String> = Text;
    /// Subnet of new load balancers' addresses
    vip_subnet_id: Option<String> = Text;
    /// Network of new load balancers' addresses
    vip_network_id: Option<String> = Text;
}

/// Configures an [`OpenStack`] client.
///
/// ```
/// use cloud_openstack::{Auth, OpenStackBuilder, Scope};
/// use cloud_core::Secret;
///
/// let cloud = OpenStackBuilder::openstack()
///     .auth(Auth::V3Password {
///         url: "http://127.0.0.1:5000/v3".parse().unwrap(),
///         user: "demo".into(),
///         user_is_id: false,
///         user_domain: None,
///         password: Secret::new("secret"),
///         scope: Scope::project("demo", None),
///     })
///     .region("RegionOne")
///     .build()
///     .unwrap();
/// # let _ = cloud;
/// ```
#[derive(Debug)]
pub struct OpenStackBuilder {
    flavor: Flavor,
    env: Environment,
    auth: Option<Auth>,
    region: Option<String>,
    interface: Interface,
    overrides: Vec<(String, Url)>,
    options: ClientOptions,
    refresh_margin: Duration,
    slo: SloConfig,
    temp_url_key: Option<Secret>,
    nova_microversion: Option<String>,
    allow_http: Option<bool>,
    tokens: TokenSource,
    changes: ChangeWait,
    vip: Option<(&'static str, String)>,
}

impl OpenStackBuilder {
    /// An OpenStack cloud; unset credentials come from `OS_*` or `clouds.yaml`.
    pub fn openstack() -> Self {
        Self::new(Flavor::OpenStack)
    }

    /// Rackspace's public cloud; set credentials with [`api_key`](Self::api_key).
    pub fn rackspace() -> Self {
        Self::new(Flavor::Rackspace)
    }

    fn new(flavor: Flavor) -> Self {
        OpenStackBuilder {
            flavor,
            env: Environment::process(),
            auth: None,
            region: None,
            interface: Interface::Public,
            overrides: Vec::new(),
            options: ClientOptions::default(),
            refresh_margin: Duration::from_secs(120),
            slo: SloConfig::default(),
            temp_url_key: None,
            nova_microversion: None,
            allow_http: None,
            tokens: TokenSource::Unique,
            changes: ChangeWait::default(),
            vip: None,
        }
    }

    /// From the provider-independent configuration: for Rackspace `key` and
    /// `secret` are the user name and API key; for OpenStack the user name and
    /// password, with `endpoint` the identity URL (v3 unless it ends in
    /// `/v2.0` or `/v1.0`). Options: [`CONFIG_OPTIONS`].
    pub fn from_config(config: &ProviderConfig, flavor: Flavor) -> Result<Self> {
        let o = Options::read(config, flavor.provider())?;
        let mut b = Self::new(flavor);
        if let Some(cloud) = &o.cloud {
            let s = env::from_clouds_yaml(&b.env, cloud)?;
            b.auth = Some(s.auth);
            b.region = s.region;
            b.interface = s.interface;
        }
        match (config.key_value(), config.secret_value()) {
            (Some(user), Some(secret)) => {
                let user = user.expose().to_owned();
                b.auth = Some(match flavor {
                    Flavor::Rackspace => Auth::V2ApiKey {
                        url: config
                            .endpoint_str()
                            .map(Url::parse)
                            .transpose()
                            .map_err(|e| {
                                Error::invalid_input(format!("invalid identity URL: {e}"))
                            })?
                            .unwrap_or(
                                Url::parse(RACKSPACE_IDENTITY)
                                    .map_err(|e| Error::invalid_input(e.to_string()))?,
                            ),
                        username: user,
                        api_key: secret.clone(),
                    },
                    Flavor::OpenStack => {
                        let url = config.endpoint_str().ok_or_else(|| {
                            Error::invalid_input("OpenStack needs the identity URL as the endpoint")
                        })?;
                        let trimmed = url.trim_end_matches('/');
                        let parsed = |u: &str| {
                            Url::parse(u).map_err(|e| {
                                Error::invalid_input(format!("invalid identity URL: {e}"))
                            })
                        };
                        if trimmed.ends_with("/v1.0") {
                            Auth::V1 {
                                url: parsed(url)?,
                                user,
                                key: secret.clone(),
                            }
                        } else if trimmed.ends_with("/v2.0") {
                            Auth::V2Password {
                                url: parsed(url)?,
                                username: user,
                                password: secret.clone(),
                                tenant_name: o.tenant_name.clone().or(o.project_name.clone()),
                                tenant_id: o.project_id.clone(),
                            }
                        } else {
                            let url = if trimmed.ends_with("/v3") {
                                trimmed.to_owned()
                            } else {
                                format!("{trimmed}/v3")
                            };
                            let scope = Scope {
                                project_name: o.project_name.clone(),
                                project_id: o.project_id.clone(),
                                project_domain_name: o
                                    .project_domain_name
                                    .clone()
                                    .or_else(|| Some("Default".into())),
                                ..Scope::default()
                            };
                            Auth::V3Password {
                                url: parsed(&url)?,
                                user,
                                user_is_id: false,
                                user_domain: o.user_domain_name.clone(),
                                password: secret.clone(),
                                scope,
                            }
                        }
                    }
                });
            }
            (None, None) => {}
            _ => {
                return Err(Error::invalid_input(
                    "give both the user name and the password or API key",
                ));
            }
        }
        if let Some(r) = config.region_str() {
            b.region = Some(r.to_owned());
        }
        if let Some(i) = &o.interface {
            b.interface = Interface::parse(i)?;
        }
        if let Some(k) = o.temp_url_key {
            b.temp_url_key = Some(k);
        }
        if let Some(v) = o.nova_microversion {
            b.nova_microversion = Some(v);
        }
        if let Some(v) = o.vip_subnet_id {
            b = b.vip_subnet_id(v);
        } else if let Some(v) = o.vip_network_id {
            b = b.vip_network_id(v);
        }
        for (option, service, url) in [
            ("storage_url", "object-store", &o.storage_url),
            ("compute_url", "compute", &o.compute_url),
        ] {
            if let Some(u) = url {
                b = b.endpoint_override(
                    service,
                    Url::parse(u)
                        .map_err(|e| Error::invalid_input(format!("invalid {option}: {e}")))?,
                );
            }
        }
        b.options = b.options.overridden_by(config);
        let slo = SloConfig {
            threshold: o.slo_threshold,
            segment_size: o.segment_size,
            concurrency: usize::try_from(o.concurrency).unwrap_or(usize::MAX),
        };
        b.slo(slo)
    }

    /// How to authenticate (otherwise `OS_*` variables or `OS_CLOUD`).
    #[must_use]
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Rackspace (or any Keystone v2.0) API-key authentication.
    pub fn api_key(
        mut self,
        username: impl Into<String>,
        api_key: impl Into<Secret>,
    ) -> Result<Self> {
        let url = match &self.auth {
            Some(Auth::V2ApiKey { url, .. }) => url.clone(),
            _ => Url::parse(RACKSPACE_IDENTITY).map_err(|e| Error::invalid_input(e.to_string()))?,
        };
        self.auth = Some(Auth::V2ApiKey {
            url,
            username: username.into(),
            api_key: api_key.into(),
        });
        Ok(self)
    }

    /// The region (otherwise the identity service's default, or the first listed).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Public (default), internal or admin endpoints.
    #[must_use]
    pub fn interface(mut self, interface: Interface) -> Self {
        self.interface = interface;
        self
    }

    /// Uses `url` for `service_type` instead of the catalog's.
    #[must_use]
    pub fn endpoint_override(mut self, service_type: impl Into<String>, url: Url) -> Self {
        self.overrides.push((service_type.into(), url));
        self
    }

    /// Renew tokens this long before they expire (default 2 minutes).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// How Swift uploads are split.
    pub fn slo(mut self, slo: SloConfig) -> Result<Self> {
        slo.check()?;
        self.slo = slo;
        Ok(self)
    }

    /// The key for Swift temporary URLs (otherwise read from the account).
    #[must_use]
    pub fn temp_url_key(mut self, key: impl Into<Secret>) -> Self {
        self.temp_url_key = Some(key.into());
        self
    }

    /// The Nova microversion to request (`X-OpenStack-Nova-API-Version`).
    #[must_use]
    pub fn nova_microversion(mut self, version: impl Into<String>) -> Self {
        self.nova_microversion = Some(version.into());
        self
    }

    cloud_core::client_option_setters!(options);

    /// Reads `OS_*` variables from `env` instead of the process.
    #[must_use]
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// Allows plain `http://` (otherwise allowed only when the identity URL
    /// itself is plain HTTP, i.e. configured that way on purpose).
    #[must_use]
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = Some(allow);
        self
    }

    /// The subnet Octavia balancers get their virtual IP from, unless a
    /// request says otherwise (its `vip_subnet_id`, `vip_network_id` or
    /// `vip_port_id` option). Octavia needs one of them.
    #[must_use]
    pub fn vip_subnet_id(mut self, id: impl Into<String>) -> Self {
        self.vip = Some(("vip_subnet_id", id.into()));
        self
    }

    /// The network Octavia balancers get their virtual IP from (see
    /// [`vip_subnet_id`](Self::vip_subnet_id)).
    #[must_use]
    pub fn vip_network_id(mut self, id: impl Into<String>) -> Self {
        self.vip = Some(("vip_network_id", id.into()));
        self
    }

    /// How often and how long to poll changes the APIs apply in the
    /// background (Rackspace DNS jobs, Designate deletions, Octavia
    /// provisioning) before the call returns.
    #[must_use]
    pub fn change_wait(mut self, wait: ChangeWait) -> Self {
        self.changes = wait;
        self
    }

    /// Makes generated names (SLO segment prefixes) `prefix-0`,
    /// `prefix-1`... so recorded exchanges replay byte for byte. For tests.
    #[doc(hidden)]
    #[must_use]
    pub fn sequential_tokens(mut self, prefix: impl Into<String>) -> Self {
        self.tokens = TokenSource::sequential(prefix);
        self
    }

    /// Resolves the credentials and builds the client (no request is sent yet).
    pub fn build(self) -> Result<OpenStack> {
        let (auth, region, interface) = match self.auth {
            Some(a) => (a, self.region, self.interface),
            None => match env::from_environment(&self.env)? {
                Some(s) => (s.auth, self.region.or(s.region), s.interface),
                None => {
                    return Err(Error::new(
                        cloud_core::ErrorKind::InvalidCredentials,
                        "no credentials: configure them, or set OS_AUTH_URL and friends, or OS_CLOUD",
                    )
                    .with_provider(self.flavor.provider()));
                }
            },
        };
        let auth_url = match &auth {
            Auth::V1 { url, .. }
            | Auth::V2Password { url, .. }
            | Auth::V2ApiKey { url, .. }
            | Auth::V3Password { url, .. }
            | Auth::V3ApplicationCredential { url, .. }
            | Auth::V3Token { url, .. } => url.clone(),
        };
        let allow_http = self.allow_http.unwrap_or(auth_url.scheme() == "http");
        let plain = HttpClient::builder(self.flavor.provider())
            .options(self.options.proxy_from(&self.env))
            .allow_http(allow_http)
            .classifier(Arc::new(crate::error::OpenStackRetryClassifier))
            .user_agent_suffix("cloud-openstack")
            .build()?;
        let session = Session::new(auth, plain.clone(), region, interface, self.refresh_margin);
        if let Some(key) = &self.temp_url_key {
            session.redactor().add(key);
        }
        let signed = plain.with_signer(Arc::new(TokenSigner::new(session.clone())));
        Ok(OpenStack {
            shared: Arc::new(Shared {
                flavor: self.flavor,
                session,
                http: signed,
                overrides: self.overrides,
                slo: self.slo,
                temp_url_key: self.temp_url_key,
                nova_microversion: self.nova_microversion,
                tokens: self.tokens,
                changes: self.changes,
                vip: self.vip,
            }),
        })
    }
}

/// What every driver made from one [`OpenStack`] shares: one session (one
/// token), one connection pool.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) flavor: Flavor,
    pub(crate) session: Session,
    pub(crate) http: HttpClient,
    pub(crate) overrides: Vec<(String, Url)>,
    pub(crate) slo: SloConfig,
    pub(crate) temp_url_key: Option<Secret>,
    pub(crate) nova_microversion: Option<String>,
    pub(crate) tokens: TokenSource,
    pub(crate) changes: ChangeWait,
    /// Where Octavia balancers get their virtual IP by default.
    pub(crate) vip: Option<(&'static str, String)>,
}

impl Shared {
    /// The endpoint of the first of `types` in the catalog (or overridden).
    pub(crate) async fn endpoint(&self, types: &[&str]) -> Result<Url> {
        for t in types {
            if let Some((_, url)) = self.overrides.iter().find(|(s, _)| s == t) {
                return Ok(url.clone());
            }
        }
        let names: Vec<&str> = types
            .iter()
            .flat_map(|t| self.flavor.names(t).iter().copied())
            .collect();
        self.session.endpoint(types, &names).await
    }
}

/// One authenticated account: the factory of its drivers.
#[derive(Debug, Clone)]
pub struct OpenStack {
    pub(crate) shared: Arc<Shared>,
}

impl OpenStack {
    /// The session every driver shares (its token, its catalog).
    pub fn session(&self) -> &Session {
        &self.shared.session
    }

    /// Which cloud this is.
    pub fn flavor(&self) -> Flavor {
        self.shared.flavor
    }

    /// Nova compute with Cinder volumes (Cloud Servers and Cloud Block
    /// Storage for Rackspace).
    pub fn nova(&self) -> crate::nova::NovaCompute {
        crate::nova::NovaCompute::new(self.shared.clone())
    }

    /// Rackspace Cloud Load Balancers.
    pub fn cloud_load_balancers(&self) -> crate::rackspace::clb::RackspaceLoadBalancers {
        crate::rackspace::clb::RackspaceLoadBalancers::new(self.shared.clone())
    }

    /// OpenStack Designate DNS.
    pub fn designate(&self) -> crate::designate::DesignateDns {
        crate::designate::DesignateDns::new(self.shared.clone())
    }

    /// OpenStack Octavia load balancers.
    pub fn octavia(&self) -> crate::octavia::OctaviaLoadBalancers {
        crate::octavia::OctaviaLoadBalancers::new(self.shared.clone())
    }

    /// Rackspace Cloud DNS.
    pub fn cloud_dns(&self) -> crate::rackspace::dns::RackspaceDns {
        crate::rackspace::dns::RackspaceDns::new(self.shared.clone())
    }

    /// Swift (Cloud Files for Rackspace) storage.
    pub fn swift(&self) -> crate::swift::SwiftStorage {
        crate::swift::SwiftStorage::new(self.shared.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(config: ProviderConfig) -> Result<OpenStackBuilder> {
        OpenStackBuilder::from_config(&config, Flavor::OpenStack)
    }

    #[test]
    fn options_default_from_their_declaration() {
        let b = read(ProviderConfig::new()).unwrap();
        assert_eq!(b.slo, SloConfig::default());
        assert_eq!(b.slo.segment_size, 8 * 1024 * 1024);
        assert_eq!(b.interface, Interface::Public);

        let b = read(
            ProviderConfig::new()
                .option("segment_size", "1048576")
                .option("interface", "internal")
                .option("temp_url_key", "key-canary"),
        )
        .unwrap();
        assert_eq!(b.slo.segment_size, 1_048_576);
        assert_eq!(b.slo.threshold, 64 * 1024 * 1024);
        assert_eq!(b.interface, Interface::Internal);
        assert_eq!(
            b.temp_url_key.as_ref().map(|k| k.expose()),
            Some("key-canary")
        );
    }

    #[test]
    fn ill_typed_or_unknown_options_are_refused() {
        for config in [
            ProviderConfig::new().option("segment_size", "big"),
            ProviderConfig::new().option("segmnet_size", "1"),
            ProviderConfig::new().option("interface", "sideways"),
        ] {
            let err = read(config).unwrap_err();
            assert_eq!(*err.kind(), cloud_core::ErrorKind::InvalidInput, "{err}");
        }
    }
}
