//! `cloud`: one async interface over many cloud providers.
//!
//! The Rust successor to Apache Libcloud. Write against four portable
//! handles, [`Compute`], [`Storage`], [`LoadBalancers`] and [`Dns`], and pick
//! the provider at compile time (one crate per provider, behind a cargo
//! feature) or at run time through the [`Registry`].
//!
//! | feature  | crate          | APIs |
//! |----------|----------------|------|
//! | `memory` (default) | [`memory`] | compute, storage, load balancer, DNS |
//! | `local` (default)  | [`local`] | storage |
//! | `aws`              | `aws` (`cloud_aws`) | compute (EC2), storage (S3), load balancer (classic ELB), DNS (Route 53) |
//! | `aws-s3`, `aws-ec2`, `aws-elb`, `aws-route53` | `aws` (`cloud_aws`) | one AWS service each (`aws` is all four) |
//! | `openstack`        | `openstack` (`cloud_openstack`) | storage (Swift); Keystone identity |
//! | `rackspace`        | `openstack` (`cloud_openstack`) | storage (Cloud Files, with CDN) |
//! | `libvirt`          | `libvirt` (`cloud_libvirt`) | compute (domains of any libvirt connection; links the system's libvirt) |
//! | `gandi`            | `gandi` (`cloud_gandi`) | DNS (LiveDNS v5; snapshots as extras) |
//! | `cloudsigma`       | `cloudsigma` (`cloud_cloudsigma`) | compute (API 2.0: servers, library drives, drives, snapshots, key pairs) |
//! | `google`           | `google` (`cloud_google`) | storage (Cloud Storage JSON API: resumable uploads, V4 signed URLs) |
//!
//! | `deploy`           | [`deploy`](https://docs.rs/cloud-deploy) (`cloud_deploy`) | deployment over SSH on any compute provider: `deploy_node`, steps, host-key policy |
//!
//! Only the providers you enable are compiled; `local` and `memory` need no
//! HTTP stack at all.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud::Result<()> {
//! use cloud::{ProviderConfig, Registry, UploadOptions};
//!
//! let registry = Registry::new();
//! let storage = registry.storage("memory", &ProviderConfig::new())?;
//! storage.create_container("reports").await?;
//! storage.upload_bytes("reports", "q1.csv", "region,total\n", &UploadOptions::new()).await?;
//! for object in storage.list_objects_vec("reports", None).await? {
//!     println!("{} ({} bytes)", object.name, object.size);
//! }
//! # Ok(()) }
//! ```

/// The README's Rust examples, compiled as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

mod matrix;
#[macro_use]
mod registry;

pub use cloud_core::*;
/// Deployment over SSH: create a node, wait for it, log in and run steps.
#[cfg(feature = "deploy")]
pub use cloud_deploy as deploy;
pub use matrix::provider_matrix;
pub use registry::Registry;

// One line per provider crate (see `registry::providers!`).
providers! {
    cloud_memory as memory: "memory" ["memory"] => ENTRY;
    cloud_local as local: "local" ["local"] => ENTRY;
    cloud_aws as aws: "aws" ["aws-s3", "aws-ec2", "aws-elb", "aws-route53"] => ENTRY;
    cloud_openstack as openstack: "openstack" ["openstack"] => ENTRY_OPENSTACK,
        "rackspace" ["rackspace"] => ENTRY_RACKSPACE;
    cloud_libvirt as libvirt: "libvirt" ["libvirt"] => ENTRY;
    cloud_gandi as gandi: "gandi" ["gandi"] => ENTRY;
    cloud_cloudsigma as cloudsigma: "cloudsigma" ["cloudsigma"] => ENTRY;
    cloud_google as google: "google" ["google"] => ENTRY;
}
