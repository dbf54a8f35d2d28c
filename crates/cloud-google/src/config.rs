//! Building a Google client: whose credentials, which project, which
//! endpoints, and how Cloud Storage uploads are cut.
//!
//! Credentials come from Google's chain unless given; the emulators' way is
//! Google's too: `STORAGE_EMULATOR_HOST` points Cloud Storage at an
//! emulator and sends no credentials, as Google's client libraries do.

use std::path::PathBuf;
use std::sync::Arc;

use cloud_core::http::rest::RestClient;
use cloud_core::http::{ClientOptions, HttpClient};
use cloud_core::poll::ChangeWait;
use cloud_core::secret::Redactor;
use cloud_core::{Environment, Error, ProviderConfig, Result, Url};

use crate::PROVIDER;
use crate::compute::GceCompute;
use crate::credential::{GoogleCredentials, ResolvedCredentials, ServiceAccountKey};
use crate::dns::CloudDns;
use crate::loadbalancer::GceLoadBalancer;
use crate::storage::GcsStorage;

/// Cloud Storage's public endpoint.
pub const DEFAULT_STORAGE_ENDPOINT: &str = "https://storage.googleapis.com";

/// Cloud DNS's public endpoint.
pub const DEFAULT_DNS_ENDPOINT: &str = "https://dns.googleapis.com";

/// Compute Engine's public endpoint.
pub const DEFAULT_COMPUTE_ENDPOINT: &str = "https://compute.googleapis.com";

/// The public image projects `list_images` lists after the project's own.
pub const DEFAULT_IMAGE_PROJECTS: &[&str] = &[
    "debian-cloud",
    "ubuntu-os-cloud",
    "rocky-linux-cloud",
    "cos-cloud",
];

/// Resumable uploads send chunks in multiples of this (Google's rule).
pub const CHUNK_GRANULARITY: u64 = 256 * 1024;

cloud_core::provider_options! {
    /// The options of [`CONFIG_OPTIONS`], typed.
    struct Options;
    /// Options `GoogleBuilder::from_config` reads, besides `endpoint`.
    pub const CONFIG_OPTIONS;

    /// Project id (default: the credentials' project, GOOGLE_CLOUD_PROJECT, or the metadata server's)
    project: Option<String> = Text;
    /// Service-account key or authorized-user JSON file (default: Google's credential chain)
    credentials_file: Option<PathBuf> = Text;
    /// Service-account key that signs URLs, when the credentials cannot (default: the credentials' key)
    signing_key_file: Option<PathBuf> = Text;
    /// Send no credentials (emulators such as fake-gcs-server)
    anonymous: bool = Bool;
    /// Location of new buckets (default: the region, else US)
    bucket_location: Option<String> = Text;
    /// Storage class of new buckets (default STANDARD)
    storage_class: Option<String> = Text;
    /// Bytes per resumable-upload chunk, a multiple of 262144 (default 8 MiB)
    upload_chunk_size: Option<u64> = Number;
    /// Wait until Cloud DNS serves each change everywhere (`done`) before returning
    dns_wait_for_changes: bool = Bool;
    /// Compute Engine zone of new instances and disks, and of sizes (default: CLOUDSDK_COMPUTE_ZONE)
    zone: Option<String> = Text;
    /// Public image projects listed after the project's images, comma-separated (default: debian-cloud, ubuntu-os-cloud, rocky-linux-cloud, cos-cloud)
    image_projects: Option<String> = Text;
}

/// How Cloud Storage uploads are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GcsUploadConfig {
    /// Bodies of known length up to this go in one request, their CRC32C
    /// declared for Cloud Storage to check; longer or unsized ones go in a
    /// resumable upload.
    pub single_request_limit: u64,
    /// Bytes per resumable chunk: a multiple of 256 KiB. A chunk of a stream
    /// is held in memory until Cloud Storage has it (to resend it after a
    /// dropped connection); a chunk of a file is read when sent.
    pub chunk_size: u64,
}

impl Default for GcsUploadConfig {
    fn default() -> Self {
        GcsUploadConfig {
            single_request_limit: 8 * 1024 * 1024,
            chunk_size: 8 * 1024 * 1024,
        }
    }
}

