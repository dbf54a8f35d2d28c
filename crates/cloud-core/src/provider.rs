//! A provider crate's registration: what it is and how to build a handle
//! for each API it implements from a [`ProviderConfig`].
//!
//! Each provider crate exports one (or one per flavour) so the umbrella's
//! registry lists crates rather than knowing how each is built: adding a
//! provider there is one line. The constructors exist only for the APIs
//! compiled in (the `storage`, `compute`, `loadbalancer` and `dns`
//! features), so a crate registers exactly what it built.

use crate::capability::ProviderDescription;
use crate::config::ProviderConfig;
use crate::error::Result;

/// Builds one API's handle from a configuration.
pub type Make<T> = fn(&ProviderConfig) -> Result<T>;

/// A provider as the registry sees it.
///
/// ```
/// use cloud_core::{Capabilities, ProviderConfig, ProviderDescription, Storage};
/// use cloud_core::provider::Provider;
/// # #[derive(Debug)] struct Nothing;
/// # impl cloud_core::Driver for Nothing {
/// #     fn provider(&self) -> &str { "nothing" }
/// #     fn capabilities(&self) -> Capabilities { Capabilities::NONE }
/// # }
/// # #[async_trait::async_trait]
/// # impl cloud_core::StorageDriver for Nothing {
/// # }
///
/// const DESCRIPTION: ProviderDescription = ProviderDescription {
///     name: "nothing",
///     title: "Stores nothing",
///     feature: "nothing",
///     compute: None,
///     storage: Some(Capabilities::NONE),
///     load_balancer: None,
///     dns: None,
///     extras: &[],
///     options: &[],
/// };
/// pub const ENTRY: Provider = Provider::new(DESCRIPTION)
///     .with_storage(|_config| Ok(Storage::new(Nothing)));
///
/// let storage = ENTRY.storage(&ProviderConfig::new()).unwrap().unwrap();
/// assert_eq!(storage.provider(), "nothing");
/// ```
#[derive(Clone, Copy)]
pub struct Provider {
    description: ProviderDescription,
    #[cfg(feature = "compute")]
    compute: Option<Make<crate::Compute>>,
    #[cfg(feature = "storage")]
    storage: Option<Make<crate::Storage>>,
    #[cfg(feature = "loadbalancer")]
    load_balancer: Option<Make<crate::LoadBalancers>>,
    #[cfg(feature = "dns")]
    dns: Option<Make<crate::Dns>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("name", &self.description.name)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// A provider with no API constructors yet.
    pub const fn new(description: ProviderDescription) -> Self {
        Provider {
            description,
            #[cfg(feature = "compute")]
            compute: None,
            #[cfg(feature = "storage")]
            storage: None,
            #[cfg(feature = "loadbalancer")]
            load_balancer: None,
            #[cfg(feature = "dns")]
            dns: None,
        }
    }

    /// What the provider offers.
    pub const fn description(&self) -> &ProviderDescription {
        &self.description
    }

    /// The provider's registry name.
    pub const fn name(&self) -> &'static str {
        self.description.name
    }

    /// Registers the compute constructor.
    #[cfg(feature = "compute")]
    #[must_use]
    pub const fn with_compute(mut self, make: Make<crate::Compute>) -> Self {
        self.compute = Some(make);
        self
    }

    /// Registers the storage constructor.
    #[cfg(feature = "storage")]
    #[must_use]
    pub const fn with_storage(mut self, make: Make<crate::Storage>) -> Self {
        self.storage = Some(make);
        self
    }

    /// Registers the load-balancer constructor.
    #[cfg(feature = "loadbalancer")]
    #[must_use]
    pub const fn with_load_balancers(mut self, make: Make<crate::LoadBalancers>) -> Self {
        self.load_balancer = Some(make);
        self
    }

    /// Registers the DNS constructor.
    #[cfg(feature = "dns")]
    #[must_use]
    pub const fn with_dns(mut self, make: Make<crate::Dns>) -> Self {
        self.dns = Some(make);
        self
    }

    /// A compute handle, or `None` if the provider has no compute API here.
    #[cfg(feature = "compute")]
    pub fn compute(&self, config: &ProviderConfig) -> Option<Result<crate::Compute>> {
        self.compute.map(|make| make(config))
    }

    /// A storage handle, or `None` if the provider has no storage API here.
    #[cfg(feature = "storage")]
    pub fn storage(&self, config: &ProviderConfig) -> Option<Result<crate::Storage>> {
        self.storage.map(|make| make(config))
    }

    /// A load-balancer handle, or `None` if the provider has none here.
    #[cfg(feature = "loadbalancer")]
    pub fn load_balancers(&self, config: &ProviderConfig) -> Option<Result<crate::LoadBalancers>> {
        self.load_balancer.map(|make| make(config))
    }

    /// A DNS handle, or `None` if the provider has no DNS API here.
    #[cfg(feature = "dns")]
    pub fn dns(&self, config: &ProviderConfig) -> Option<Result<crate::Dns>> {
        self.dns.map(|make| make(config))
    }
}
