//! The portable compute vocabulary: nodes and what they are made from.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::Extra;
use crate::secret::Secret;

/// The life-cycle state of a node, normalised across providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NodeState {
    /// Up and serving.
    Running,
    /// Booting after a start.
    Starting,
    /// Restarting.
    Rebooting,
    /// Accepted but not yet placed or booted.
    Pending,
    /// Shutting down.
    Stopping,
    /// Shut down; can be started again.
    Stopped,
    /// Paused or suspended to memory or disk.
    Suspended,
    /// Destroyed, or being destroyed.
    Terminated,
    /// In an error state at the provider.
    Error,
    /// Being migrated between hosts.
    Migrating,
    /// The provider reported a state this library does not know.
    Unknown,
}

impl NodeState {
    /// True for states a node never leaves on its own (`Terminated`, `Error`).
    pub fn is_terminal(self) -> bool {
        matches!(self, NodeState::Terminated | NodeState::Error)
    }

    /// The snake_case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Running => "running",
            NodeState::Starting => "starting",
            NodeState::Rebooting => "rebooting",
            NodeState::Pending => "pending",
            NodeState::Stopping => "stopping",
            NodeState::Stopped => "stopped",
            NodeState::Suspended => "suspended",
            NodeState::Terminated => "terminated",
            NodeState::Error => "error",
            NodeState::Migrating => "migrating",
            NodeState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A virtual server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Node {
    /// The provider's identifier.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The normalised state.
    pub state: NodeState,
    /// Addresses reachable from outside the provider's network.
    pub public_ips: Vec<IpAddr>,
    /// Addresses inside the provider's network.
    pub private_ips: Vec<IpAddr>,
    /// The id of the [`NodeSize`] it runs on, when known.
    pub size: Option<String>,
    /// The id of the [`NodeImage`] it booted from, when known.
    pub image: Option<String>,
    /// The id of the [`NodeLocation`] it runs in, when known.
    pub location: Option<String>,
    /// When it was created.
    #[serde(with = "crate::time::serde_rfc3339_option")]
    pub created_at: Option<SystemTime>,
    /// Provider-specific attributes.
    pub extra: Extra,
    /// The root or administrator password the provider generated, returned
    /// only by `create_node` on providers that make one (OpenStack's
    /// `adminPass`); never serialized, never printed.
    #[serde(skip)]
    pub password: Option<Secret>,
}

/// The [`Node::extra`] key under which a provider gives the node's SSH port
/// when it is not 22 (a NAT or a test server); deployment connects there.
pub const EXTRA_SSH_PORT: &str = "ssh_port";

impl Node {
    /// A node with only the required fields set; drivers fill in the rest.
    pub fn new(id: impl Into<String>, name: impl Into<String>, state: NodeState) -> Self {
        Node {
            id: id.into(),
            name: name.into(),
            state,
            public_ips: Vec::new(),
            private_ips: Vec::new(),
            size: None,
            image: None,
            location: None,
            created_at: None,
            extra: Extra::new(),
            password: None,
        }
    }
}

/// A hardware profile: flavor, instance type, plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NodeSize {
    /// The provider's identifier.
    pub id: String,
    /// The display name.
    pub name: String,
    /// Memory in MiB.
    pub ram_mib: u64,
    /// Root disk in GB (0 when the size has no local disk).
    pub disk_gb: u64,
    /// Virtual CPUs, when the provider says.
    pub vcpus: Option<u32>,
    /// Included transfer in GB per month, when the provider says.
    pub bandwidth_gb: Option<u64>,
    /// On-demand price per hour in US dollars, when known.
    pub price_per_hour: Option<f64>,
    /// Provider-specific attributes.
    pub extra: Extra,
}

impl NodeSize {
    /// A size with only the required fields set.
    pub fn new(id: impl Into<String>, name: impl Into<String>, ram_mib: u64, disk_gb: u64) -> Self {
        NodeSize {
            id: id.into(),
            name: name.into(),
            ram_mib,
            disk_gb,
            vcpus: None,
            bandwidth_gb: None,
            price_per_hour: None,
            extra: Extra::new(),
        }
    }
}

/// An operating-system image a node can boot from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NodeImage {
    /// The provider's identifier.
    pub id: String,
    /// The display name.
    pub name: String,
    /// Provider-specific attributes.
    pub extra: Extra,
}

impl NodeImage {
    /// An image with only the required fields set.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        NodeImage {
            id: id.into(),
            name: name.into(),
            extra: Extra::new(),
        }
    }
}

/// A region, availability zone or data centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NodeLocation {
    /// The provider's identifier.
    pub id: String,
    /// The display name.
    pub name: String,
    /// ISO 3166 country code, when known.
    pub country: Option<String>,
    /// Provider-specific attributes.
    pub extra: Extra,
}

