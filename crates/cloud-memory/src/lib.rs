//! In-memory providers for every `cloud` API: compute, storage, load
//! balancers and DNS.
//!
//! Stateful and self-contained: what you create is there when you list, and
//! gone when you delete; nodes and balancers move through their states on
//! their own clock (pending, then running), so code that waits for them is
//! exercised for real. Use it in your own tests and demos, and as the
//! reference implementation of the driver traits.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use std::time::Duration;
//! use cloud_core::{Compute, CreateNode};
//! use cloud_memory::MemoryCloud;
//!
//! let cloud = MemoryCloud::builder().transition_delay(Duration::from_millis(20)).build();
//! let compute = Compute::new(cloud.compute());
//! let node = compute.create_node(&CreateNode::new("web-1", "small", "debian-12")).await?;
//! let running = compute
//!     .wait_until_running(&[&node.id], Duration::from_secs(5), Duration::from_millis(5))
//!     .await?;
//! assert_eq!(running[0].name, "web-1");
//! # Ok(()) }
//! ```

mod clock;
mod compute;
mod dns;
mod loadbalancer;
mod persist;
mod storage;

use std::net::SocketAddr;
use std::time::Duration;

use cloud_core::{Api, ExtraOperation, ProviderConfig, ProviderDescription, Result};

pub use compute::MemoryCompute;
pub use dns::MemoryDns;
pub use loadbalancer::MemoryLoadBalancers;
/// The former name of [`MemoryLoadBalancers`].
#[deprecated(
    since = "0.1.0",
    note = "renamed `MemoryLoadBalancers`, like every load-balancer driver"
)]
pub type MemoryLoadBalancer = MemoryLoadBalancers;
pub use storage::MemoryStorage;

/// The provider name in the registry.
pub const PROVIDER: &str = "memory";

/// What this provider offers, for the registry and the provider matrix.
pub const DESCRIPTION: ProviderDescription = ProviderDescription {
    name: PROVIDER,
    title: "In-memory compute, storage, load balancers and DNS (stateful, for tests and demos)",
    feature: "memory",
    compute: Some(compute::CAPABILITIES),
    storage: Some(storage::CAPABILITIES),
    load_balancer: Some(loadbalancer::CAPABILITIES),
    dns: Some(dns::CAPABILITIES),
    extras: &[
        ExtraOperation {
            api: Api::Compute,
            name: "ex_add_image",
            description: "Adds an image to the catalogue",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_set_node_state",
            description: "Forces a node into a state (simulates crashes in tests)",
        },
        ExtraOperation {
            api: Api::Storage,
            name: "ex_bytes_used",
            description: "Total bytes stored across containers",
        },
    ],
    options: CONFIG_OPTIONS,
};

/// The registry's entry: one state per configuration, every API over it.
pub const ENTRY: cloud_core::provider::Provider = cloud_core::provider::Provider::new(DESCRIPTION)
    .with_compute(|c| {
        Ok(cloud_core::Compute::new(
            MemoryCloud::from_config(c)?.compute(),
        ))
    })
    .with_storage(|c| {
        Ok(cloud_core::Storage::new(
            MemoryCloud::from_config(c)?.storage(),
        ))
    })
    .with_load_balancers(|c| {
        Ok(cloud_core::LoadBalancers::new(
            MemoryCloud::from_config(c)?.load_balancer(),
        ))
    })
    .with_dns(|c| Ok(cloud_core::Dns::new(MemoryCloud::from_config(c)?.dns())));

cloud_core::provider_options! {
    /// The options of [`CONFIG_OPTIONS`], typed.
    struct Options;
    /// Options `MemoryCloud::from_config` understands.
    pub const CONFIG_OPTIONS;

    /// Milliseconds nodes and balancers spend pending, rebooting, stopping...
    transition_delay_ms: u64 = Number("500");
    /// host:port of an SSH server that new nodes answer on (deployment tests)
    ssh_endpoint: Option<String> = Text;
}

/// Options for an in-memory cloud.
#[derive(Debug, Clone)]
pub struct MemoryCloudBuilder {
    transition_delay: Duration,
    ssh_endpoint: Option<SocketAddr>,
}

impl MemoryCloudBuilder {
    /// How long a node or balancer spends in a transitional state (pending,
    /// rebooting, stopping...) before it settles. Default: 500 ms.
    #[must_use]
    pub fn transition_delay(mut self, delay: Duration) -> Self {
        self.transition_delay = delay;
        self
    }

    /// Nodes created by its compute drivers answer SSH at `endpoint`
    /// (see [`MemoryCompute::with_ssh_endpoint`]).
    #[must_use]
    pub fn ssh_endpoint(mut self, endpoint: SocketAddr) -> Self {
        self.ssh_endpoint = Some(endpoint);
        self
    }

    /// Builds the cloud.
    pub fn build(self) -> MemoryCloud {
        MemoryCloud {
            transition_delay: self.transition_delay,
            ssh_endpoint: self.ssh_endpoint,
        }
    }
}

/// A factory for in-memory drivers sharing one configuration. Each call
/// returns a driver with its own, empty state.
#[derive(Debug, Clone)]
pub struct MemoryCloud {
    transition_delay: Duration,
    ssh_endpoint: Option<SocketAddr>,
}

impl Default for MemoryCloud {
    fn default() -> Self {
        MemoryCloud::builder().build()
    }
}

impl MemoryCloud {
    /// Reads a run-time configuration: the option `transition_delay_ms`
    /// sets the transition delay; credentials, region and endpoint are ignored.
    pub fn from_config(config: &ProviderConfig) -> Result<Self> {
        let options = Options::read(config, PROVIDER)?;
        let mut builder =
            Self::builder().transition_delay(Duration::from_millis(options.transition_delay_ms));
        if let Some(endpoint) = options.ssh_endpoint {
            builder = builder.ssh_endpoint(parse_ssh_endpoint(&endpoint)?);
        }
        Ok(builder.build())
    }

    /// Starts configuring.
    pub fn builder() -> MemoryCloudBuilder {
        MemoryCloudBuilder {
            transition_delay: Duration::from_millis(Options::defaults().transition_delay_ms),
            ssh_endpoint: None,
        }
    }

    /// A compute driver with the built-in catalogue of sizes, images and locations.
    pub fn compute(&self) -> MemoryCompute {
        let compute = MemoryCompute::new(self.transition_delay);
        match self.ssh_endpoint {
            Some(endpoint) => compute.with_ssh_endpoint(endpoint),
            None => compute,
        }
    }

    /// An object-storage driver.
    pub fn storage(&self) -> MemoryStorage {
        MemoryStorage::new()
    }

    /// A load-balancer driver. It knows no nodes: link it to a compute
    /// driver with [`MemoryLoadBalancers::with_nodes`] to add members by
    /// node id.
    pub fn load_balancer(&self) -> MemoryLoadBalancers {
        MemoryLoadBalancers::new(self.transition_delay)
    }

    /// A DNS driver.
    pub fn dns(&self) -> MemoryDns {
        MemoryDns::new()
    }
}

/// The `ssh_endpoint` option (`host:port`), if set.
pub fn ssh_endpoint_option(config: &ProviderConfig) -> Result<Option<SocketAddr>> {
    config
        .option_value("ssh_endpoint")
        .map(|value| parse_ssh_endpoint(value.expose()))
        .transpose()
}

fn parse_ssh_endpoint(value: &str) -> Result<SocketAddr> {
    value.parse().map_err(|_| {
        cloud_core::Error::invalid_input(
            "option `ssh_endpoint` of provider `memory` must be an IP address and port, like 127.0.0.1:2222",
        )
    })
}
