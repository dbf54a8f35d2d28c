//! libvirt for `cloud`: the domains of any libvirt connection as compute
//! nodes (`qemu:///system`, `qemu+ssh://host/system`, `test:///default`).
//!
//! Images are the volumes of one storage pool (`image_pool`), a new node is
//! a domain defined on a volume and started, volumes are the volumes of
//! `volume_pool` (the image pool unless set), and the one location is the
//! connection's host. libvirt's blocking calls run on tokio's blocking pool.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_core::{Compute, CreateNode};
//! use cloud_libvirt::LibvirtBuilder;
//!
//! let compute = Compute::new(LibvirtBuilder::new().uri("qemu:///system").connect()?);
//! let node = compute
//!     .create_node(&CreateNode::new("web-1", "medium", "debian-12.qcow2"))
//!     .await?;
//! println!("{} is {}", node.name, node.state);
//! # Ok(()) }
//! ```

mod attach;
mod compute;
mod config;
mod domain;
mod error;
mod volume;

use cloud_core::{Api, ExtraOperation, ProviderDescription};

pub use compute::LibvirtCompute;
pub use config::{CONFIG_OPTIONS, DEFAULT_URI, LibvirtBuilder};

/// The provider name in the registry.
pub const PROVIDER: &str = "libvirt";

/// What this provider offers, for the registry and the provider matrix.
pub const DESCRIPTION: ProviderDescription = ProviderDescription {
    name: PROVIDER,
    title: "libvirt (KVM/QEMU and any libvirt connection): domains as nodes",
    feature: "libvirt",
    compute: Some(compute::CAPABILITIES),
    storage: None,
    load_balancer: None,
    dns: None,
    extras: &[ExtraOperation {
        api: Api::Compute,
        name: "ex_create_image_volume",
        description: "Creates an empty raw volume in the image pool",
    }],
    options: CONFIG_OPTIONS,
};

/// The registry's entry.
pub const ENTRY: cloud_core::provider::Provider = cloud_core::provider::Provider::new(DESCRIPTION)
    .with_compute(|c| {
        Ok(cloud_core::Compute::new(
            LibvirtBuilder::from_config(c)?.connect()?,
        ))
    });
