//! Picking a driver by provider name at run time.
//!
//! Every provider compiled in registers its description and constructors
//! here. Asking for a provider that exists but was not compiled in names the
//! feature to enable, rather than pretending it does not exist.

use cloud_core::{
    Api, Compute, Dns, Error, LoadBalancers, ProviderConfig, ProviderDescription, Result, Storage,
};

/// Every provider this project ships, with the cargo feature of the
/// `cloud` crate that compiles it in.
pub const KNOWN_PROVIDERS: &[(&str, &str)] = &[
    ("memory", "memory"),
    ("local", "local"),
    ("aws", "aws"),
    ("openstack", "openstack"),
    ("rackspace", "rackspace"),
];

type Make<T> = fn(&ProviderConfig) -> Result<T>;

/// One compiled-in provider.
#[derive(Clone, Copy)]
struct Entry {
    description: ProviderDescription,
    compute: Option<Make<Compute>>,
    storage: Option<Make<Storage>>,
    load_balancer: Option<Make<LoadBalancers>>,
    dns: Option<Make<Dns>>,
}

#[cfg(feature = "aws")]
fn aws(config: &ProviderConfig) -> Result<cloud_aws::Aws> {
    cloud_aws::AwsBuilder::from_config(config)?.build()
}

#[cfg(feature = "openstack")]
fn openstack(config: &ProviderConfig) -> Result<cloud_openstack::OpenStack> {
    cloud_openstack::OpenStackBuilder::from_config(config, cloud_openstack::Flavor::OpenStack)?
        .build()
}

#[cfg(feature = "rackspace")]
fn rackspace(config: &ProviderConfig) -> Result<cloud_openstack::OpenStack> {
    cloud_openstack::OpenStackBuilder::from_config(config, cloud_openstack::Flavor::Rackspace)?
        .build()
}

