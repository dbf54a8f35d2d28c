//! Nova, Cinder and Glance JSON to the portable compute types.
//!
//! Parsers are lenient where providers differ (Rackspace omits fields
//! OpenStack has, microversions rename some) and strict where a missing
//! field would mean wrong data: an entry without an id is refused.

use std::net::IpAddr;

use cloud_core::{
    KeyPair, Node, NodeImage, NodeLocation, NodeSize, NodeState, Result, Secret, SnapshotState,
    StorageVolume, VolumeSnapshot, VolumeState,
};
use serde_json::Value;

use crate::json::{copy_extra, text};
use crate::service::Service;

fn id_of(service: &Service, value: &Value, what: &str) -> Result<String> {
    match value.get("id") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(service.malformed(format!("a {what} without an id"))),
    }
}

fn time(value: &Value, key: &str) -> Option<std::time::SystemTime> {
    value
        .get(key)
        .and_then(Value::as_str)
        .and_then(cloud_core::time::parse_rfc3339)
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

/// A server from `GET /servers/{id}` or `/servers/detail`.
pub(crate) fn server(service: &Service, value: &Value) -> Result<Node> {
    let id = id_of(service, value, "server")?;
    let name = text(value, "/name").unwrap_or_default();
    let status = text(value, "/status").unwrap_or_default();
    let task = value.get("OS-EXT-STS:task_state").and_then(Value::as_str);
    let mut node = Node::new(id, name, node_state(&status, task));
    let mut public = Vec::new();
    let mut private = Vec::new();
    if let Some(networks) = value.get("addresses").and_then(Value::as_object) {
        for (network, addresses) in networks {
            for address in addresses.as_array().into_iter().flatten() {
                let Some(ip) = address
                    .get("addr")
                    .and_then(Value::as_str)
                    .and_then(|a| a.parse::<IpAddr>().ok())
                else {
                    continue;
                };
                // Neutron marks floating addresses; Rackspace names its networks.
                let kind = address.get("OS-EXT-IPS:type").and_then(Value::as_str);
                let is_public = match kind {
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
    }
    for key in ["accessIPv4", "accessIPv6"] {
        if let Some(ip) = value
            .get(key)
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<IpAddr>().ok())
            && !public.contains(&ip)
            && !private.contains(&ip)
        {
            public.push(ip);
        }
    }
    node.public_ips = public;
    node.private_ips = private;
    node.size = text(value, "/flavor/id").or_else(|| text(value, "/flavor/original_name"));
    node.image = text(value, "/image/id");
    node.location = text(value, "/OS-EXT-AZ:availability_zone");
    node.created_at = time(value, "created");
    node.extra.insert("status".into(), Value::String(status));
    copy_extra(
        &mut node.extra,
        value,
        &[
            "metadata",
            "key_name",
            "tenant_id",
            "user_id",
            "hostId",
            "progress",
            "updated",
            "OS-EXT-STS:task_state",
            "OS-EXT-STS:vm_state",
            "OS-EXT-STS:power_state",
            "OS-DCF:diskConfig",
            "security_groups",
            "config_drive",
        ],
    );
    Ok(node)
}

/// A flavor from `/flavors/detail`.
pub(crate) fn flavor(service: &Service, value: &Value) -> Result<NodeSize> {
    let id = id_of(service, value, "flavor")?;
    let name = text(value, "/name").unwrap_or_else(|| id.clone());
    let ram = value.get("ram").and_then(Value::as_u64).unwrap_or(0);
    let disk = value.get("disk").and_then(Value::as_u64).unwrap_or(0);
    let mut size = NodeSize::new(id, name, ram, disk);
    size.vcpus = value
        .get("vcpus")
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok());
    copy_extra(
        &mut size.extra,
        value,
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
    Ok(size)
}

/// An image from the compute images API (`/images/detail`) or Glance v2.
pub(crate) fn image(service: &Service, value: &Value) -> Result<NodeImage> {
    let id = id_of(service, value, "image")?;
    let name = text(value, "/name").unwrap_or_default();
    let mut image = NodeImage::new(id, name);
    copy_extra(
        &mut image.extra,
        value,
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
    Ok(image)
}

/// Availability zones from `/os-availability-zone`.
pub(crate) fn zones(value: &Value) -> Vec<NodeLocation> {
    value
        .get("availabilityZoneInfo")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|zone| {
            let name = zone.get("zoneName").and_then(Value::as_str)?;
            let mut location = NodeLocation::new(name, name, None);
            if let Some(available) = zone.pointer("/zoneState/available") {
                location.extra.insert("available".into(), available.clone());
            }
            Some(location)
        })
        .collect()
}

/// A key pair from `/os-keypairs` (listed entries are wrapped in `keypair`).
pub(crate) fn key_pair(value: &Value) -> Option<KeyPair> {
    let value = value.get("keypair").unwrap_or(value);
    let name = value.get("name").and_then(Value::as_str)?;
    let mut key = KeyPair::new(name);
    key.fingerprint = text(value, "/fingerprint");
    key.public_key = text(value, "/public_key");
    key.private_key = text(value, "/private_key").map(Secret::new);
    copy_extra(&mut key.extra, value, &["type", "user_id", "created_at"]);
    Some(key)
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

/// A volume from Cinder.
pub(crate) fn volume(service: &Service, value: &Value) -> Result<StorageVolume> {
    let id = id_of(service, value, "volume")?;
    let name = text(value, "/name")
        .or_else(|| text(value, "/display_name"))
        .unwrap_or_default();
    let size = value.get("size").and_then(Value::as_u64).unwrap_or(0);
    let status = text(value, "/status").unwrap_or_default();
    let mut volume = StorageVolume::new(id, name, size, volume_state(&status));
    volume.attached_to = value
        .get("attachments")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|a| text(a, "/server_id"));
    volume.location = text(value, "/availability_zone");
    volume.created_at = time(value, "created_at");
    volume.extra.insert("status".into(), Value::String(status));
    copy_extra(
        &mut volume.extra,
        value,
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
    Ok(volume)
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

/// A snapshot from Cinder.
pub(crate) fn snapshot(service: &Service, value: &Value) -> Result<VolumeSnapshot> {
    let id = id_of(service, value, "snapshot")?;
    let size = value.get("size").and_then(Value::as_u64).unwrap_or(0);
    let status = text(value, "/status").unwrap_or_default();
    let mut snapshot = VolumeSnapshot::new(id, size, snapshot_state(&status));
    snapshot.name = text(value, "/name").or_else(|| text(value, "/display_name"));
    snapshot.volume_id = text(value, "/volume_id");
    snapshot.created_at = time(value, "created_at");
    snapshot
        .extra
        .insert("status".into(), Value::String(status));
    copy_extra(
        &mut snapshot.extra,
        value,
        &["description", "metadata", "progress"],
    );
    Ok(snapshot)
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
}
