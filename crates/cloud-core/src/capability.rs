//! What each driver says it can do.
//!
//! A driver declares a [`Capabilities`] set; the portable handles and the
//! conformance suite trust it, and `docs/providers.md` is generated from it, so
//! the provider matrix and the code cannot drift apart. An operation left out
//! of the set must answer [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported),
//! which the default trait methods already do.

use std::fmt;

/// The four APIs a provider can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Api {
    /// Servers, sizes, images, locations, volumes, snapshots, key pairs.
    Compute,
    /// Containers and objects.
    Storage,
    /// Load balancers and their members.
    LoadBalancer,
    /// DNS zones and records.
    Dns,
}

impl Api {
    /// Every API, in documentation order.
    pub const ALL: [Api; 4] = [Api::Compute, Api::Storage, Api::LoadBalancer, Api::Dns];

    /// A short lowercase name (`compute`, `storage`, `loadbalancer`, `dns`).
    pub const fn name(self) -> &'static str {
        match self {
            Api::Compute => "compute",
            Api::Storage => "storage",
            Api::LoadBalancer => "loadbalancer",
            Api::Dns => "dns",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! capabilities {
    ($( $api:ident { $( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, )* } )*) => {
        /// One operation (or optional behaviour) of one API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Capability {
            $( $( $(#[doc = $doc])+ $variant, )* )*
        }

        impl Capability {
            /// Every capability, grouped by API in documentation order.
            pub const ALL: &'static [Capability] = &[ $( $( Capability::$variant, )* )* ];

            /// The API this capability belongs to.
            pub const fn api(self) -> Api {
                match self { $( $( Capability::$variant => Api::$api, )* )* }
            }

            /// The snake_case operation name, as used in docs and errors.
            pub const fn name(self) -> &'static str {
                match self { $( $( Capability::$variant => $name, )* )* }
            }

            /// A one-line description for the provider matrix.
            pub fn description(self) -> &'static str {
                let text: &'static str = match self { $( $( Capability::$variant => concat!($($doc),+), )* )* };
                text.trim()
            }
        }
    };
}

capabilities! {
    Compute {
        /// List nodes
        ListNodes = "list_nodes",
        /// Get one node
        GetNode = "get_node",
        /// Create a node
        CreateNode = "create_node",
        /// Destroy a node
        DestroyNode = "destroy_node",
        /// Reboot a node
        RebootNode = "reboot_node",
        /// Start a stopped node
        StartNode = "start_node",
        /// Stop a running node
        StopNode = "stop_node",
        /// List sizes
        ListSizes = "list_sizes",
        /// List images
        ListImages = "list_images",
        /// Get one image
        GetImage = "get_image",
        /// List locations
        ListLocations = "list_locations",
        /// List volumes
        ListVolumes = "list_volumes",
        /// Create a volume
        CreateVolume = "create_volume",
        /// Attach a volume to a node
        AttachVolume = "attach_volume",
        /// Detach a volume
        DetachVolume = "detach_volume",
        /// Destroy a volume
        DestroyVolume = "destroy_volume",
        /// List volume snapshots
        ListSnapshots = "list_snapshots",
        /// Snapshot a volume
        CreateSnapshot = "create_snapshot",
        /// Destroy a snapshot
        DestroySnapshot = "destroy_snapshot",
        /// List key pairs
        ListKeyPairs = "list_key_pairs",
        /// Get one key pair
        GetKeyPair = "get_key_pair",
        /// Create a key pair (provider generates the private key)
        CreateKeyPair = "create_key_pair",
        /// Import a public key
        ImportKeyPair = "import_key_pair",
        /// Delete a key pair
        DeleteKeyPair = "delete_key_pair",
    }
    Storage {
        /// List containers
        ListContainers = "list_containers",
        /// Get one container
        GetContainer = "get_container",
        /// Create a container
        CreateContainer = "create_container",
        /// Delete an empty container
        DeleteContainer = "delete_container",
        /// List objects (prefix, delimiter, pages)
        ListObjects = "list_objects",
        /// Object metadata without the body
        GetObject = "get_object",
        /// Streamed download
        Download = "download",
        /// Ranged download
        DownloadRange = "download_range",
        /// Streamed upload
        Upload = "upload",
        /// Large uploads in parts (multipart, SLO)
        MultipartUpload = "multipart_upload",
        /// List uploads begun and never completed (multipart uploads, orphaned segments)
        ListUploads = "list_uploads",
        /// Abort an unfinished upload, deleting its parts
        AbortUpload = "abort_upload",
        /// User metadata and content type kept with the object
        UserMetadata = "user_metadata",
        /// Create-only and If-Match uploads
        ConditionalUpload = "conditional_upload",
        /// If-Match downloads
        ConditionalDownload = "conditional_download",
        /// Server-side copy
        CopyObject = "copy_object",
        /// Delete an object
        DeleteObject = "delete_object",
        /// Signed (pre-authorised) URLs
        SignedUrl = "signed_url",
        /// Public CDN URLs
        CdnUrl = "cdn_url",
    }
    LoadBalancer {
        /// List protocols
        ListProtocols = "list_protocols",
        /// List supported algorithms
        ListAlgorithms = "list_supported_algorithms",
        /// List balancers
        ListBalancers = "list_balancers",
        /// Get one balancer
        GetBalancer = "get_balancer",
        /// Create a balancer
        CreateBalancer = "create_balancer",
        /// Update a balancer
        UpdateBalancer = "update_balancer",
        /// Destroy a balancer
        DestroyBalancer = "destroy_balancer",
        /// List members
        ListMembers = "list_members",
        /// Attach a member
        AttachMember = "attach_member",
        /// Detach a member
        DetachMember = "detach_member",
    }
    Dns {
        /// List zones
        ListZones = "list_zones",
        /// Get one zone
        GetZone = "get_zone",
        /// Create a zone
        CreateZone = "create_zone",
        /// Update a zone
        UpdateZone = "update_zone",
        /// Delete a zone
        DeleteZone = "delete_zone",
        /// List records
        ListRecords = "list_records",
        /// Get one record
        GetRecord = "get_record",
        /// Create a record
        CreateRecord = "create_record",
        /// Update a record
        UpdateRecord = "update_record",
        /// Delete a record
        DeleteRecord = "delete_record",
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Capability`] values, cheap to copy and usable in `const` items.
///
/// ```
/// use cloud_core::{Api, Capabilities, Capability};
///
/// const CAPS: Capabilities = Capabilities::all(Api::Storage)
///     .without(Capability::SignedUrl)
///     .without(Capability::CdnUrl);
/// assert!(CAPS.contains(Capability::Upload));
/// assert!(!CAPS.contains(Capability::CdnUrl));
/// assert!(!CAPS.contains(Capability::ListNodes));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u128);

impl Capabilities {
    /// The empty set.
    pub const NONE: Capabilities = Capabilities(0);

    const fn bit(cap: Capability) -> u128 {
        1u128 << (cap as u32)
    }

    /// Every capability of `api`.
    pub const fn all(api: Api) -> Self {
        let mut bits = 0u128;
        let mut i = 0;
        while i < Capability::ALL.len() {
            let cap = Capability::ALL[i];
            if cap.api() as u8 == api as u8 {
                bits |= Self::bit(cap);
            }
            i += 1;
        }
        Capabilities(bits)
    }

    /// Exactly the listed capabilities.
    pub const fn of(caps: &[Capability]) -> Self {
        let mut bits = 0u128;
        let mut i = 0;
        while i < caps.len() {
            bits |= Self::bit(caps[i]);
            i += 1;
        }
        Capabilities(bits)
    }

    /// This set plus `cap`.
    #[must_use]
    pub const fn with(self, cap: Capability) -> Self {
        Capabilities(self.0 | Self::bit(cap))
    }

    /// This set minus `cap`.
    #[must_use]
    pub const fn without(self, cap: Capability) -> Self {
        Capabilities(self.0 & !Self::bit(cap))
    }

    /// The union of two sets.
    #[must_use]
    pub const fn union(self, other: Capabilities) -> Self {
        Capabilities(self.0 | other.0)
    }

    /// Whether `cap` is in the set.
    pub const fn contains(self, cap: Capability) -> bool {
        self.0 & Self::bit(cap) != 0
    }

    /// Whether the set holds nothing.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The capabilities in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .iter()
            .copied()
            .filter(move |c| self.contains(*c))
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Capability::name))
            .finish()
    }
}

impl FromIterator<Capability> for Capabilities {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Capabilities::NONE, Capabilities::with)
    }
}

