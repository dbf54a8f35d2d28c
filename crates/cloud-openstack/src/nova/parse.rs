//! Nova, Cinder and Glance answers as serde wire types, and those as the
//! portable compute types.
//!
//! Only an entry's id is required (an entry without one is malformed,
//! naming the field); the rest is optional because providers differ
//! (Rackspace omits fields OpenStack has, microversions rename some), but
//! a field of the wrong type is malformed too, never a default.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::SystemTime;

use cloud_core::{
    KeyPair, Node, NodeImage, NodeLocation, NodeSize, NodeState, Secret, SnapshotState,
    StorageVolume, VolumeSnapshot, VolumeState,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::{copy_rest, id};

fn time(text: Option<&str>) -> Option<SystemTime> {
    text.and_then(cloud_core::time::parse_rfc3339)
}

/// A server (`/servers/detail`, `/servers/{id}`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireServer {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "OS-EXT-STS:task_state")]
    task_state: Option<String>,
    #[serde(default)]
    addresses: Option<BTreeMap<String, Vec<WireAddress>>>,
    #[serde(default, rename = "accessIPv4")]
    access_ipv4: Option<String>,
    #[serde(default, rename = "accessIPv6")]
    access_ipv6: Option<String>,
    #[serde(default)]
    flavor: Option<WireRef>,
    #[serde(default)]
    image: Option<ImageRef>,
    #[serde(default, rename = "OS-EXT-AZ:availability_zone")]
    availability_zone: Option<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// What `POST /servers` answers: the new id, and the root password.
#[derive(Deserialize)]
pub(crate) struct CreatedServer {
    #[serde(deserialize_with = "id")]
    pub(crate) id: String,
    #[serde(default, rename = "adminPass")]
    pub(crate) admin_pass: Option<String>,
}

/// One address of a server on one network.
#[derive(Debug, Deserialize)]
struct WireAddress {
    addr: String,
    #[serde(default, rename = "OS-EXT-IPS:type")]
    kind: Option<String>,
}

/// A server's image: `{"id", "links"}`, or `""` for a server booted
/// from a volume.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ImageRef {
    Image {
        #[serde(deserialize_with = "id")]
        id: String,
    },
    None(serde::de::IgnoredAny),
}

impl ImageRef {
    fn id(self) -> Option<String> {
        match self {
            ImageRef::Image { id } => Some(id),
            ImageRef::None(_) => None,
        }
    }
}

/// A reference to a flavor or image: its id, or (microversion 2.47+) the
/// flavor's `original_name`.
#[derive(Debug, Deserialize)]
struct WireRef {
    #[serde(default, deserialize_with = "maybe_id")]
    id: Option<String>,
    #[serde(default)]
    original_name: Option<String>,
}

fn maybe_id<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "id")] String);
    Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
}

/// A flavor (`/flavors/detail`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireFlavor {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    ram: Option<u64>,
    #[serde(default)]
    disk: Option<u64>,
    #[serde(default)]
    vcpus: Option<u64>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// An image, from the compute images API or Glance v2.
#[derive(Debug, Deserialize)]
pub(crate) struct WireImage {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// `/os-availability-zone`.
#[derive(Debug, Deserialize)]
pub(crate) struct WireZones {
    #[serde(
        default,
        rename = "availabilityZoneInfo",
        deserialize_with = "cloud_core::http::json::null_as_default"
    )]
    zones: Vec<WireZone>,
}

#[derive(Debug, Deserialize)]
struct WireZone {
    #[serde(rename = "zoneName")]
    name: String,
    #[serde(default, rename = "zoneState")]
    state: Option<Map<String, Value>>,
}

/// A key pair; listed entries are wrapped in `keypair`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WireKeyPairEntry {
    Wrapped { keypair: WireKeyPair },
    Bare(WireKeyPair),
}

