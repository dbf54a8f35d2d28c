//! Building an AWS client: credentials, region, endpoints and tuning.

use cloud_core::secret::Redactor;
use cloud_core::unique::TokenSource;
use std::sync::Arc;

use cloud_core::Url;
use cloud_core::http::{ClientOptions, HttpClient, ProxyOptions};
use cloud_core::{Error, ProviderConfig, Result, Secret};

use crate::credential::{AwsCredentialProvider, AwsCredentials, Environment, Reach, Settings};
#[cfg(feature = "ec2")]
use crate::ec2::Ec2Compute;
#[cfg(feature = "elb")]
use crate::elb::ElbLoadBalancers;
use crate::error::{AwsRetryClassifier, Service};
#[cfg(feature = "route53")]
use crate::route53::Route53Dns;
#[cfg(feature = "s3")]
use crate::s3::S3Storage;
use crate::signer::SigV4;

/// How S3 uploads are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartConfig {
    /// Bodies of unknown length, or longer than this, go up in parts.
    pub threshold: u64,
    /// The size of each part (S3 requires at least 5 MiB except the last).
    pub part_size: u64,
    /// How many parts are in flight at once.
    pub concurrency: usize,
}

impl MultipartConfig {
    /// This configuration with the part size and threshold one upload asks for.
    #[cfg(feature = "s3")]
    pub(crate) fn for_upload(mut self, options: &cloud_core::UploadOptions) -> Result<Self> {
        if let Some(size) = options.part_size_value() {
            self.part_size = size;
        }
        if let Some(threshold) = options.multipart_threshold_value() {
            self.threshold = threshold;
        }
        self.check()?;
        Ok(self)
    }

    fn check(&self) -> Result<()> {
        if self.part_size == 0 || self.concurrency == 0 {
            return Err(Error::invalid_input(
                "part size and concurrency must be positive",
            ));
        }
        if self.part_size > 5 * 1024 * 1024 * 1024 {
            return Err(Error::invalid_input("S3 parts are at most 5 GiB"));
        }
        Ok(())
    }
}

/// The declared defaults of `multipart_threshold`, `part_size` and
/// `concurrency` (64 MiB, 8 MiB, 4).
impl Default for MultipartConfig {
    fn default() -> Self {
        let defaults = Options::defaults();
        MultipartConfig {
            threshold: defaults.multipart_threshold,
            part_size: defaults.part_size,
            concurrency: usize::try_from(defaults.concurrency).unwrap_or(usize::MAX),
        }
    }
}

/// Configures an [`Aws`] client.
///
/// ```
/// use cloud_aws::{AwsBuilder, AwsCredentials};
///
/// let aws = AwsBuilder::new()
///     .credentials(AwsCredentials::new("AKIDEXAMPLE", "secret"))
///     .region("eu-west-1")
///     .endpoint("http://127.0.0.1:5000")
///     .build()
///     .unwrap();
/// assert_eq!(aws.region(), "eu-west-1");
/// ```
#[derive(Debug)]
pub struct AwsBuilder {
    env: Environment,
    credentials: Option<AwsCredentialProvider>,
    imds_v1_fallback: bool,
    region: Option<String>,
    profile: Option<String>,
    endpoint: Option<String>,
    path_style: Option<bool>,
    list_objects_v1: bool,
    image_owners: Vec<String>,
    multipart: MultipartConfig,
    options: ClientOptions,
    tokens: TokenSource,
    balancer_zones: Vec<String>,
}

impl Default for AwsBuilder {
    fn default() -> Self {
        Self::new()
    }
}

cloud_core::provider_options! {
    /// The options of [`CONFIG_OPTIONS`], typed.
    struct Options;
    /// Options [`AwsBuilder::from_config`] understands.
    pub const CONFIG_OPTIONS;

    /// Session token of temporary credentials
    session_token: Option<Secret> = Text, secret;
    /// Profile of the shared AWS config and credentials files (default: AWS_PROFILE, then `default`)
    profile: Option<String> = Text;
    /// Address buckets by path (http://host/bucket) rather than host name (default: on for a custom endpoint)
    path_style: Option<bool> = Bool;
    /// List with ListObjects (v1) for S3-compatible servers without ListObjectsV2
    list_objects_v1: bool = Bool("false");
    /// Owners whose images list_images shows
    image_owners: Vec<String> = List("self");
    /// Uploads above this many bytes go in parts
    multipart_threshold: u64 = Number("67108864");
    /// Bytes per part of a multipart upload
    part_size: u64 = Number("8388608");
    /// Parts uploaded at once
    concurrency: u64 = Number("4");
    /// Availability zones of new load balancers (default: the region's first)
    balancer_zones: Vec<String> = List;
    /// Let instance metadata credentials fall back to IMDSv1 when IMDSv2 fails
    imds_v1_fallback: bool = Bool("false");
}

