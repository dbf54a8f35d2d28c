//! `cloud`: one async interface over many cloud providers.
//!
//! The Rust successor to Apache Libcloud. Write against four portable
//! handles, [`Compute`], [`Storage`], [`LoadBalancers`] and [`Dns`], and pick
//! the provider at compile time (one crate per provider, behind a cargo
//! feature) or at run time through the [`Registry`].
//!
//! <!-- providers:start -->
//! | feature | registry name | APIs |
//! |---|---|---|
//! | `memory` | `memory` | compute, storage, loadbalancer, dns — In-memory compute, storage, load balancers and DNS (stateful, for tests and demos) |
//! | `local` | `local` | storage — Object storage in a local folder (containers are subfolders, objects are files) |
//! | `aws` | `aws` | compute, storage, loadbalancer, dns — Amazon Web Services: EC2, S3 (and S3-compatible stores), classic ELB, Route 53 |
//! | `openstack` | `openstack` | compute, storage, loadbalancer, dns — OpenStack: Keystone, Nova + Cinder, Swift, Octavia, Designate |
//! | `rackspace` | `rackspace` | compute, storage, loadbalancer, dns — Rackspace: Cloud Servers + Block Storage, Cloud Files (with CDN), Cloud Load Balancers, Cloud DNS |
//! | `libvirt` | `libvirt` | compute — libvirt (KVM/QEMU and any libvirt connection): domains as nodes |
//! | `gandi` | `gandi` | dns — Gandi LiveDNS (v5): domains as zones, record sets as records |
//! | `cloudsigma` | `cloudsigma` | compute — CloudSigma (API 2.0): servers, library drives, drives, snapshots, key pairs |
//! | `google` | `google` | compute, storage, loadbalancer, dns — Google Cloud: Compute Engine, Cloud Storage (JSON API), network load balancing, Cloud DNS |
//! | `azure` | `azure` | storage — Microsoft Azure: Blob Storage (SharedKey or SAS, staged block uploads, service SAS URLs) |
//! | `powerdns` | `powerdns` | dns — PowerDNS Authoritative Server (HTTP API): zones, record sets as records |
//! <!-- providers:end -->
//!
//! AWS also has one feature per service (`aws-s3`, `aws-ec2`, `aws-elb`,
//! `aws-route53`; `aws` is all four), and `memory` and `local` are on by
//! default. Beside the providers:
//!
//! | feature | module | what |
//! |---|---|---|
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
pub use matrix::{feature_table, provider_matrix, readme_table};
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
    cloud_azure as azure: "azure" ["azure"] => ENTRY;
    cloud_powerdns as powerdns: "powerdns" ["powerdns"] => ENTRY;
}