/// A key pair.
#[derive(Debug, Deserialize)]
pub(crate) struct WireKeyPair {
    name: String,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    private_key: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A Cinder volume.
#[derive(Debug, Deserialize)]
pub(crate) struct WireVolume {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    availability_zone: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A volume's attachment (`attachments` stays in `extra` as given).
#[derive(Debug, Deserialize)]
struct WireAttachment {
    #[serde(default)]
    server_id: Option<String>,
}

/// A Cinder snapshot.
#[derive(Debug, Deserialize)]
pub(crate) struct WireSnapshot {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    volume_id: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// Nova's server status (and task state) to the portable state.
pub(crate) fn node_state(status: &str, task_state: Option<&str>) -> NodeState {
    match task_state {
        Some("powering-off") => return NodeState::Stopping,
        Some("powering-on") => return NodeState::Starting,
        Some("deleting") => return NodeState::Terminated,
        _ => {}
    }
    match status.to_ascii_uppercase().as_str() {
        "ACTIVE" => NodeState::Running,
        "BUILD" | "BUILDING" | "REBUILD" | "PASSWORD" | "RESIZE" | "VERIFY_RESIZE"
        | "REVERT_RESIZE" => NodeState::Pending,
        "REBOOT" | "HARD_REBOOT" => NodeState::Rebooting,
        "SHUTOFF" | "STOPPED" => NodeState::Stopped,
        "PAUSED" | "SUSPENDED" | "SHELVED" | "SHELVED_OFFLOADED" => NodeState::Suspended,
        "DELETED" | "SOFT_DELETED" => NodeState::Terminated,
        "ERROR" => NodeState::Error,
        "MIGRATING" => NodeState::Migrating,
        "RESCUE" => NodeState::Running,
        _ => NodeState::Unknown,
    }
}

fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00 || v6.is_loopback(),
    }
}

impl WireServer {
    /// The server as a node.
    pub(crate) fn node(self) -> Node {
        let status = self.status.unwrap_or_default();
        let mut node = Node::new(
            self.id,
            self.name.unwrap_or_default(),
            node_state(&status, self.task_state.as_deref()),
        );
        let mut public = Vec::new();
        let mut private = Vec::new();
        for (network, addresses) in self.addresses.iter().flatten() {
            for address in addresses {
                let Ok(ip) = address.addr.parse::<IpAddr>() else {
                    continue;
                };
                // Neutron marks floating addresses; Rackspace names its networks.
                let is_public = match address.kind.as_deref() {
                    Some("floating") => true,
                    Some(_) => network == "public" || !is_private(&ip),
                    None => network == "public" || (network != "private" && !is_private(&ip)),
                };
                let list = if is_public { &mut public } else { &mut private };
                if !list.contains(&ip) {
                    list.push(ip);
                }
            }
        }
        for access in [&self.access_ipv4, &self.access_ipv6] {
            if let Some(ip) = access.as_deref().and_then(|a| a.parse::<IpAddr>().ok())
                && !public.contains(&ip)
                && !private.contains(&ip)
            {
                public.push(ip);
            }
        }
        node.public_ips = public;
        node.private_ips = private;
        node.size = self.flavor.and_then(|f| f.id.or(f.original_name));
        node.image = self.image.and_then(ImageRef::id);
        node.location = self.availability_zone;
        node.created_at = time(self.created.as_deref());
        node.extra.insert("status".into(), Value::String(status));
        if let Some(task) = self.task_state {
            node.extra
                .insert("OS-EXT-STS:task_state".into(), Value::String(task));
        }
        copy_rest(
            &mut node.extra,
            &self.rest,
            &[
                "metadata",
                "key_name",
                "tenant_id",
                "user_id",
                "hostId",
                "progress",
                "updated",
                "OS-EXT-STS:vm_state",
                "OS-EXT-STS:power_state",
                "OS-DCF:diskConfig",
                "security_groups",
                "config_drive",
            ],
        );
        node
    }
}

impl WireFlavor {
    /// The flavor as a size.
    pub(crate) fn size(self) -> NodeSize {
        let name = self.name.unwrap_or_else(|| self.id.clone());
        let mut size = NodeSize::new(self.id, name, self.ram.unwrap_or(0), self.disk.unwrap_or(0));
        size.vcpus = self.vcpus.and_then(|v| u32::try_from(v).ok());
        copy_rest(
            &mut size.extra,
            &self.rest,
            &[
                "swap",
                "rxtx_factor",
                "OS-FLV-EXT-DATA:ephemeral",
                "os-flavor-access:is_public",
                "OS-FLV-WITH-EXT-SPECS:extra_specs",
                "extra_specs",
                "description",
            ],
        );
        size
    }
}

impl WireImage {
    /// The image.
    pub(crate) fn image(self) -> NodeImage {
        let mut image = NodeImage::new(self.id, self.name.unwrap_or_default());
        copy_rest(
            &mut image.extra,
            &self.rest,
            &[
                "status",
                "minDisk",
                "minRam",
                "min_disk",
                "min_ram",
                "created",
                "created_at",
                "updated",
                "updated_at",
                "metadata",
                "OS-EXT-IMG-SIZE:size",
                "size",
                "visibility",
                "os_distro",
                "os_type",
                "disk_format",
            ],
        );
        image
    }
}

impl WireZones {
    /// The availability zones as locations.
    pub(crate) fn locations(self) -> Vec<NodeLocation> {
        self.zones
            .into_iter()
            .map(|zone| {
                let mut location = NodeLocation::new(&zone.name, &zone.name, None);
                if let Some(available) = zone.state.as_ref().and_then(|s| s.get("available")) {
                    location.extra.insert("available".into(), available.clone());
                }
                location
            })
            .collect()
    }
}

impl WireKeyPairEntry {
    /// The key pair, unwrapped.
    pub(crate) fn key_pair(self) -> KeyPair {
        match self {
            WireKeyPairEntry::Wrapped { keypair } | WireKeyPairEntry::Bare(keypair) => {
                keypair.key_pair()
            }
        }
    }
}

impl WireKeyPair {
    /// The key pair (its private half only when Nova generated it).
    pub(crate) fn key_pair(self) -> KeyPair {
        let mut key = KeyPair::new(self.name);
        key.fingerprint = self.fingerprint;
        key.public_key = self.public_key;
        key.private_key = self.private_key.map(Secret::new);
        copy_rest(
            &mut key.extra,
            &self.rest,
            &["type", "user_id", "created_at"],
        );
        key
    }
}

/// Cinder's volume status to the portable state.
pub(crate) fn volume_state(status: &str) -> VolumeState {
    match status {
        "creating" | "downloading" | "restoring-backup" => VolumeState::Creating,
        "available" | "uploading" | "backing-up" | "retyping" | "extending" | "reserved"
        | "maintenance" | "awaiting-transfer" => VolumeState::Available,
        "in-use" => VolumeState::InUse,
        "attaching" => VolumeState::Attaching,
        "detaching" => VolumeState::Detaching,
        "deleting" => VolumeState::Deleting,
        s if s.starts_with("error") => VolumeState::Error,
        _ => VolumeState::Unknown,
    }
}

impl WireVolume {
    /// Its attachments (kept whole in `extra.attachments`).
    fn attachments(&self) -> cloud_core::Result<Vec<WireAttachment>> {
        match self.rest.get("attachments") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(a) => cloud_core::http::json::decode(
                crate::PROVIDER_OPENSTACK,
                "block storage",
                &format!("the attachments of volume `{}`", self.id),
                a,
            ),
        }
    }