/// A provider-specific operation: an inherent method on the driver type
/// (Libcloud's `ex_*`), listed in the provider matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraOperation {
    /// The API the driver type belongs to.
    pub api: Api,
    /// The method name (`ex_...`).
    pub name: &'static str,
    /// What it does, in one line.
    pub description: &'static str,
}

/// What a provider crate offers, declared once as a constant so the
/// registry and the provider matrix read it without building a driver.
/// Each driver's [`capabilities`](crate::Driver::capabilities)
/// returns the same constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderDescription {
    /// The registry name (`memory`, `local`, `aws`...).
    pub name: &'static str,
    /// A one-line description.
    pub title: &'static str,
    /// The umbrella crate's cargo feature that compiles it in.
    pub feature: &'static str,
    /// Compute capabilities, if the provider has a compute API.
    pub compute: Option<Capabilities>,
    /// Storage capabilities, if it has a storage API.
    pub storage: Option<Capabilities>,
    /// Load-balancer capabilities, if it has a load-balancer API.
    pub load_balancer: Option<Capabilities>,
    /// DNS capabilities, if it has a DNS API.
    pub dns: Option<Capabilities>,
    /// Provider-specific operations.
    pub extras: &'static [ExtraOperation],
    /// The options its `from_config` reads, with which of them are secret.
    pub options: &'static [crate::config::ConfigOption],
}

impl ProviderDescription {
    /// The capabilities for `api`, if the provider offers it.
    pub fn api(&self, api: Api) -> Option<Capabilities> {
        match api {
            Api::Compute => self.compute,
            Api::Storage => self.storage,
            Api::LoadBalancer => self.load_balancer,
            Api::Dns => self.dns,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_fits_the_bitset() {
        assert!(Capability::ALL.len() <= 128);
        for (i, cap) in Capability::ALL.iter().enumerate() {
            assert_eq!(*cap as usize, i, "ALL must follow declaration order");
        }
    }

    #[test]
    fn all_of_an_api_holds_only_that_api() {
        for api in Api::ALL {
            let caps = Capabilities::all(api);
            assert!(!caps.is_empty());
            assert!(caps.iter().all(|c| c.api() == api));
        }
        let total: usize = Api::ALL
            .iter()
            .map(|a| Capabilities::all(*a).iter().count())
            .sum();
        assert_eq!(total, Capability::ALL.len());
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Capability::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Capability::ALL.len());
    }
}