impl AwsBuilder {
    /// Reads the process environment and shared files for anything not set.
    pub fn new() -> Self {
        AwsBuilder {
            env: Environment::process(),
            credentials: None,
            imds_v1_fallback: false,
            region: None,
            profile: None,
            endpoint: None,
            path_style: None,
            list_objects_v1: false,
            image_owners: Options::defaults().image_owners,
            multipart: MultipartConfig::default(),
            options: ClientOptions::default(),
            tokens: TokenSource::Unique,
            balancer_zones: Vec::new(),
        }
    }

    /// From the provider-independent configuration the registry receives:
    /// `key`/`secret` are the access key, `region`, `endpoint`, and the
    /// options in [`CONFIG_OPTIONS`].
    pub fn from_config(config: &ProviderConfig) -> Result<Self> {
        let o = Options::read(config, crate::PROVIDER)?;
        let mut b = AwsBuilder::new();
        match (config.key_value(), config.secret_value()) {
            (Some(k), Some(s)) => {
                let mut c = AwsCredentials::new(k.clone(), s.clone());
                if let Some(t) = o.session_token {
                    c = c.with_session_token(t);
                }
                b = b.credentials(c);
            }
            (None, None) if o.session_token.is_some() => {
                return Err(Error::invalid_input(
                    "a session_token belongs with an access key id and secret access key",
                ));
            }
            (None, None) => {}
            _ => {
                return Err(Error::invalid_input(
                    "give both the access key id and the secret access key",
                ));
            }
        }
        if let Some(r) = config.region_str() {
            b = b.region(r);
        }
        if let Some(e) = config.endpoint_str() {
            b = b.endpoint(e);
        }
        if let Some(p) = o.profile {
            b = b.profile(p);
        }
        if let Some(v) = o.path_style {
            b = b.path_style(v);
        }
        b = b
            .imds_v1_fallback(o.imds_v1_fallback)
            .list_objects_v1(o.list_objects_v1)
            .image_owners(o.image_owners)
            .balancer_zones(o.balancer_zones);
        b.options = b.options.overridden_by(config);
        let m = MultipartConfig {
            threshold: o.multipart_threshold,
            part_size: o.part_size,
            concurrency: usize::try_from(o.concurrency).unwrap_or(usize::MAX),
        };
        b.multipart(m)
    }

    /// Fixed credentials, instead of the chain the AWS SDKs search
    /// (environment, web identity, profile, container, instance metadata).
    #[must_use]
    pub fn credentials(mut self, credentials: AwsCredentials) -> Self {
        self.credentials = Some(Arc::new(cloud_core::credential::StaticCredential::new(
            credentials,
        )));
        self
    }

    /// Your own credential source (a vault, a broker...), asked before
    /// every request attempt; wrap a fetching source in
    /// [`CachedCredential`](cloud_core::credential::CachedCredential) to
    /// renew ahead of expiry.
    #[must_use]
    pub fn credentials_provider(mut self, provider: AwsCredentialProvider) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// Lets instance metadata credentials fall back to IMDSv1 when the
    /// IMDSv2 session request fails. Off by default, as AWS recommends;
    /// `AWS_EC2_METADATA_V1_DISABLED=true` keeps it off regardless.
    #[must_use]
    pub fn imds_v1_fallback(mut self, on: bool) -> Self {
        self.imds_v1_fallback = on;
        self
    }

    /// The region (otherwise `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile, then `us-east-1`).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The named profile in the shared files (otherwise `AWS_PROFILE`, then `default`).
    #[must_use]
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// One endpoint for every service: an S3-compatible store (MinIO, Ceph,
    /// R2...) or a local server. Plain `http://` is allowed only here.
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Forces path-style S3 addressing (`endpoint/bucket/key`). On by default
    /// for custom endpoints, off for AWS (virtual-hosted style).
    #[must_use]
    pub fn path_style(mut self, on: bool) -> Self {
        self.path_style = Some(on);
        self
    }

    /// Lists objects with the original ListObjects call (markers) instead
    /// of ListObjectsV2, for S3-compatible servers that only speak v1.
    #[must_use]
    pub fn list_objects_v1(mut self, on: bool) -> Self {
        self.list_objects_v1 = on;
        self
    }

    /// Which owners' images `list_images` shows (default `self`; `amazon`
    /// adds Amazon's public images).
    #[must_use]
    pub fn image_owners(mut self, owners: impl IntoIterator<Item = String>) -> Self {
        self.image_owners = owners.into_iter().collect();
        self
    }

