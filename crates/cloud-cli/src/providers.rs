//! Building handles for the providers a command names.
//!
//! Cloud providers come from the umbrella crate's registry. The embedded
//! ones are set up here so that they persist: `local` storage in the data
//! folder, and `memory` compute, load balancers and DNS in state files
//! beside it, so each command sees what the previous ones did.

use std::path::PathBuf;
use std::time::Duration;

use cloud::{Compute, Dns, Error, LoadBalancers, Registry, Result, Storage};
use cloud_local::LocalStorage;
use cloud_memory::{MemoryCompute, MemoryDns, MemoryLoadBalancers};

use crate::config::{Settings, data_dir};

/// How long embedded nodes and balancers take to start, by default.
const EMBEDDED_DELAY: Duration = Duration::from_secs(2);

/// Makes handles for one command.
#[derive(Debug)]
pub struct Providers {
    pub settings: Settings,
    registry: Registry,
}

impl Providers {
    pub fn new(settings: Settings) -> Self {
        Providers {
            settings,
            registry: Registry::new(),
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    fn state_file(&self, name: &str) -> Result<PathBuf> {
        Ok(data_dir()?.join("state").join(format!("{name}.json")))
    }

    /// The embedded providers' transition delay, refusing unknown options.
    fn embedded_delay(&self) -> Result<Duration> {
        let config = self.settings.provider_config(cloud_memory::PROVIDER)?;
        config.check_options(cloud_memory::PROVIDER, cloud_memory::CONFIG_OPTIONS)?;
        Ok(config
            .u64_option("transition_delay_ms")?
            .map(Duration::from_millis)
            .unwrap_or(EMBEDDED_DELAY))
    }

    /// The folder of the embedded `local` store, when `provider` is that store.
    pub fn embedded_local_root(&self, provider: &str) -> Result<Option<PathBuf>> {
        if provider != cloud_local::PROVIDER {
            return Ok(None);
        }
        let config = self.settings.provider_config(provider)?;
        if config.endpoint_str().is_some() {
            return Ok(config.endpoint_str().map(PathBuf::from));
        }
        if let Some(root) = config.option_value("root") {
            return Ok(Some(PathBuf::from(root.expose())));
        }
        Ok(Some(data_dir()?.join("local")))
    }

    /// Object storage of `provider`.
    pub fn storage(&self, provider: &str) -> Result<Storage> {
        let config = self.settings.provider_config(provider)?;
        if provider == cloud_local::PROVIDER
            && config.endpoint_str().is_none()
            && config.option_value("root").is_none()
        {
            config.check_options(provider, cloud_local::CONFIG_OPTIONS)?;
            let store = LocalStorage::new(data_dir()?.join("local"))?;
            // What killed uploads left in the store goes at its next use.
            let _ = store.ex_clean_temporary_files();
            return Ok(Storage::new(store));
        }
        self.registry.storage(provider, &config)
    }

    /// The embedded `local` store itself, for its extras.
    pub fn local_store(&self, provider: &str) -> Result<Option<LocalStorage>> {
        match self.embedded_local_root(provider)? {
            Some(root) => Ok(Some(LocalStorage::new(root)?)),
            None => Ok(None),
        }
    }

    /// Compute of the command's provider.
    pub fn compute(&self) -> Result<Compute> {
        let provider = self.settings.default_provider();
        self.settings.check_flag_options(&[&provider])?;
        if provider == cloud_memory::PROVIDER {
            let mut driver =
                MemoryCompute::open(self.state_file("compute")?, self.embedded_delay()?)?;
            let config = self.settings.provider_config(cloud_memory::PROVIDER)?;
            if let Some(endpoint) = cloud_memory::ssh_endpoint_option(&config)? {
                driver = driver.with_ssh_endpoint(endpoint);
            }
            return Ok(Compute::new(driver));
        }
        self.registry
            .compute(&provider, &self.settings.provider_config(&provider)?)
    }

    /// Load balancers of the command's provider.
    pub fn load_balancers(&self) -> Result<LoadBalancers> {
        let provider = self.settings.default_provider();
        self.settings.check_flag_options(&[&provider])?;
        if provider == cloud_memory::PROVIDER {
            let delay = self.embedded_delay()?;
            let nodes = MemoryCompute::open(self.state_file("compute")?, delay)?;
            let driver = MemoryLoadBalancers::open(self.state_file("loadbalancer")?, delay)?
                .with_nodes(nodes);
            return Ok(LoadBalancers::new(driver));
        }
        self.registry
            .load_balancers(&provider, &self.settings.provider_config(&provider)?)
    }

    /// DNS of the command's provider.
    pub fn dns(&self) -> Result<Dns> {
        let provider = self.settings.default_provider();
        self.settings.check_flag_options(&[&provider])?;
        if provider == cloud_memory::PROVIDER {
            self.embedded_delay()?;
            return Ok(Dns::new(MemoryDns::open(self.state_file("dns")?)?));
        }
        self.registry
            .dns(&provider, &self.settings.provider_config(&provider)?)
    }

    /// The Swift driver of an OpenStack or Rackspace account, for the
    /// Swift-only operations (temporary-URL key, keeping segments).
    #[cfg(any(feature = "openstack", feature = "rackspace"))]
    pub fn swift(&self, provider: &str) -> Result<cloud::openstack::SwiftStorage> {
        use cloud::openstack::{Flavor, OpenStackBuilder};
        let flavor = match provider {
            "openstack" => Flavor::OpenStack,
            "rackspace" => Flavor::Rackspace,
            other => return Err(not_swift(other)),
        };
        self.registry
            .description(provider)
            .ok_or_else(|| not_swift(provider))?;
        let config = self.settings.provider_config(provider)?;
        Ok(OpenStackBuilder::from_config(&config, flavor)?
            .build()?
            .swift())
    }

    #[cfg(not(any(feature = "openstack", feature = "rackspace")))]
    pub fn swift(&self, provider: &str) -> Result<std::convert::Infallible> {
        Err(not_swift(provider))
    }
}

fn not_swift(provider: &str) -> Error {
    Error::unsupported(provider, cloud::Capability::SignedUrl).with_message(format!(
        "`{provider}` is not a Swift account (openstack or rackspace, compiled in)"
    ))
}