impl GcsUploadConfig {
    /// A configuration with these limits (checked when the client is built).
    pub fn new(single_request_limit: u64, chunk_size: u64) -> Self {
        GcsUploadConfig {
            single_request_limit,
            chunk_size,
        }
    }

    /// This configuration with the chunk size and threshold one upload asks for.
    pub(crate) fn for_upload(mut self, options: &cloud_core::UploadOptions) -> Result<Self> {
        if let Some(size) = options.part_size_value() {
            self.chunk_size = size;
        }
        if let Some(limit) = options.multipart_threshold_value() {
            self.single_request_limit = limit;
        }
        self.check()?;
        Ok(self)
    }

    fn check(&self) -> Result<()> {
        if self.chunk_size == 0 || !self.chunk_size.is_multiple_of(CHUNK_GRANULARITY) {
            return Err(Error::invalid_input(format!(
                "Cloud Storage takes resumable chunks in multiples of 256 KiB ({CHUNK_GRANULARITY} \
                 bytes); {} is not one",
                self.chunk_size
            )));
        }
        Ok(())
    }
}

/// Which credentials a client uses.
#[derive(Debug, Clone)]
enum Credentials {
    /// Google's chain, resolved when the client is built.
    Chain,
    Given(GoogleCredentials),
    File(PathBuf),
    Anonymous,
}

/// Options for a Google Cloud client.
///
/// ```no_run
/// use cloud_core::Storage;
/// use cloud_google::GoogleBuilder;
///
/// // Credentials from Google's chain, the project from them or the environment.
/// let google = GoogleBuilder::new().build()?;
/// let storage = Storage::new(google.storage());
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct GoogleBuilder {
    credentials: Credentials,
    signing: Option<GoogleCredentials>,
    project: Option<String>,
    endpoint: Option<String>,
    bucket_location: Option<String>,
    storage_class: Option<String>,
    upload: GcsUploadConfig,
    dns_wait: Option<ChangeWait>,
    zone: Option<String>,
    image_projects: Vec<String>,
    operation_wait: ChangeWait,
    env: Environment,
    options: ClientOptions,
}

impl Default for GoogleBuilder {
    fn default() -> Self {
        GoogleBuilder {
            credentials: Credentials::Chain,
            signing: None,
            project: None,
            endpoint: None,
            bucket_location: None,
            storage_class: None,
            upload: GcsUploadConfig::default(),
            dns_wait: None,
            zone: None,
            image_projects: DEFAULT_IMAGE_PROJECTS
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
            operation_wait: ChangeWait::default(),
            env: Environment::process(),
            options: ClientOptions::new(),
        }
    }
}

impl GoogleBuilder {
    /// Google's public endpoints, credentials from Google's chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a `ProviderConfig`: `endpoint` replaces Google's endpoints
    /// (an emulator serving the JSON APIs at its root), and
    /// [`CONFIG_OPTIONS`]; keys and secrets are not Google's way and are
    /// refused, as is any other option, by name.
    pub fn from_config(config: &ProviderConfig) -> Result<Self> {
        let options = Options::read(config, PROVIDER)?;
        if config.key_value().is_some() || config.secret_value().is_some() {
            return Err(Error::invalid_input(
                "Google takes no key or secret: give a key file (credentials_file, or \
                 GOOGLE_APPLICATION_CREDENTIALS) or let Google's credential chain find one",
            ));
        }
        let mut builder = GoogleBuilder::new();
        if let Some(endpoint) = config.endpoint_str() {
            builder = builder.endpoint(endpoint);
        }
        if let Some(project) = options.project {
            builder = builder.project(project);
        }
        match (options.anonymous, options.credentials_file) {
            (true, Some(_)) => {
                return Err(Error::invalid_input(
                    "give either credentials_file or anonymous, not both",
                ));
            }
            (true, None) => builder = builder.anonymous(),
            (false, Some(path)) => builder = builder.credentials_file(path),
            (false, None) => {}
        }
        if let Some(path) = options.signing_key_file {
            builder = builder
                .signing_credentials(GoogleCredentials::from_file(&path, "signing_key_file")?);
        }
        // The portable region is where new buckets go, unless said apart.
        if let Some(location) = options.bucket_location.as_deref().or(config.region_str()) {
            builder = builder.bucket_location(location);
        }
        if let Some(class) = options.storage_class {
            builder = builder.storage_class(class);
        }
        if let Some(size) = options.upload_chunk_size {
            builder.upload.chunk_size = size;
        }
        if options.dns_wait_for_changes {
            builder = builder.dns_change_wait(ChangeWait::default());
        }
        if let Some(zone) = options.zone {
            builder = builder.zone(zone);
        }
        if let Some(projects) = options.image_projects {
            builder = builder.image_projects(
                projects
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            );
        }
        builder.options = builder.options.overridden_by(config);
        Ok(builder)
    }