    /// The servers the volume is attached to.
    pub(crate) fn attached_servers(&self) -> cloud_core::Result<Vec<String>> {
        Ok(self
            .attachments()?
            .into_iter()
            .filter_map(|a| a.server_id)
            .collect())
    }

    /// The volume.
    pub(crate) fn volume(self) -> StorageVolume {
        let attached_to = self
            .attachments()
            .ok()
            .and_then(|a| a.into_iter().next())
            .and_then(|a| a.server_id);
        let status = self.status.unwrap_or_default();
        let mut volume = StorageVolume::new(
            self.id,
            self.name.or(self.display_name).unwrap_or_default(),
            self.size.unwrap_or(0),
            volume_state(&status),
        );
        volume.attached_to = attached_to;
        volume.location = self.availability_zone;
        volume.created_at = time(self.created_at.as_deref());
        volume.extra.insert("status".into(), Value::String(status));
        copy_rest(
            &mut volume.extra,
            &self.rest,
            &[
                "volume_type",
                "bootable",
                "encrypted",
                "snapshot_id",
                "description",
                "metadata",
                "attachments",
                "multiattach",
            ],
        );
        volume
    }
}

/// Cinder's snapshot status to the portable state.
pub(crate) fn snapshot_state(status: &str) -> SnapshotState {
    match status {
        "creating" | "backing-up" => SnapshotState::Creating,
        "available" | "restoring" | "unmanaging" => SnapshotState::Available,
        "deleting" => SnapshotState::Deleting,
        s if s.starts_with("error") => SnapshotState::Error,
        _ => SnapshotState::Unknown,
    }
}

