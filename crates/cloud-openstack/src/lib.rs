//! OpenStack and Rackspace for `cloud`.
//!
//! One crate serves both: Rackspace is a preset ([`OpenStackBuilder::rackspace`])
//! with its identity endpoint, API-key authentication and its own
//! load-balancer and DNS APIs, not a second copy.
//!
//! - Identity: Keystone v3 (password, application credential, token),
//!   v2.0 (password, Rackspace API key) and v1.0 (Swift tempauth, legacy
//!   Cloud Files); the catalog picks endpoints by type, region and
//!   interface; one cached token is shared by every driver, renewed before it
//!   expires and once more on a 401. Credentials also come from `OS_*`
//!   variables and `clouds.yaml`.
//! - Storage: Swift / Cloud Files, with Static Large Objects, temporary URLs,
//!   and Rackspace CDN URLs.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_core::{Storage, UploadOptions};
//! use cloud_openstack::OpenStackBuilder;
//!
//! let cloud = OpenStackBuilder::openstack().build()?; // OS_AUTH_URL, OS_USERNAME, ...
//! let storage = Storage::new(cloud.swift());
//! storage.upload_bytes("backups", "hello.txt", "hello", &UploadOptions::new()).await?;
//! # Ok(()) }
//! ```

mod config;
mod error;
pub mod identity;
pub mod nova;
pub mod rackspace;
mod rest;
pub mod swift;

use cloud_core::{Api, ExtraOperation, ProviderDescription};

pub use config::{
    CONFIG_OPTIONS, Flavor, OpenStack, OpenStackBuilder, RACKSPACE_IDENTITY, SloConfig,
};
pub use identity::{Auth, Interface, Scope, Session};
pub use nova::NovaCompute;
pub use rackspace::clb::RackspaceLoadBalancers;
pub use swift::SwiftStorage;

/// The registry name of OpenStack clouds.
pub const PROVIDER_OPENSTACK: &str = "openstack";
/// The registry name of Rackspace.
pub const PROVIDER_RACKSPACE: &str = "rackspace";

const SWIFT_EXTRAS: [ExtraOperation; 1] = [ExtraOperation {
    api: Api::Storage,
    name: "ex_set_temp_url_key",
    description: "Set the account's temporary-URL key",
}];

/// What the OpenStack provider offers.
pub const DESCRIPTION_OPENSTACK: ProviderDescription = ProviderDescription {
    name: PROVIDER_OPENSTACK,
    title: "OpenStack: Keystone, Swift",
    feature: "openstack",
    compute: None,
    storage: Some(swift::CAPABILITIES_OPENSTACK),
    load_balancer: None,
    dns: None,
    extras: &SWIFT_EXTRAS,
};

/// What the Rackspace provider offers.
pub const DESCRIPTION_RACKSPACE: ProviderDescription = ProviderDescription {
    name: PROVIDER_RACKSPACE,
    title: "Rackspace: Cloud Files (with CDN)",
    feature: "rackspace",
    compute: None,
    storage: Some(swift::CAPABILITIES_RACKSPACE),
    load_balancer: None,
    dns: None,
    extras: &[
        SWIFT_EXTRAS[0],
        ExtraOperation {
            api: Api::Storage,
            name: "ex_enable_cdn",
            description: "Publish a container on the CDN",
        },
    ],
};