    /// How S3 uploads are split.
    pub fn multipart(mut self, multipart: MultipartConfig) -> Result<Self> {
        multipart.check()?;
        self.multipart = multipart;
        Ok(self)
    }

    /// Availability zones for new classic load balancers (default: the
    /// region's first zone).
    #[must_use]
    pub fn balancer_zones(mut self, zones: impl IntoIterator<Item = String>) -> Self {
        self.balancer_zones = zones.into_iter().collect();
        self
    }

    cloud_core::client_option_setters!(options);

    /// Reads variables from `env` instead of the process environment.
    #[must_use]
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// Makes idempotency tokens `prefix-0`, `prefix-1`... so recorded
    /// exchanges replay byte for byte. For tests only: real AWS remembers
    /// tokens for days.
    #[doc(hidden)]
    #[must_use]
    pub fn sequential_tokens(mut self, prefix: impl Into<String>) -> Self {
        self.tokens = TokenSource::sequential(prefix);
        self
    }

    /// Resolves region, endpoints and the credential source, and builds
    /// the client. Temporary credentials are fetched at the first request.
    pub fn build(self) -> Result<Aws> {
        let settings = Settings::load(&self.env, self.region, self.profile)?;
        check_region(&settings.region)?;
        let mut endpoints = Vec::new();
        for (service, suffix) in [
            (Service::S3, "S3"),
            (Service::Ec2, "EC2"),
            (Service::Elb, "ELASTIC_LOAD_BALANCING"),
            (Service::Route53, "ROUTE_53"),
        ] {
            let endpoint = settings
                .endpoint(self.endpoint.as_deref(), suffix)
                .map(|e| {
                    Url::parse(&e).map_err(|err| {
                        Error::invalid_input(format!("invalid endpoint `{e}`: {err}"))
                    })
                })
                .transpose()?;
            endpoints.push((service, endpoint));
        }
        let reach = Reach {
            direct: self
                .options
                .clone()
                .proxy(ProxyOptions::none())
                .with_built_transport()?,
            options: self.options.proxy_from(&self.env).with_built_transport()?,
            redactor: Redactor::new(),
        };
        let resolved = settings.credentials(
            self.credentials,
            self.endpoint.as_deref(),
            self.imds_v1_fallback,
            &reach,
        )?;
        tracing::debug!(source = %resolved.source, "AWS credentials");
        Ok(Aws {
            shared: Arc::new(Shared {
                redactor: reach.redactor,
                credentials: resolved.provider,
                credential_source: resolved.source,
                region: settings.region,
                endpoints,
                path_style: self.path_style,
                list_objects_v1: self.list_objects_v1,
                image_owners: self.image_owners,
                multipart: self.multipart,
                options: reach.options,
                tokens: self.tokens,
                balancer_zones: self.balancer_zones,
            }),
        })
    }
}

/// Refuses a region that is not a plain name (`eu-west-1`): regions become
/// part of host names, so `us-east-1/../x` must never reach one.
pub(crate) fn check_region(region: &str) -> Result<()> {
    let plain = !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if plain {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "`{}` is not an AWS region name (lowercase letters, digits and `-`, like eu-west-1)",
            cloud_core::error::quote(region)
        )))
    }
}

/// What every AWS driver made from one [`Aws`] shares.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The credentials, cut out of every error.
    pub(crate) redactor: Redactor,
    credentials: AwsCredentialProvider,
    credential_source: String,
    pub(crate) region: String,
    endpoints: Vec<(Service, Option<Url>)>,
    pub(crate) path_style: Option<bool>,
    pub(crate) list_objects_v1: bool,
    pub(crate) image_owners: Vec<String>,
    pub(crate) multipart: MultipartConfig,
    options: ClientOptions,
    pub(crate) tokens: TokenSource,
    pub(crate) balancer_zones: Vec<String>,
}

impl Shared {
    /// A configured endpoint for `service`, if any.
    pub(crate) fn custom_endpoint(&self, service: Service) -> Option<&Url> {
        self.endpoints
            .iter()
            .find(|(s, _)| *s == service)
            .and_then(|(_, e)| e.as_ref())
    }

    /// The endpoint of `service` in `region`.
    pub(crate) fn endpoint(&self, service: Service, region: &str) -> Result<Url> {
        if let Some(url) = self.custom_endpoint(service) {
            return Ok(url.clone());
        }
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        let host = match service {
            Service::S3 => format!("s3.{region}.{suffix}"),
            Service::Ec2 => format!("ec2.{region}.{suffix}"),
            Service::Elb => format!("elasticloadbalancing.{region}.{suffix}"),
            Service::Route53 => format!("route53.{suffix}"),
            Service::Sts => format!("sts.{region}.{suffix}"),
        };
        Url::parse(&format!("https://{host}/"))
            .map_err(|e| Error::invalid_input(format!("invalid region `{region}`: {e}")))
    }