    /// Uses these credentials instead of the chain's.
    #[must_use]
    pub fn credentials(mut self, credentials: GoogleCredentials) -> Self {
        self.credentials = Credentials::Given(credentials);
        self
    }

    /// Reads credentials from this key file (a service-account key or
    /// gcloud's authorized user) when the client is built.
    #[must_use]
    pub fn credentials_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.credentials = Credentials::File(path.into());
        self
    }

    /// Signs URLs with these service-account credentials instead of the
    /// request credentials (which cannot sign unless they are a key file).
    #[must_use]
    pub fn signing_credentials(mut self, credentials: GoogleCredentials) -> Self {
        self.signing = Some(credentials);
        self
    }

    /// Sends no credentials (emulators).
    #[must_use]
    pub fn anonymous(mut self) -> Self {
        self.credentials = Credentials::Anonymous;
        self
    }

    /// The project buckets are listed and created in.
    #[must_use]
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// One root URL for every Google API (an emulator's); `http://` is
    /// allowed only here.
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Where new buckets are created (`US`, `EU`, `europe-west1`...).
    #[must_use]
    pub fn bucket_location(mut self, location: impl Into<String>) -> Self {
        self.bucket_location = Some(location.into());
        self
    }

    /// The storage class of new buckets (`STANDARD`, `NEARLINE`...).
    #[must_use]
    pub fn storage_class(mut self, class: impl Into<String>) -> Self {
        self.storage_class = Some(class.into());
        self
    }

    /// How uploads are cut (checked when the client is built).
    #[must_use]
    pub fn upload_config(mut self, config: GcsUploadConfig) -> Self {
        self.upload = config;
        self
    }

    /// Waits for each Cloud DNS change to be `done` (served by every Cloud
    /// DNS name server) before a write returns, as `wait` says. By default
    /// a write returns once Cloud DNS has taken the change, which its API
    /// serves at once.
    #[must_use]
    pub fn dns_change_wait(mut self, wait: ChangeWait) -> Self {
        self.dns_wait = Some(wait);
        self
    }

    /// The Compute Engine zone new instances and disks go to when the
    /// request names none, and whose machine types are the sizes.
    #[must_use]
    pub fn zone(mut self, zone: impl Into<String>) -> Self {
        self.zone = Some(zone.into());
        self
    }

    /// The public image projects `list_images` lists after the project's
    /// own (default [`DEFAULT_IMAGE_PROJECTS`]).
    #[must_use]
    pub fn image_projects(mut self, projects: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.image_projects = projects.into_iter().map(Into::into).collect();
        self
    }

    /// How Compute Engine operations are waited for (default: a look a
    /// second, growing to four, for ten minutes).
    #[must_use]
    pub fn operation_wait(mut self, wait: ChangeWait) -> Self {
        self.operation_wait = wait;
        self
    }

    /// Where Google's variables are read from (the process environment by default).
    #[must_use]
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    cloud_core::client_option_setters!(options);

    /// The storage endpoint and whether it is an emulator named by
    /// `STORAGE_EMULATOR_HOST` (which also means: no credentials).
    fn storage_endpoint(&self) -> Result<(Url, bool)> {
        let emulator = self
            .env
            .var("STORAGE_EMULATOR_HOST")
            .filter(|h| !h.trim().is_empty());
        let (text, explicit, emulated) = match (&self.endpoint, emulator) {
            (Some(e), _) => (e.clone(), true, false),
            (None, Some(host)) if host.contains("://") => (host, true, true),
            (None, Some(host)) => (format!("http://{host}"), true, true),
            (None, None) => (DEFAULT_STORAGE_ENDPOINT.to_owned(), false, false),
        };
        let url = Url::parse(text.trim_end_matches('/'))
            .map_err(|e| Error::invalid_input(format!("invalid Google endpoint `{text}`: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(Error::invalid_input(format!(
                "invalid Google endpoint `{text}`: not an http(s) URL"
            )));
        }
        if url.scheme() == "http" && !explicit {
            return Err(Error::invalid_input("Google's endpoints are https"));
        }
        Ok((url, emulated))
    }

    /// Resolves the credentials and builds the client.
    pub fn build(self) -> Result<Google> {
        self.upload.check()?;
        let (storage_base, emulated) = self.storage_endpoint()?;
        let options = self.options.proxy_from(&self.env);
        let credentials = match &self.credentials {
            Credentials::Anonymous => None,
            Credentials::Chain if emulated => None,
            Credentials::Chain => Some(GoogleCredentials::from_env(&self.env)?),
            Credentials::Given(c) => Some(c.clone()),
            Credentials::File(path) => {
                Some(GoogleCredentials::from_file(path, "credentials_file")?)
            }
        };
        let signing_key = self
            .signing
            .as_ref()
            .or(credentials.as_ref())
            .and_then(GoogleCredentials::service_account_key)
            .map(|k| Arc::new(k.clone()));
        let resolved = credentials.map(|c| c.build(&options)).transpose()?;
        let redactor = resolved
            .as_ref()
            .map_or_else(Redactor::new, |r| r.redactor().clone());
        if let Some(key) = &signing_key {
            redactor.add(&key.private_key_pem);
        }
        let mut http = HttpClient::builder(PROVIDER)
            .options(options)
            .classifier(Arc::new(crate::error::GoogleRetryClassifier))
            .redactor(redactor.clone())
            .allow_http(storage_base.scheme() == "http");
        if let Some(r) = &resolved {
            http = http.signer(Arc::new(r.signer()));
        }
        let http = http.build()?;
        let project = self.project.or_else(|| {
            self.env
                .var("GOOGLE_CLOUD_PROJECT")
                .filter(|p| !p.trim().is_empty())
        });
        // One endpoint given serves every API; otherwise each has Google's.
        let base = |default: &str| match &self.endpoint {
            Some(_) => Ok(storage_base.clone()),
            None => Url::parse(default).map_err(|e| Error::invalid_input(e.to_string())),
        };
        let dns_base = base(DEFAULT_DNS_ENDPOINT)?;
        let compute_base = base(DEFAULT_COMPUTE_ENDPOINT)?;
        let compute = RestClient::builder(PROVIDER, "Compute Engine", http.clone(), compute_base)
            .error_mapper(crate::error::response_error)
            .strict_segments(true)
            .build();
        let zone = self.zone.clone().or_else(|| {
            self.env
                .var("CLOUDSDK_COMPUTE_ZONE")
                .filter(|z| !z.trim().is_empty())
        });
        let dns = RestClient::builder(PROVIDER, "Cloud DNS", http.clone(), dns_base)
            .error_mapper(crate::error::response_error)
            .strict_segments(true)
            .build();
        let storage = RestClient::builder(PROVIDER, "Cloud Storage", http, storage_base)
            .error_mapper(crate::error::response_error)
            .strict_segments(true)
            .build();
        Ok(Google {
            shared: Arc::new(Shared {
                credentials: resolved,
                signing_key,
                project,
                storage,
                dns,
                dns_wait: self.dns_wait,
                compute,
                zone,
                image_projects: self.image_projects,
                operation_wait: self.operation_wait,
                bucket_location: self.bucket_location,
                storage_class: self.storage_class,
                upload: self.upload,
            }),
        })
    }
}

