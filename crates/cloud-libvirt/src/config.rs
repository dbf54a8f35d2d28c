//! How a libvirt connection is chosen: its URI, the storage pool images
//! come from, the network new domains join and the domain type they get.

use cloud_core::{Error, ProviderConfig, Result};
use virt::connect::Connect;

use crate::PROVIDER;
use crate::compute::LibvirtCompute;

/// The connection URI when neither the `uri` option nor an endpoint is
/// given.
pub const DEFAULT_URI: &str = "qemu:///system";

cloud_core::provider_options! {
    /// [`CONFIG_OPTIONS`] as read from a `ProviderConfig`.
    struct Options;
    /// Options `LibvirtBuilder::from_config` reads.
    pub const CONFIG_OPTIONS;

    /// Connection URI: qemu:///system (the default, unless an endpoint is given), qemu+ssh://host/system, test:///default
    uri: Option<String> = Text;
    /// Storage pool whose volumes are the images
    image_pool: String = Text("default");
    /// Storage pool whose volumes are the volumes (default: the image pool)
    volume_pool: Option<String> = Text;
    /// Network new domains join
    network: String = Text("default");
    /// Domain type of new domains (kvm, qemu; test on test:// URIs)
    domain_type: Option<String> = Text;
}

/// Options for a libvirt connection.
///
/// ```no_run
/// use cloud_libvirt::LibvirtBuilder;
///
/// let compute = LibvirtBuilder::new()
///     .uri("qemu+ssh://admin@host.example/system")
///     .image_pool("images")
///     .connect()?;
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LibvirtBuilder {
    uri: String,
    image_pool: String,
    volume_pool: Option<String>,
    network: String,
    domain_type: Option<String>,
}

impl Default for LibvirtBuilder {
    fn default() -> Self {
        let options = Options::defaults();
        LibvirtBuilder {
            uri: DEFAULT_URI.to_owned(),
            image_pool: options.image_pool,
            volume_pool: None,
            network: options.network,
            domain_type: None,
        }
    }
}

impl LibvirtBuilder {
    /// `qemu:///system`, pool `default`, network `default`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the options of [`CONFIG_OPTIONS`] (the endpoint, if set, is
    /// the URI); any other option, or an ill-typed one, is refused by name.
    pub fn from_config(config: &ProviderConfig) -> Result<Self> {
        let options = Options::read(config, PROVIDER)?;
        Ok(LibvirtBuilder {
            uri: options
                .uri
                .or_else(|| config.endpoint_str().map(str::to_owned))
                .unwrap_or_else(|| DEFAULT_URI.to_owned()),
            image_pool: options.image_pool,
            volume_pool: options.volume_pool,
            network: options.network,
            domain_type: options.domain_type,
        })
    }

    /// The connection URI.
    #[must_use]
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = uri.into();
        self
    }

    /// The storage pool whose volumes are the images.
    #[must_use]
    pub fn image_pool(mut self, pool: impl Into<String>) -> Self {
        self.image_pool = pool.into();
        self
    }

    /// The storage pool whose volumes are the volumes (default: the image
    /// pool; in libvirt any volume can be a boot disk).
    #[must_use]
    pub fn volume_pool(mut self, pool: impl Into<String>) -> Self {
        self.volume_pool = Some(pool.into());
        self
    }

    /// The network new domains join.
    #[must_use]
    pub fn network(mut self, network: impl Into<String>) -> Self {
        self.network = network.into();
        self
    }

    /// The domain type of new domains (default: `test` on `test://` URIs,
    /// `kvm` elsewhere).
    #[must_use]
    pub fn domain_type(mut self, kind: impl Into<String>) -> Self {
        self.domain_type = Some(kind.into());
        self
    }

    /// Opens the connection (blocking: call it before the runtime, or from
    /// `spawn_blocking`) and returns its compute driver.
    pub fn connect(self) -> Result<LibvirtCompute> {
        silence_default_error_printer();
        let conn = Connect::open(Some(&self.uri)).map_err(|e| {
            Error::new(
                cloud_core::ErrorKind::Transport,
                format!(
                    "cannot open libvirt connection `{}`: {}",
                    self.uri,
                    e.message()
                ),
            )
            .with_provider(PROVIDER)
        })?;
        let domain_type = self.domain_type.unwrap_or_else(|| {
            if self.uri.starts_with("test:") {
                "test".to_owned()
            } else {
                "kvm".to_owned()
            }
        });
        let volume_pool = self.volume_pool.unwrap_or_else(|| self.image_pool.clone());
        Ok(LibvirtCompute::new(
            conn,
            self.uri,
            (self.image_pool, volume_pool),
            self.network,
            domain_type,
        ))
    }
}

/// libvirt prints every error to stderr unless told not to (`libvirt:
/// Domain Config error : Invalid UUID` on a lookup the driver expects to
/// fail). Its errors reach callers as this driver's typed errors, so the
/// printer goes, once per process.
fn silence_default_error_printer() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(virt::error::clear_error_callback);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_typed_and_typos_refused() {
        let config = ProviderConfig::new()
            .option("uri", "test:///default")
            .option("image_pool", "images");
        let builder = LibvirtBuilder::from_config(&config).unwrap();
        assert_eq!(builder.uri, "test:///default");
        assert_eq!(builder.image_pool, "images");
        assert_eq!(builder.network, "default");
        let by_endpoint = ProviderConfig::new().endpoint("test:///default");
        assert_eq!(
            LibvirtBuilder::from_config(&by_endpoint).unwrap().uri,
            "test:///default"
        );
        assert_eq!(
            LibvirtBuilder::from_config(&ProviderConfig::new())
                .unwrap()
                .uri,
            DEFAULT_URI
        );
        let typo = ProviderConfig::new().option("imagepool", "images");
        let err = LibvirtBuilder::from_config(&typo).unwrap_err();
        assert!(
            err.to_string().contains("unknown option `imagepool`"),
            "{err}"
        );
    }
}
