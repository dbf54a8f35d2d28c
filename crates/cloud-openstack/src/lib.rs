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
//! - Compute: Nova (Cloud Servers) with Glance images, Cinder volumes and
//!   snapshots; Neutron floating IPs and security groups as extras.
//! - Storage: Swift / Cloud Files, with Static Large Objects, temporary URLs,
//!   and Rackspace CDN URLs.
//! - Load balancers: Octavia ([`OctaviaLoadBalancers`]) and Rackspace Cloud
//!   Load Balancers ([`RackspaceLoadBalancers`]).
//! - DNS: Designate ([`DesignateDns`]) and Rackspace Cloud DNS
//!   ([`RackspaceDns`]), whose asynchronous jobs are awaited.
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

mod busy;
mod config;
pub mod designate;
mod error;
pub mod identity;
mod json;
pub mod nova;
pub mod octavia;
pub mod rackspace;
mod service;
pub mod swift;
mod zone_domains;

use cloud_core::{Api, ExtraOperation, ProviderDescription};

pub use config::{
    CONFIG_OPTIONS, ChangeWait, Flavor, OpenStack, OpenStackBuilder, RACKSPACE_IDENTITY, SloConfig,
};
pub use designate::DesignateDns;
pub use identity::{Auth, Interface, Scope, Session};
pub use nova::NovaCompute;
pub use octavia::OctaviaLoadBalancers;
pub use rackspace::clb::RackspaceLoadBalancers;
pub use rackspace::dns::RackspaceDns;
pub use swift::SwiftStorage;

/// The registry name of OpenStack clouds.
pub const PROVIDER_OPENSTACK: &str = "openstack";
/// The registry name of Rackspace.
pub const PROVIDER_RACKSPACE: &str = "rackspace";

const fn extra(api: Api, name: &'static str, description: &'static str) -> ExtraOperation {
    ExtraOperation {
        api,
        name,
        description,
    }
}

/// Extras both flavours offer.
const COMMON_EXTRAS: [ExtraOperation; 4] = [
    extra(Api::Compute, "ex_hard_reboot", "Power-cycle a server"),
    extra(
        Api::Compute,
        "ex_get_metadata / ex_set_metadata / ex_update_metadata / ex_delete_metadata_item",
        "Read and change server metadata",
    ),
    extra(
        Api::Compute,
        "ex_list_security_groups / ex_create_security_group[_rule] / ex_delete_security_group[_rule]",
        "Neutron security groups and rules",
    ),
    extra(
        Api::Storage,
        "ex_set_temp_url_key",
        "Set the account's temporary-URL key",
    ),
];

const FLOATING_IPS: ExtraOperation = extra(
    Api::Compute,
    "ex_list/create/attach/detach/delete_floating_ip",
    "Neutron floating IPs",
);

/// What the OpenStack provider offers.
pub const DESCRIPTION_OPENSTACK: ProviderDescription = ProviderDescription {
    name: PROVIDER_OPENSTACK,
    title: "OpenStack: Keystone, Nova + Cinder, Swift, Octavia, Designate",
    feature: "openstack",
    compute: Some(nova::CAPABILITIES_OPENSTACK),
    storage: Some(swift::CAPABILITIES_OPENSTACK),
    load_balancer: Some(octavia::CAPABILITIES),
    dns: Some(designate::CAPABILITIES),
    extras: &[
        COMMON_EXTRAS[0],
        COMMON_EXTRAS[1],
        COMMON_EXTRAS[2],
        FLOATING_IPS,
        COMMON_EXTRAS[3],
    ],
    options: CONFIG_OPTIONS,
};

/// What the Rackspace provider offers.
pub const DESCRIPTION_RACKSPACE: ProviderDescription = ProviderDescription {
    name: PROVIDER_RACKSPACE,
    title: "Rackspace: Cloud Servers + Block Storage, Cloud Files (with CDN), Cloud Load Balancers, Cloud DNS",
    feature: "rackspace",
    compute: Some(nova::CAPABILITIES_RACKSPACE),
    storage: Some(swift::CAPABILITIES_RACKSPACE),
    load_balancer: Some(rackspace::clb::CAPABILITIES),
    dns: Some(rackspace::dns::CAPABILITIES),
    extras: &[
        COMMON_EXTRAS[0],
        COMMON_EXTRAS[1],
        COMMON_EXTRAS[3],
        extra(
            Api::Storage,
            "ex_enable_cdn",
            "Publish a container on the CDN",
        ),
    ],
    options: CONFIG_OPTIONS,
};

fn build(config: &cloud_core::ProviderConfig, flavor: Flavor) -> cloud_core::Result<OpenStack> {
    OpenStackBuilder::from_config(config, flavor)?.build()
}

/// The registry's entry for OpenStack clouds.
pub const ENTRY_OPENSTACK: cloud_core::provider::Provider =
    cloud_core::provider::Provider::new(DESCRIPTION_OPENSTACK)
        .with_compute(|c| {
            Ok(cloud_core::Compute::new(
                build(c, Flavor::OpenStack)?.nova(),
            ))
        })
        .with_storage(|c| {
            Ok(cloud_core::Storage::new(
                build(c, Flavor::OpenStack)?.swift(),
            ))
        })
        .with_load_balancers(|c| {
            Ok(cloud_core::LoadBalancers::new(
                build(c, Flavor::OpenStack)?.octavia(),
            ))
        })
        .with_dns(|c| {
            Ok(cloud_core::Dns::new(
                build(c, Flavor::OpenStack)?.designate(),
            ))
        });

/// The registry's entry for Rackspace.
pub const ENTRY_RACKSPACE: cloud_core::provider::Provider =
    cloud_core::provider::Provider::new(DESCRIPTION_RACKSPACE)
        .with_compute(|c| {
            Ok(cloud_core::Compute::new(
                build(c, Flavor::Rackspace)?.nova(),
            ))
        })
        .with_storage(|c| {
            Ok(cloud_core::Storage::new(
                build(c, Flavor::Rackspace)?.swift(),
            ))
        })
        .with_load_balancers(|c| {
            Ok(cloud_core::LoadBalancers::new(
                build(c, Flavor::Rackspace)?.cloud_load_balancers(),
            ))
        })
        .with_dns(|c| {
            Ok(cloud_core::Dns::new(
                build(c, Flavor::Rackspace)?.cloud_dns(),
            ))
        });
