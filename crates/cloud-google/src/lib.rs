//! Google Cloud for `cloud`: Compute Engine, Cloud Storage, network load
//! balancing and Cloud DNS as portable drivers, on Google's credential
//! chain.
//!
//! Credentials are found as `gcloud` and Google's client libraries find
//! them: `GOOGLE_APPLICATION_CREDENTIALS`, then gcloud's application-default
//! credentials file, then the metadata server of the machine (GCE, GKE,
//! Cloud Run); `STORAGE_EMULATOR_HOST` points Cloud Storage at an emulator
//! and sends none. Service-account keys sign an RS256 JWT exchanged at the
//! token URI, authorized users exchange their refresh token, and the
//! metadata server hands out tokens itself; every token is cached and
//! renewed ahead of expiry, once for all callers.
//!
//! - Cloud Storage goes through its JSON API: uploads in one request with
//!   their CRC32C, or resumable sessions in 256 KiB multiples that pick up
//!   where Cloud Storage stands after a dropped connection; the object's
//!   generation is its portable etag; V4 signed URLs are signed with the
//!   service account's key.
//! - Compute Engine's changes are long-running operations, each waited for
//!   and its failure typed; zonal resources have `zone/name` ids.
//! - Network load balancing is a forwarding rule to a target pool of
//!   instances.
//! - Cloud DNS writes are conditional changes that delete record sets as
//!   they were read, so concurrent writers are refused, never undone.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_core::{Storage, UploadOptions};
//! use cloud_google::GoogleBuilder;
//!
//! let google = GoogleBuilder::new().project("my-project").build()?;
//! let storage = Storage::new(google.storage());
//! storage
//!     .upload_bytes("my-bucket", "hello.txt", "hello", &UploadOptions::new())
//!     .await?;
//! # Ok(()) }
//! ```

pub mod compute;
mod config;
mod credential;
pub mod dns;
mod error;
pub mod loadbalancer;
pub mod storage;

use cloud_core::{Api, ExtraOperation, ProviderDescription};

pub use compute::GceCompute;
pub use config::{
    CHUNK_GRANULARITY, CONFIG_OPTIONS, DEFAULT_COMPUTE_ENDPOINT, DEFAULT_DNS_ENDPOINT,
    DEFAULT_IMAGE_PROJECTS, DEFAULT_STORAGE_ENDPOINT, GcsUploadConfig, Google, GoogleBuilder,
};
pub use credential::{
    AccessToken, BearerToken, GoogleCredentialProvider, GoogleCredentials, ResolvedCredentials,
    SCOPE_CLOUD_PLATFORM,
};
pub use dns::CloudDns;
pub use loadbalancer::GceLoadBalancer;
pub use storage::GcsStorage;

/// The provider name in the registry.
pub const PROVIDER: &str = "google";

/// What this provider offers, for the registry and the provider matrix.
pub const DESCRIPTION: ProviderDescription = ProviderDescription {
    name: PROVIDER,
    title: "Google Cloud: Compute Engine, Cloud Storage (JSON API), network load balancing, Cloud DNS",
    feature: "google",
    compute: Some(compute::CAPABILITIES),
    storage: Some(storage::CAPABILITIES),
    load_balancer: Some(loadbalancer::CAPABILITIES),
    dns: Some(dns::CAPABILITIES),
    extras: &[
        ExtraOperation {
            api: Api::Compute,
            name: "ex_resize_volume",
            description: "Grows a persistent disk",
        },
        ExtraOperation {
            api: Api::Storage,
            name: "ex_create_bucket",
            description: "Creates a bucket in a location with a storage class",
        },
        ExtraOperation {
            api: Api::Storage,
            name: "ex_object_resource",
            description: "An object's full JSON resource",
        },
        ExtraOperation {
            api: Api::Dns,
            name: "ex_wait_for_change",
            description: "Waits until Cloud DNS serves a change from every name server",
        },
    ],
    options: CONFIG_OPTIONS,
};

/// The registry's entry.
pub const ENTRY: cloud_core::provider::Provider = cloud_core::provider::Provider::new(DESCRIPTION)
    .with_storage(|c| {
        Ok(cloud_core::Storage::new(
            GoogleBuilder::from_config(c)?.build()?.storage(),
        ))
    })
    .with_compute(|c| {
        Ok(cloud_core::Compute::new(
            GoogleBuilder::from_config(c)?.build()?.compute(),
        ))
    })
    .with_load_balancers(|c| {
        Ok(cloud_core::LoadBalancers::new(
            GoogleBuilder::from_config(c)?.build()?.load_balancer(),
        ))
    })
    .with_dns(|c| {
        Ok(cloud_core::Dns::new(
            GoogleBuilder::from_config(c)?.build()?.dns(),
        ))
    });