impl NodeLocation {
    /// A location with only the required fields set.
    pub fn new(id: impl Into<String>, name: impl Into<String>, country: Option<&str>) -> Self {
        NodeLocation {
            id: id.into(),
            name: name.into(),
            country: country.map(str::to_owned),
            extra: Extra::new(),
        }
    }
}

/// The state of a block-storage volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VolumeState {
    /// Being created.
    Creating,
    /// Ready and detached.
    Available,
    /// Attached to a node.
    InUse,
    /// Being attached.
    Attaching,
    /// Being detached.
    Detaching,
    /// Being deleted.
    Deleting,
    /// Failed at the provider.
    Error,
    /// A state this library does not know.
    Unknown,
}

impl fmt::Display for VolumeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VolumeState::Creating => "creating",
            VolumeState::Available => "available",
            VolumeState::InUse => "in_use",
            VolumeState::Attaching => "attaching",
            VolumeState::Detaching => "detaching",
            VolumeState::Deleting => "deleting",
            VolumeState::Error => "error",
            VolumeState::Unknown => "unknown",
        })
    }
}

/// A block-storage volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StorageVolume {
    /// The provider's identifier.
    pub id: String,
    /// The display name.
    pub name: String,
    /// Size in GB.
    pub size_gb: u64,
    /// The normalised state.
    pub state: VolumeState,
    /// The node it is attached to, if any.
    pub attached_to: Option<String>,
    /// The location it lives in, when known.
    pub location: Option<String>,
    /// When it was created.
    #[serde(with = "crate::time::serde_rfc3339_option")]
    pub created_at: Option<SystemTime>,
    /// Provider-specific attributes.
    pub extra: Extra,
}

impl StorageVolume {
    /// A volume with only the required fields set.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        size_gb: u64,
        state: VolumeState,
    ) -> Self {
        StorageVolume {
            id: id.into(),
            name: name.into(),
            size_gb,
            state,
            attached_to: None,
            location: None,
            created_at: None,
            extra: Extra::new(),
        }
    }
}

/// The state of a volume snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SnapshotState {
    /// Being taken.
    Creating,
    /// Complete and usable.
    Available,
    /// Being deleted.
    Deleting,
    /// Failed at the provider.
    Error,
    /// A state this library does not know.
    Unknown,
}

impl fmt::Display for SnapshotState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SnapshotState::Creating => "creating",
            SnapshotState::Available => "available",
            SnapshotState::Deleting => "deleting",
            SnapshotState::Error => "error",
            SnapshotState::Unknown => "unknown",
        })
    }
}

/// A point-in-time copy of a volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VolumeSnapshot {
    /// The provider's identifier.
    pub id: String,
    /// The display name, when the provider keeps one.
    pub name: Option<String>,
    /// The volume it was taken from.
    pub volume_id: Option<String>,
    /// Size in GB.
    pub size_gb: u64,
    /// The normalised state.
    pub state: SnapshotState,
    /// When it was taken.
    #[serde(with = "crate::time::serde_rfc3339_option")]
    pub created_at: Option<SystemTime>,
    /// Provider-specific attributes.
    pub extra: Extra,
}

impl VolumeSnapshot {
    /// A snapshot with only the required fields set.
    pub fn new(id: impl Into<String>, size_gb: u64, state: SnapshotState) -> Self {
        VolumeSnapshot {
            id: id.into(),
            name: None,
            volume_id: None,
            size_gb,
            state,
            created_at: None,
            extra: Extra::new(),
        }
    }
}

/// An SSH key pair registered with the provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeyPair {
    /// The key pair's name (its identifier at every provider).
    pub name: String,
    /// The provider's fingerprint of the key.
    pub fingerprint: Option<String>,
    /// The public key in OpenSSH format, when the provider returns it.
    pub public_key: Option<String>,
    /// The private key, only right after [`create_key_pair`](super::ComputeDriver::create_key_pair).
    #[serde(skip)]
    pub private_key: Option<Secret>,
    /// Provider-specific attributes.
    pub extra: Extra,
}

impl KeyPair {
    /// A key pair with only its name set.
    pub fn new(name: impl Into<String>) -> Self {
        KeyPair {
            name: name.into(),
            fingerprint: None,
            public_key: None,
            private_key: None,
            extra: Extra::new(),
        }
    }
}

/// How to log in to a new node.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum NodeAuth {
    /// Install this OpenSSH public key for the default user.
    SshKey(String),
    /// Set this root or administrator password.
    Password(Secret),
}