/// What every service of one client shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) credentials: Option<ResolvedCredentials>,
    /// The key that signs URLs, when there is one.
    pub(crate) signing_key: Option<Arc<ServiceAccountKey>>,
    project: Option<String>,
    pub(crate) storage: RestClient,
    pub(crate) dns: RestClient,
    /// How Cloud DNS changes are waited for; `None`: not at all.
    pub(crate) dns_wait: Option<ChangeWait>,
    pub(crate) compute: RestClient,
    /// The default Compute Engine zone.
    pub(crate) zone: Option<String>,
    pub(crate) image_projects: Vec<String>,
    pub(crate) operation_wait: ChangeWait,
    pub(crate) bucket_location: Option<String>,
    pub(crate) storage_class: Option<String>,
    pub(crate) upload: GcsUploadConfig,
}

impl Shared {
    /// The project: the builder's or `GOOGLE_CLOUD_PROJECT`, else the
    /// credentials' (or their metadata server's).
    pub(crate) async fn project(&self) -> Result<String> {
        if let Some(p) = &self.project {
            return Ok(p.clone());
        }
        match &self.credentials {
            Some(c) => c.project().await,
            None => Err(Error::invalid_input(
                "no Google project: give one (config `project`, GOOGLE_CLOUD_PROJECT)",
            )),
        }
    }
}