/// The providers compiled into this build, by name.
///
/// ```
/// use cloud::{ProviderConfig, Registry};
///
/// let registry = Registry::new();
/// assert!(registry.names().any(|n| n == "memory"));
/// let err = registry.compute("no-such-cloud", &ProviderConfig::new()).unwrap_err();
/// assert!(err.to_string().contains("unknown provider"));
/// ```
#[derive(Clone)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// Every provider compiled into this build.
    pub fn new() -> Self {
        #[allow(unused_mut)]
        let mut entries: Vec<Entry> = Vec::new();
        #[cfg(feature = "memory")]
        entries.push(Entry {
            description: cloud_memory::DESCRIPTION,
            compute: Some(|c| {
                Ok(Compute::new(
                    cloud_memory::MemoryCloud::from_config(c)?.compute(),
                ))
            }),
            storage: Some(|c| {
                Ok(Storage::new(
                    cloud_memory::MemoryCloud::from_config(c)?.storage(),
                ))
            }),
            load_balancer: Some(|c| {
                Ok(LoadBalancers::new(
                    cloud_memory::MemoryCloud::from_config(c)?.load_balancer(),
                ))
            }),
            dns: Some(|c| Ok(Dns::new(cloud_memory::MemoryCloud::from_config(c)?.dns()))),
        });
        #[cfg(feature = "local")]
        entries.push(Entry {
            description: cloud_local::DESCRIPTION,
            compute: None,
            storage: Some(|c| Ok(Storage::new(cloud_local::LocalStorage::from_config(c)?))),
            load_balancer: None,
            dns: None,
        });
        #[cfg(feature = "aws")]
        entries.push(Entry {
            description: cloud_aws::DESCRIPTION,
            compute: Some(|c| Ok(Compute::new(aws(c)?.ec2()?))),
            storage: Some(|c| Ok(Storage::new(aws(c)?.s3()?))),
            load_balancer: Some(|c| Ok(LoadBalancers::new(aws(c)?.elb()?))),
            dns: Some(|c| Ok(Dns::new(aws(c)?.route53()?))),
        });
        #[cfg(feature = "openstack")]
        entries.push(Entry {
            description: cloud_openstack::DESCRIPTION_OPENSTACK,
            compute: Some(|c| Ok(Compute::new(openstack(c)?.nova()))),
            storage: Some(|c| Ok(Storage::new(openstack(c)?.swift()))),
            load_balancer: Some(|c| Ok(LoadBalancers::new(openstack(c)?.octavia()))),
            dns: Some(|c| Ok(Dns::new(openstack(c)?.designate()))),
        });
        #[cfg(feature = "rackspace")]
        entries.push(Entry {
            description: cloud_openstack::DESCRIPTION_RACKSPACE,
            compute: Some(|c| Ok(Compute::new(rackspace(c)?.nova()))),
            storage: Some(|c| Ok(Storage::new(rackspace(c)?.swift()))),
            load_balancer: Some(|c| Ok(LoadBalancers::new(rackspace(c)?.cloud_load_balancers()))),
            dns: Some(|c| Ok(Dns::new(rackspace(c)?.cloud_dns()))),
        });
        Registry { entries }
    }

    /// The names of the compiled-in providers.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|e| e.description.name)
    }

    /// The descriptions of the compiled-in providers.
    pub fn providers(&self) -> impl Iterator<Item = &ProviderDescription> + '_ {
        self.entries.iter().map(|e| &e.description)
    }

    /// The description of provider `name`, if it is compiled in.
    pub fn description(&self, name: &str) -> Option<&ProviderDescription> {
        self.providers().find(|d| d.name == name)
    }

    fn entry(&self, name: &str) -> Result<&Entry> {
        if let Some(entry) = self.entries.iter().find(|e| e.description.name == name) {
            return Ok(entry);
        }
        if let Some((_, feature)) = KNOWN_PROVIDERS.iter().find(|(n, _)| *n == name) {
            return Err(Error::invalid_input(format!(
                "provider `{name}` is not compiled in: enable the `{feature}` feature of the `cloud` crate"
            )));
        }
        let available: Vec<_> = self.names().collect();
        Err(Error::invalid_input(format!(
            "unknown provider `{name}` (available: {})",
            available.join(", ")
        )))
    }

    fn missing_api(name: &str, api: Api) -> Error {
        Error::invalid_input(format!("provider `{name}` has no {api} API"))
    }

    /// A compute handle for provider `name`.
    pub fn compute(&self, name: &str, config: &ProviderConfig) -> Result<Compute> {
        let make = self
            .entry(name)?
            .compute
            .ok_or_else(|| Self::missing_api(name, Api::Compute))?;
        make(config)
    }

    /// A storage handle for provider `name`.
    pub fn storage(&self, name: &str, config: &ProviderConfig) -> Result<Storage> {
        let make = self
            .entry(name)?
            .storage
            .ok_or_else(|| Self::missing_api(name, Api::Storage))?;
        make(config)
    }

    /// A load-balancer handle for provider `name`.
    pub fn load_balancers(&self, name: &str, config: &ProviderConfig) -> Result<LoadBalancers> {
        let make = self
            .entry(name)?
            .load_balancer
            .ok_or_else(|| Self::missing_api(name, Api::LoadBalancer))?;
        make(config)
    }

    /// A DNS handle for provider `name`.
    pub fn dns(&self, name: &str, config: &ProviderConfig) -> Result<Dns> {
        let make = self
            .entry(name)?
            .dns
            .ok_or_else(|| Self::missing_api(name, Api::Dns))?;
        make(config)
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::ErrorKind;

    use super::*;

    #[test]
    fn a_known_provider_left_out_names_its_feature() {
        let empty = Registry {
            entries: Vec::new(),
        };
        let err = empty.storage("memory", &ProviderConfig::new()).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert_eq!(
            err.to_string(),
            "provider `memory` is not compiled in: enable the `memory` feature of the `cloud` crate"
        );
    }

    #[test]
    fn unknown_providers_and_missing_apis_are_clear() {
        let registry = Registry::new();
        let err = registry.dns("nimbus", &ProviderConfig::new()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unknown provider `nimbus` (available: "),
            "{err}"
        );
        #[cfg(feature = "local")]
        {
            let err = registry
                .compute("local", &ProviderConfig::new())
                .unwrap_err();
            assert_eq!(err.to_string(), "provider `local` has no compute API");
        }
    }

    #[test]
    fn every_compiled_provider_is_known_and_builds_its_apis() {
        let registry = Registry::new();
        for provider in registry.providers() {
            assert!(
                KNOWN_PROVIDERS.contains(&(provider.name, provider.feature)),
                "{} missing from KNOWN_PROVIDERS",
                provider.name
            );
        }
        #[cfg(feature = "memory")]
        {
            let config = ProviderConfig::new();
            assert_eq!(
                registry.compute("memory", &config).unwrap().provider(),
                "memory"
            );
            assert_eq!(
                registry.storage("memory", &config).unwrap().provider(),
                "memory"
            );
            assert_eq!(
                registry
                    .load_balancers("memory", &config)
                    .unwrap()
                    .provider(),
                "memory"
            );
            assert_eq!(
                registry.dns("memory", &config).unwrap().provider(),
                "memory"
            );
            let typo = ProviderConfig::new().option("transition_delay", "5");
            assert!(
                registry.compute("memory", &typo).is_err(),
                "unknown options are refused"
            );
        }
    }
}