/// What to create: the request behind [`ComputeDriver::create_node`](super::ComputeDriver::create_node).
///
/// ```
/// use cloud_core::{CreateNode, NodeAuth};
///
/// let request = CreateNode::new("web-1", "small", "debian-12")
///     .location("zone-a")
///     .auth(NodeAuth::SshKey("ssh-ed25519 AAAA... me@laptop".into()))
///     .tag("role", "web");
/// assert_eq!(request.name(), "web-1");
/// assert_eq!(request.tags().get("role").map(String::as_str), Some("web"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CreateNode {
    name: String,
    size: String,
    image: String,
    location: Option<String>,
    auth: Option<NodeAuth>,
    key_pair: Option<String>,
    user_data: Option<String>,
    networks: Vec<String>,
    security_groups: Vec<String>,
    tags: BTreeMap<String, String>,
    idempotency_token: Option<String>,
    options: BTreeMap<String, String>,
}

impl CreateNode {
    /// A node named `name` of size `size` booted from image `image` (ids).
    pub fn new(name: impl Into<String>, size: impl Into<String>, image: impl Into<String>) -> Self {
        CreateNode {
            name: name.into(),
            size: size.into(),
            image: image.into(),
            location: None,
            auth: None,
            key_pair: None,
            user_data: None,
            networks: Vec::new(),
            security_groups: Vec::new(),
            tags: BTreeMap::new(),
            idempotency_token: None,
            options: BTreeMap::new(),
        }
    }

    /// The location (region, zone) to place it in.
    #[must_use]
    pub fn location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// An SSH key or password to install.
    #[must_use]
    pub fn auth(mut self, auth: NodeAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// A key pair already registered with the provider.
    #[must_use]
    pub fn key_pair(mut self, name: impl Into<String>) -> Self {
        self.key_pair = Some(name.into());
        self
    }

    /// A cloud-init script or other user data.
    #[must_use]
    pub fn user_data(mut self, data: impl Into<String>) -> Self {
        self.user_data = Some(data.into());
        self
    }

    /// A network (or subnet) id to attach; may be called more than once.
    #[must_use]
    pub fn network(mut self, id: impl Into<String>) -> Self {
        self.networks.push(id.into());
        self
    }

    /// A security group to apply; may be called more than once.
    #[must_use]
    pub fn security_group(mut self, id: impl Into<String>) -> Self {
        self.security_groups.push(id.into());
        self
    }

    /// A tag (metadata item) to set on the node.
    #[must_use]
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// A token that makes retries of this request create one node, not two.
    #[must_use]
    pub fn idempotency_token(mut self, token: impl Into<String>) -> Self {
        self.idempotency_token = Some(token.into());
        self
    }

    /// A provider-specific option; drivers refuse names they do not know.
    #[must_use]
    pub fn option(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.insert(name.into(), value.into());
        self
    }

    /// The node name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The size id.
    pub fn size(&self) -> &str {
        &self.size
    }
    /// The image id.
    pub fn image(&self) -> &str {
        &self.image
    }
    /// The location id, if set.
    pub fn location_id(&self) -> Option<&str> {
        self.location.as_deref()
    }
    /// The login credential, if set.
    pub fn auth_value(&self) -> Option<&NodeAuth> {
        self.auth.as_ref()
    }
    /// The key pair name, if set.
    pub fn key_pair_name(&self) -> Option<&str> {
        self.key_pair.as_deref()
    }
    /// The user data, if set.
    pub fn user_data_value(&self) -> Option<&str> {
        self.user_data.as_deref()
    }
    /// The networks to attach.
    pub fn networks(&self) -> &[String] {
        &self.networks
    }
    /// The security groups to apply.
    pub fn security_groups(&self) -> &[String] {
        &self.security_groups
    }
    /// The tags to set.
    pub fn tags(&self) -> &BTreeMap<String, String> {
        &self.tags
    }
    /// The idempotency token, if set.
    pub fn idempotency_token_value(&self) -> Option<&str> {
        self.idempotency_token.as_deref()
    }
    /// The provider-specific options.
    pub fn options(&self) -> &BTreeMap<String, String> {
        &self.options
    }
}

/// What to create: the request behind [`ComputeDriver::create_volume`](super::ComputeDriver::create_volume).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateVolume {
    /// The display name.
    pub name: String,
    /// Size in GB.
    pub size_gb: u64,
    /// The location (zone) to create it in.
    pub location: Option<String>,
    /// A snapshot to restore from.
    pub snapshot: Option<String>,
}

impl CreateVolume {
    /// A blank volume of `size_gb` GB.
    pub fn new(name: impl Into<String>, size_gb: u64) -> Self {
        CreateVolume {
            name: name.into(),
            size_gb,
            location: None,
            snapshot: None,
        }
    }

    /// The location (zone) to create it in.
    #[must_use]
    pub fn location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// A snapshot to restore from.
    #[must_use]
    pub fn from_snapshot(mut self, snapshot: impl Into<String>) -> Self {
        self.snapshot = Some(snapshot.into());
        self
    }
}