/// A Google Cloud client: one set of credentials and one project, from
/// which each service's driver is taken.
#[derive(Debug, Clone)]
pub struct Google {
    shared: Arc<Shared>,
}

impl Google {
    /// Cloud Storage as a storage driver.
    pub fn storage(&self) -> GcsStorage {
        GcsStorage::new(self.shared.clone())
    }

    /// Compute Engine as a compute driver.
    pub fn compute(&self) -> GceCompute {
        GceCompute::new(self.shared.clone())
    }

    /// Compute Engine's network load balancing (target pools and
    /// forwarding rules) as a load-balancer driver.
    pub fn load_balancer(&self) -> GceLoadBalancer {
        GceLoadBalancer::new(self.compute())
    }

    /// Cloud DNS as a DNS driver.
    pub fn dns(&self) -> CloudDns {
        CloudDns::new(self.shared.clone())
    }

    /// The project this client works in.
    pub async fn project(&self) -> Result<String> {
        self.shared.project().await
    }

    /// Where the credentials came from (`None`: anonymous).
    pub fn credentials_source(&self) -> Option<&str> {
        self.shared
            .credentials
            .as_ref()
            .map(ResolvedCredentials::source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env() -> Environment {
        Environment::from_vars(Vec::<(String, String)>::new())
    }

    #[test]
    fn the_emulator_variable_points_storage_at_it_without_credentials() {
        let env = Environment::from_vars([("STORAGE_EMULATOR_HOST", "127.0.0.1:4443")]);
        let google = GoogleBuilder::new().environment(env).build().unwrap();
        assert!(google.credentials_source().is_none());
        assert_eq!(
            google.shared.storage.base().as_str(),
            "http://127.0.0.1:4443/"
        );
        // Plain http is refused unless asked for.
        let b = GoogleBuilder::new().environment(no_env()).anonymous();
        assert_eq!(b.storage_endpoint().unwrap().0.scheme(), "https");
    }

    #[test]
    fn config_options_are_checked() {
        let config = ProviderConfig::new()
            .endpoint("http://127.0.0.1:9")
            .option("anonymous", "true")
            .option("project", "p1")
            .option("upload_chunk_size", "524288");
        let b = GoogleBuilder::from_config(&config).unwrap();
        assert!(matches!(b.credentials, Credentials::Anonymous));
        assert_eq!(b.upload.chunk_size, 524_288);
        assert!(b.environment(no_env()).build().is_ok());
        let odd = ProviderConfig::new()
            .option("anonymous", "true")
            .option("upload_chunk_size", "1000");
        let err = GoogleBuilder::from_config(&odd)
            .unwrap()
            .environment(no_env())
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("256 KiB"), "{err}");
        let keyed = ProviderConfig::new().key("AKIA");
        assert!(GoogleBuilder::from_config(&keyed).is_err());
        let typo = ProviderConfig::new().option("projet", "x");
        assert!(GoogleBuilder::from_config(&typo).is_err());
    }
}