    /// An HTTP client signing for `service` in `region`, on the shared connection pool.
    pub(crate) fn http(&self, service: Service, region: &str) -> Result<HttpClient> {
        let signing = match service {
            Service::S3 => "s3",
            Service::Ec2 => "ec2",
            Service::Elb => "elasticloadbalancing",
            Service::Route53 => "route53",
            Service::Sts => "sts",
        };
        let signing_region = if service == Service::Route53 {
            "us-east-1"
        } else {
            region
        };
        let allow_http = self
            .custom_endpoint(service)
            .is_some_and(|u| u.scheme() == "http");
        HttpClient::builder(crate::PROVIDER)
            .options(self.options.clone())
            .redactor(self.redactor.clone())
            .signer(Arc::new(SigV4::new(
                self.credentials.clone(),
                signing_region,
                signing,
            )))
            .classifier(Arc::new(AwsRetryClassifier))
            .allow_http(allow_http)
            .user_agent_suffix("cloud-aws")
            .build()
    }

    pub(crate) fn signer(&self, region: &str) -> SigV4 {
        SigV4::new(self.credentials.clone(), region, "s3")
    }
}

/// An AWS account in one region: the factory for the four drivers, which
/// share credentials and connections.
#[derive(Debug, Clone)]
pub struct Aws {
    shared: Arc<Shared>,
}

impl Aws {
    /// Starts configuring.
    pub fn builder() -> AwsBuilder {
        AwsBuilder::new()
    }

    /// The resolved region.
    pub fn region(&self) -> &str {
        &self.shared.region
    }

    /// Where the credentials come from (`environment`, `profile \`work\``,
    /// `instance metadata`...), for logs and diagnostics.
    pub fn credential_source(&self) -> &str {
        &self.shared.credential_source
    }

    /// The credentials the next request will be signed with, fetched or
    /// renewed first if they are due (to hand to another AWS client).
    pub async fn credentials(&self) -> Result<Arc<AwsCredentials>> {
        self.shared
            .credentials
            .credential()
            .await
            .map_err(|e| self.shared.redactor.scrub(e))
    }

    /// The S3 storage driver (feature `s3`).
    #[cfg(feature = "s3")]
    pub fn s3(&self) -> Result<S3Storage> {
        S3Storage::new(self.shared.clone())
    }

    /// The EC2 compute driver (feature `ec2`).
    #[cfg(feature = "ec2")]
    pub fn ec2(&self) -> Result<Ec2Compute> {
        Ec2Compute::new(self.shared.clone())
    }

    /// The classic Elastic Load Balancing driver (feature `elb`).
    #[cfg(feature = "elb")]
    pub fn elb(&self) -> Result<ElbLoadBalancers> {
        ElbLoadBalancers::new(self.shared.clone())
    }

    /// The Route 53 DNS driver (feature `route53`).
    #[cfg(feature = "route53")]
    pub fn route53(&self) -> Result<Route53Dns> {
        Route53Dns::new(self.shared.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_default_from_their_declaration() {
        let b = AwsBuilder::from_config(&ProviderConfig::new()).unwrap();
        assert_eq!(b.multipart, MultipartConfig::default());
        assert_eq!(b.multipart.part_size, 8 * 1024 * 1024);
        assert_eq!(b.image_owners, ["self"]);
        assert_eq!((b.profile, b.path_style), (None, None));

        let config = ProviderConfig::new()
            .option("part_size", "5242880")
            .option("concurrency", "2")
            .option("image_owners", "amazon,self");
        let b = AwsBuilder::from_config(&config).unwrap();
        assert_eq!(
            (b.multipart.part_size, b.multipart.concurrency),
            (5_242_880, 2)
        );
        assert_eq!(b.multipart.threshold, 64 * 1024 * 1024);
        assert_eq!(b.image_owners, ["amazon", "self"]);
    }

    #[test]
    fn a_session_token_needs_the_key_and_secret() {
        let alone = ProviderConfig::new().option("session_token", "token-canary");
        let err = AwsBuilder::from_config(&alone).unwrap_err();
        assert_eq!(*err.kind(), cloud_core::ErrorKind::InvalidInput, "{err}");
        assert!(!err.to_string().contains("token-canary"), "{err}");

        let complete = alone.key("AKIDEXAMPLE").secret("secret");
        assert!(AwsBuilder::from_config(&complete).is_ok());
    }
}
