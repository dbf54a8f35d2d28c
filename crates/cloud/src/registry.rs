//! Picking a driver by provider name at run time.
//!
//! Every provider compiled in registers its description and constructors
//! here. Asking for a provider that exists but was not compiled in names the
//! feature to enable, rather than pretending it does not exist.

use cloud_core::provider::Provider;
use cloud_core::{Api, Error, ProviderConfig, ProviderDescription, Result};

use crate::{COMPILED, KNOWN_PROVIDERS};

/// Declares the provider crates, one line each: the crate, the module of
/// `cloud` that re-exports it, and its providers, each with its name (which
/// is also the `cloud` feature that compiles it in), the features any of
/// which compile it in (one per service where a provider has several), and
/// its entry. From these lines come the re-exports, [`KNOWN_PROVIDERS`] (the
/// list every build has) and the entries this build compiled; the one
/// invocation is in `lib.rs`.
macro_rules! providers {
    ($($krate:ident as $module:ident: $($name:literal [$($feature:literal),+] => $entry:ident),+;)+) => {
        $(
            #[doc = concat!("The `", stringify!($krate), "` crate (features", $($(" `", $feature, "`"),+),+, ").")]
            #[cfg(any($($(feature = $feature),+),+))]
            pub use $krate as $module;
        )+

        /// Every provider this project ships, with the cargo feature of the
        /// `cloud` crate that compiles it in.
        pub const KNOWN_PROVIDERS: &[(&str, &str)] = &[$($(($name, $name)),+),+];

        /// The entries of the providers compiled in.
        const COMPILED: &[cloud_core::provider::Provider] = &[$($(
            #[cfg(any($(feature = $feature),+))]
            $krate::$entry,
        )+)+];
    };
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
    entries: Vec<Provider>,
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
        Registry {
            entries: COMPILED.to_vec(),
        }
    }

    /// The names of the providers compiled in.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(Provider::name)
    }

    /// The descriptions of the compiled-in providers.
    pub fn providers(&self) -> impl Iterator<Item = &ProviderDescription> + '_ {
        self.entries.iter().map(Provider::description)
    }

    /// The description of provider `name`, if it is compiled in.
    pub fn description(&self, name: &str) -> Option<&ProviderDescription> {
        self.providers().find(|d| d.name == name)
    }

    fn entry(&self, name: &str) -> Result<&Provider> {
        if let Some(entry) = self.entries.iter().find(|e| e.name() == name) {
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

    /// A compute handle for provider `name` (feature `compute`).
    #[cfg(feature = "compute")]
    pub fn compute(&self, name: &str, config: &ProviderConfig) -> Result<cloud_core::Compute> {
        self.entry(name)?
            .compute(config)
            .unwrap_or_else(|| Err(Self::missing_api(name, Api::Compute)))
    }

    /// A storage handle for provider `name` (feature `storage`).
    #[cfg(feature = "storage")]
    pub fn storage(&self, name: &str, config: &ProviderConfig) -> Result<cloud_core::Storage> {
        self.entry(name)?
            .storage(config)
            .unwrap_or_else(|| Err(Self::missing_api(name, Api::Storage)))
    }

    /// A load-balancer handle for provider `name` (feature `loadbalancer`).
    #[cfg(feature = "loadbalancer")]
    pub fn load_balancers(
        &self,
        name: &str,
        config: &ProviderConfig,
    ) -> Result<cloud_core::LoadBalancers> {
        self.entry(name)?
            .load_balancers(config)
            .unwrap_or_else(|| Err(Self::missing_api(name, Api::LoadBalancer)))
    }

    /// A DNS handle for provider `name` (feature `dns`).
    #[cfg(feature = "dns")]
    pub fn dns(&self, name: &str, config: &ProviderConfig) -> Result<cloud_core::Dns> {
        self.entry(name)?
            .dns(config)
            .unwrap_or_else(|| Err(Self::missing_api(name, Api::Dns)))
    }
}

#[cfg(all(test, feature = "storage", feature = "compute", feature = "dns"))]
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
