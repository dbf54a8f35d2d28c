//! CloudSigma for `cloud`: API 2.0 servers as compute nodes.
//!
//! One client serves one region (`zrh`, `fra`, `tyo`... each its own
//! endpoint) with the account's e-mail and password. Sizes are CPU MHz and
//! memory, images are library drives (cloned into the account for each new
//! node), volumes are drives, and balance, subscriptions, firewall
//! policies, tags and drive clones and resizes are extras on
//! [`CloudSigmaCompute`].
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_core::{Compute, CreateNode, NodeAuth};
//! use cloud_cloudsigma::CloudSigmaBuilder;
//!
//! let cloudsigma = CloudSigmaBuilder::new().region("zrh").build()?; // CLOUDSIGMA_USERNAME/PASSWORD
//! let compute = Compute::new(cloudsigma.clone());
//! let image = &compute.list_images_vec().await?[0];
//! let node = compute
//!     .create_node(
//!         &CreateNode::new("web-1", "small", &image.id)
//!             .auth(NodeAuth::SshKey("ssh-ed25519 AAAA... me@laptop".into())),
//!     )
//!     .await?;
//! println!("{} {:?}; balance {:?}", node.id, node.public_ips, cloudsigma.ex_balance().await?);
//! # Ok(()) }
//! ```

mod compute;
mod config;
mod error;

use cloud_core::{Api, ExtraOperation, ProviderDescription};

pub use compute::{Balance, CloudSigmaCompute, FirewallPolicy, Subscription, Tag};
pub use config::{CONFIG_OPTIONS, ChangeWait, CloudSigmaBuilder, DEFAULT_REGION, REGIONS, Region};

/// The provider name in the registry.
pub const PROVIDER: &str = "cloudsigma";

const fn extra(name: &'static str, description: &'static str) -> ExtraOperation {
    ExtraOperation {
        api: Api::Compute,
        name,
        description,
    }
}

/// What this provider offers, for the registry and the provider matrix.
pub const DESCRIPTION: ProviderDescription = ProviderDescription {
    name: PROVIDER,
    title: "CloudSigma (API 2.0): servers, library drives, drives, snapshots, key pairs",
    feature: "cloudsigma",
    compute: Some(compute::CAPABILITIES),
    storage: None,
    load_balancer: None,
    dns: None,
    extras: &[
        extra("ex_balance", "The account's prepaid balance"),
        extra("ex_list_subscriptions", "The account's subscriptions"),
        extra(
            "ex_list_firewall_policies",
            "The account's firewall policies",
        ),
        extra("ex_list_tags", "The account's tags"),
        extra("ex_create_tag", "Tags servers, drives or other resources"),
        extra("ex_delete_tag", "Deletes a tag"),
        extra("ex_clone_drive", "Copies a drive"),
        extra("ex_resize_drive", "Grows a drive"),
    ],
    options: CONFIG_OPTIONS,
};

/// The registry's entry.
pub const ENTRY: cloud_core::provider::Provider = cloud_core::provider::Provider::new(DESCRIPTION)
    .with_compute(|c| {
        Ok(cloud_core::Compute::new(
            CloudSigmaBuilder::from_config(c)?.build()?,
        ))
    });