impl WireSnapshot {
    /// The snapshot.
    pub(crate) fn snapshot(self) -> VolumeSnapshot {
        let status = self.status.unwrap_or_default();
        let mut snapshot =
            VolumeSnapshot::new(self.id, self.size.unwrap_or(0), snapshot_state(&status));
        snapshot.name = self.name.or(self.display_name);
        snapshot.volume_id = self.volume_id;
        snapshot.created_at = time(self.created_at.as_deref());
        snapshot
            .extra
            .insert("status".into(), Value::String(status));
        copy_rest(
            &mut snapshot.extra,
            &self.rest,
            &["description", "metadata", "progress"],
        );
        snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        assert_eq!(node_state("ACTIVE", None), NodeState::Running);
        assert_eq!(
            node_state("ACTIVE", Some("powering-off")),
            NodeState::Stopping
        );
        assert_eq!(node_state("BUILD", None), NodeState::Pending);
        assert_eq!(node_state("HARD_REBOOT", None), NodeState::Rebooting);
        assert_eq!(node_state("SHUTOFF", None), NodeState::Stopped);
        assert_eq!(node_state("whatever", None), NodeState::Unknown);
        assert_eq!(volume_state("in-use"), VolumeState::InUse);
        assert_eq!(volume_state("error_deleting"), VolumeState::Error);
        assert_eq!(snapshot_state("available"), SnapshotState::Available);
    }

    fn decode<T: serde::de::DeserializeOwned>(value: Value) -> cloud_core::Result<T> {
        cloud_core::http::json::decode("openstack", "compute", "the `servers` list", value)
    }

    #[test]
    fn servers_read_from_their_wire_type() {
        let servers: Vec<WireServer> = decode(serde_json::json!([{
            "id": "s1", "name": "web", "status": "ACTIVE",
            "OS-EXT-STS:task_state": null, "accessIPv4": "",
            "addresses": {"private": [{"addr": "10.0.0.5", "version": 4}],
                          "public": [{"addr": "203.0.113.9", "version": 4}]},
            "flavor": {"id": 2}, "image": "", "key_name": "ops", "metadata": {"a": "b"},
            "created": "2026-12-01T10:00:00Z", "unknown": [1, 2]
        }]))
        .unwrap();
        let node = servers.into_iter().next().unwrap().node();
        assert_eq!(node.state, NodeState::Running);
        assert_eq!(node.size.as_deref(), Some("2"));
        assert_eq!(node.image, None);
        assert_eq!(node.public_ips, ["203.0.113.9".parse::<IpAddr>().unwrap()]);
        assert_eq!(node.private_ips, ["10.0.0.5".parse::<IpAddr>().unwrap()]);
        assert_eq!(node.extra["key_name"], "ops");
        assert!(node.created_at.is_some());
    }

    #[test]
    fn a_bad_field_is_malformed_and_named() {
        let err = decode::<Vec<WireServer>>(serde_json::json!([
            {"id": "s1"}, {"id": "s2", "addresses": {"public": [{"addr": 7}]}}
        ]))
        .unwrap_err();
        assert_eq!(err.kind(), &cloud_core::ErrorKind::MalformedResponse);
        assert!(
            err.to_string()
                .contains("at `[1].addresses.public[0].addr`"),
            "{err}"
        );
        let err = decode::<Vec<WireFlavor>>(serde_json::json!([{"name": "m1"}])).unwrap_err();
        assert!(err.to_string().contains("id"), "{err}");
        let err = decode::<Vec<WireVolume>>(serde_json::json!([{"id": ""}])).unwrap_err();
        assert!(err.to_string().contains("empty id"), "{err}");
    }
}
