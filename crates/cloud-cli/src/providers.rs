//! Building handles for the providers a command names.
//!
//! Cloud providers come from the umbrella crate's registry. The embedded
//! ones are set up here so that they persist: `local` storage in the data
//! folder, and `memory` compute, load balancers and DNS in state files
//! beside it, so each command sees what the previous ones did.

use std::path::PathBuf;
use std::time::Duration;

use cloud::{Compute, Dns, LoadBalancers, Registry, Result, Storage};
use cloud_local::LocalStorage;
use cloud_memory::{MemoryCompute, MemoryDns, MemoryLoadBalancer};

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

    fn embedded_delay(&self) -> Result<Duration> {
        let config = self.settings.provider_config("memory");
        config.check_options("memory", cloud_memory::CONFIG_OPTIONS)?;
        Ok(config
            .u64_option("transition_delay_ms")?
            .map(Duration::from_millis)
            .unwrap_or(EMBEDDED_DELAY))
    }

    /// Object storage of `provider`.
    pub fn storage(&self, provider: &str) -> Result<Storage> {
        let config = self.settings.provider_config(provider);
        if provider == cloud_local::PROVIDER
            && config.endpoint_str().is_none()
            && config.option_value("root").is_none()
        {
            return Ok(Storage::new(LocalStorage::new(data_dir()?.join("local"))?));
        }
        self.registry.storage(provider, &config)
    }

    /// Compute of the command's provider.
    pub fn compute(&self) -> Result<Compute> {
        let provider = self.settings.default_provider();
        if provider == cloud_memory::PROVIDER {
            let driver = MemoryCompute::open(self.state_file("compute")?, self.embedded_delay()?)?;
            return Ok(Compute::new(driver));
        }
        self.registry
            .compute(&provider, &self.settings.provider_config(&provider))
    }

    /// Load balancers of the command's provider.
    pub fn load_balancers(&self) -> Result<LoadBalancers> {
        let provider = self.settings.default_provider();
        if provider == cloud_memory::PROVIDER {
            let driver =
                MemoryLoadBalancer::open(self.state_file("loadbalancer")?, self.embedded_delay()?)?;
            return Ok(LoadBalancers::new(driver));
        }
        self.registry
            .load_balancers(&provider, &self.settings.provider_config(&provider))
    }

    /// DNS of the command's provider.
    pub fn dns(&self) -> Result<Dns> {
        let provider = self.settings.default_provider();
        if provider == cloud_memory::PROVIDER {
            return Ok(Dns::new(MemoryDns::open(self.state_file("dns")?)?));
        }
        self.registry
            .dns(&provider, &self.settings.provider_config(&provider))
    }
}
