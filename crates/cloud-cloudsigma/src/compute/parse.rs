//! CloudSigma objects as portable values: servers as nodes, library drives
//! as images, drives as volumes, snapshots, key pairs, and sizes as CPU
//! MHz plus memory.
//!
//! Every parser checks the shape it is given: an object without its `uuid`
//! or with a field of the wrong type is a `MalformedResponse`.

use std::net::IpAddr;

use cloud_core::time::parse_rfc3339;
use cloud_core::{
    Error, KeyPair, Node, NodeImage, NodeState, Result, Secret, SnapshotState, StorageVolume,
    VolumeSnapshot, VolumeState,
};
use serde_json::Value;

use crate::PROVIDER;

/// Bytes in a GiB: CloudSigma gives sizes in bytes.
pub const GIB: u64 = 1024 * 1024 * 1024;
/// Bytes in a MiB.
pub const MIB: u64 = 1024 * 1024;

/// The server `meta` key where this library keeps the image a node was
/// created from.
pub const META_IMAGE: &str = "cloud_image";
/// The server `meta` key where it keeps the boot drive it cloned, which
/// `destroy_node` deletes with the server.
pub const META_BOOT_DRIVE: &str = "cloud_boot_drive";

fn malformed(what: impl std::fmt::Display) -> Error {
    Error::malformed(PROVIDER, format!("CloudSigma: {what}"))
}

fn text<'a>(value: &'a Value, key: &str, what: &str) -> Result<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(format!("a {what} without `{key}`")))
}

fn number(value: &Value, key: &str, what: &str) -> Result<u64> {
    match value.get(key) {
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| malformed(format!("a {what} with a bad `{key}`"))),
        // Some answers give sizes as strings.
        Some(Value::String(s)) => s
            .parse()
            .map_err(|_| malformed(format!("a {what} with a bad `{key}`"))),
        _ => Err(malformed(format!("a {what} without `{key}`"))),
    }
}

fn copy(extra: &mut cloud_core::Extra, value: &Value, keys: &[&str]) {
    for key in keys {
        if let Some(v) = value.get(*key).filter(|v| !v.is_null()) {
            extra.insert((*key).to_owned(), v.clone());
        }
    }
}

/// Bytes as whole GiB, rounded up (a 1.5 GiB drive holds 2 GB's worth).
pub fn gib(bytes: u64) -> u64 {
    bytes.div_ceil(GIB)
}

/// A server's status as a node state.
pub fn node_state(status: &str) -> NodeState {
    match status {
        "running" | "running_legacy" => NodeState::Running,
        "starting" => NodeState::Starting,
        "stopping" => NodeState::Stopping,
        "stopped" => NodeState::Stopped,
        "paused" => NodeState::Suspended,
        "unavailable" => NodeState::Error,
        _ => NodeState::Unknown,
    }
}

/// The addresses of a server: each public interface's runtime address,
/// and static addresses from its configuration.
fn addresses(server: &Value) -> Vec<IpAddr> {
    let mut out = Vec::new();
    let nics = server.get("nics").and_then(Value::as_array);
    for nic in nics.into_iter().flatten() {
        let runtime = nic.pointer("/runtime/ip_v4/uuid").and_then(Value::as_str);
        let configured = nic.pointer("/ip_v4_conf/ip/uuid").and_then(Value::as_str);
        for ip in [runtime, configured].into_iter().flatten() {
            if let Ok(ip) = ip.parse::<IpAddr>()
                && !out.contains(&ip)
            {
                out.push(ip);
            }
        }
    }
    out
}

/// The size id of a server's CPU and memory (see [`parse_size_id`]).
pub fn size_id(cpu_mhz: u64, mem_bytes: u64) -> String {
    format!("{cpu_mhz}mhz-{}mib", mem_bytes / MIB)
}

/// A custom size id, `<cpu MHz>mhz-<memory MiB>mib[-<disk GB>gb]`, as CPU
/// MHz, memory MiB and the boot drive's size in GB (if given).
pub fn parse_size_id(id: &str) -> Option<(u64, u64, Option<u64>)> {
    let mut parts = id.split('-');
    let cpu = parts.next()?.strip_suffix("mhz")?.parse().ok()?;
    let mem = parts.next()?.strip_suffix("mib")?.parse().ok()?;
    let disk = match parts.next() {
        None => None,
        Some(d) => Some(d.strip_suffix("gb")?.parse().ok()?),
    };
    if parts.next().is_some() || cpu == 0 || mem == 0 || disk == Some(0) {
        return None;
    }
    Some((cpu, mem, disk))
}

/// A server as a node in `location`.
pub fn node(server: &Value, location: &str) -> Result<Node> {
    let id = text(server, "uuid", "server")?;
    let name = server
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let status = text(server, "status", "server")?;
    let mut node = Node::new(id, name, node_state(status));
    node.public_ips = addresses(server);
    let cpu = number(server, "cpu", "server")?;
    let mem = number(server, "mem", "server")?;
    node.size = Some(size_id(cpu, mem));
    node.image = server
        .pointer(&format!("/meta/{META_IMAGE}"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    node.location = Some(location.to_owned());
    node.extra.insert("status".into(), Value::from(status));
    copy(
        &mut node.extra,
        server,
        &["cpu", "mem", "smp", "meta", "tags"],
    );
    let drives: Vec<Value> = server
        .get("drives")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| drive_ref(d).map(Value::from))
        .collect();
    node.extra.insert("drives".into(), Value::Array(drives));
    Ok(node)
}

/// The uuid of the drive a server's drive entry names (an object with its
/// `uuid`, or the uuid itself).
pub fn drive_ref(entry: &Value) -> Option<&str> {
    match entry.get("drive")? {
        Value::String(s) => Some(s),
        other => other.get("uuid").and_then(Value::as_str),
    }
}

/// A library drive as an image.
pub fn image(drive: &Value) -> Result<NodeImage> {
    let id = text(drive, "uuid", "library drive")?;
    let name = drive.get("name").and_then(Value::as_str).unwrap_or(id);
    let mut image = NodeImage::new(id, name);
    if let Ok(size) = number(drive, "size", "library drive") {
        image.extra.insert("size_gb".into(), Value::from(gib(size)));
    }
    copy(
        &mut image.extra,
        drive,
        &[
            "os",
            "arch",
            "image_type",
            "media",
            "distribution",
            "version",
            "description",
        ],
    );
    Ok(image)
}

/// A drive's status as a volume state.
pub fn volume_state(status: &str) -> VolumeState {
    match status {
        "unmounted" | "cloning_src" => VolumeState::Available,
        "mounted" => VolumeState::InUse,
        "creating" | "cloning_dst" | "resizing" => VolumeState::Creating,
        "unavailable" => VolumeState::Error,
        _ => VolumeState::Unknown,
    }
}

/// A drive as a volume in `location`.
pub fn volume(drive: &Value, location: &str) -> Result<StorageVolume> {
    let id = text(drive, "uuid", "drive")?;
    let name = drive
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let size = number(drive, "size", "drive")?;
    let status = text(drive, "status", "drive")?;
    let mut volume = StorageVolume::new(id, name, gib(size), volume_state(status));
    volume.attached_to = drive
        .get("mounted_on")
        .and_then(Value::as_array)
        .and_then(|m| m.first())
        .and_then(|s| s.get("uuid"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    volume.location = Some(location.to_owned());
    volume.extra.insert("status".into(), Value::from(status));
    volume.extra.insert("size_bytes".into(), Value::from(size));
    copy(
        &mut volume.extra,
        drive,
        &["media", "storage_type", "tags", "meta"],
    );
    Ok(volume)
}

/// A snapshot as a volume snapshot.
pub fn snapshot(value: &Value) -> Result<VolumeSnapshot> {
    let id = text(value, "uuid", "snapshot")?;
    let state = match value.get("status").and_then(Value::as_str) {
        Some("available") => SnapshotState::Available,
        Some("creating") => SnapshotState::Creating,
        Some("deleting") => SnapshotState::Deleting,
        Some("unavailable") => SnapshotState::Error,
        _ => SnapshotState::Unknown,
    };
    let size = number(value, "allocated_size", "snapshot").unwrap_or(0);
    let mut snapshot = VolumeSnapshot::new(id, gib(size), state);
    snapshot.name = value
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    snapshot.volume_id = match value.get("drive") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(d) => d.get("uuid").and_then(Value::as_str).map(str::to_owned),
        None => None,
    };
    snapshot.created_at = value
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339);
    copy(&mut snapshot.extra, value, &["status", "meta"]);
    Ok(snapshot)
}

/// A key pair (the private half only when CloudSigma generated it).
pub fn key_pair(value: &Value) -> Result<KeyPair> {
    let name = text(value, "name", "key pair")?;
    let mut key = KeyPair::new(name);
    key.fingerprint = value
        .get("fingerprint")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty())
        .map(str::to_owned);
    key.public_key = value
        .get("public_key")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    key.private_key = value
        .get("private_key")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(Secret::new);
    let uuid = text(value, "uuid", "key pair")?;
    key.extra.insert("uuid".into(), Value::from(uuid));
    Ok(key)
}

/// The hourly price of `cpu_mhz`, `mem_mib` and `disk_gb` (SSD) from a
/// `/pricing/` answer in `currency`, at the account's current levels;
/// `None` when a price is missing.
pub fn hourly_price(
    pricing: &Value,
    currency: &str,
    cpu_mhz: u64,
    mem_mib: u64,
    disk_gb: u64,
) -> Option<f64> {
    let objects = pricing.get("objects")?.as_array()?;
    let price = |resource: &str| -> Option<f64> {
        let level = pricing
            .pointer(&format!("/current/{resource}"))
            .and_then(Value::as_u64);
        let candidates = objects.iter().filter(|o| {
            o.get("resource").and_then(Value::as_str) == Some(resource)
                && o.get("currency").and_then(Value::as_str) == Some(currency)
        });
        // The current level's price; without one, the lowest level's.
        let chosen = candidates
            .filter_map(|o| Some((o.get("level")?.as_u64()?, o)))
            .filter(|(l, _)| level.is_none_or(|want| *l == want))
            .min_by_key(|(l, _)| *l)?
            .1;
        let text = chosen.get("price")?.as_str()?;
        text.parse::<f64>()
            .ok()
            .filter(|p| p.is_finite() && *p >= 0.0)
    };
    let cpu = price("cpu")? * cpu_mhz as f64 / 1000.0; // per GHz and hour
    let mem = price("mem")? * mem_mib as f64 / 1024.0; // per GB and hour
    let disk = price("dssd").map_or(0.0, |p| p * disk_gb as f64 / 730.0); // per GB and month
    Some(cpu + mem + disk)
}

/// The `objects` list of a collection answer (or of a create, which
/// answers `{"objects": [...]}` too).
pub(crate) fn objects(body: &Value, what: &str) -> Result<Vec<Value>> {
    body.get("objects")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            Error::malformed(
                PROVIDER,
                format!("CloudSigma: the {what} answer has no `objects` list"),
            )
        })
}

/// The one object a create or clone answered with: the first of its
/// `objects`, or the object itself when it comes bare.
pub(crate) fn created(body: &Value, what: &str) -> Result<Value> {
    if body.get("objects").is_none() && body.get("uuid").is_some_and(Value::is_string) {
        return Ok(body.clone());
    }
    objects(body, what)?.into_iter().next().ok_or_else(|| {
        Error::malformed(
            PROVIDER,
            format!("CloudSigma: creating a {what} answered no object"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_shapes_are_malformed() {
        assert!(objects(&serde_json::json!([]), "servers").is_err());
        assert!(created(&serde_json::json!({"objects": []}), "server").is_err());
        let bare = serde_json::json!({"uuid": "d1", "status": "creating"});
        assert_eq!(created(&bare, "drive").unwrap(), bare);
    }
    use serde_json::json;

    /// A server shaped like CloudSigma's documented examples: a DHCP
    /// interface whose address is in its runtime, one drive.
    #[test]
    fn server_as_node() {
        let server = json!({
            "uuid": "4b5a1c7e-2f36-4e0b-9d55-2a0f4b3c7d11", "name": "web-1",
            "status": "running", "cpu": 2000, "mem": 2147483648u64, "smp": 1,
            "meta": {"cloud_image": "9c2e7a54-61c1-4f7a-b2bb-0c9d2f4a8e10"}, "tags": [],
            "vnc_password": "not-in-extra",
            "drives": [{"boot_order": 1, "dev_channel": "0:0", "device": "virtio",
                        "drive": {"resource_uri": "/api/2.0/drives/d1/", "uuid": "d1"}}],
            "nics": [{"ip_v4_conf": {"conf": "dhcp", "ip": null}, "mac": "22:a1:b2:c3:d4:e5",
                      "model": "virtio", "runtime": {"interface_type": "public",
                      "ip_v4": {"resource_uri": "/api/2.0/ips/192.0.2.44/", "uuid": "192.0.2.44"}},
                      "vlan": null}]
        });
        let node = node(&server, "zrh").unwrap();
        assert!(
            !serde_json::to_string(&node)
                .unwrap()
                .contains("not-in-extra")
        );
        insta::assert_json_snapshot!(node);
        assert!(super::node(&json!({"name": "x"}), "zrh").is_err());
    }

    #[test]
    fn drives_snapshots_and_keys() {
        let drive = json!({
            "uuid": "d1", "name": "data", "size": 1610612736u64, "status": "mounted",
            "media": "disk", "storage_type": "dssd",
            "mounted_on": [{"resource_uri": "/api/2.0/servers/s1/", "uuid": "s1"}]
        });
        let volume = volume(&drive, "zrh").unwrap();
        assert_eq!(volume.size_gb, 2);
        assert_eq!(volume.state, VolumeState::InUse);
        assert_eq!(volume.attached_to.as_deref(), Some("s1"));
        let snap = snapshot(&json!({
            "uuid": "n1", "name": "nightly", "status": "available", "allocated_size": 0,
            "drive": {"resource_uri": "/api/2.0/drives/d1/", "uuid": "d1"},
            "timestamp": "2026-11-30T10:15:00+00:00"
        }))
        .unwrap();
        assert_eq!(snap.volume_id.as_deref(), Some("d1"));
        assert!(snap.created_at.is_some());
        let key = key_pair(&json!({"uuid": "k1", "name": "ops", "fingerprint": "8c:71",
            "public_key": "ssh-ed25519 AAAA", "private_key": "-----BEGIN PRIVATE KEY-----"}))
        .unwrap();
        assert!(!format!("{key:?}").contains("BEGIN"));
        assert!(volume_state("cloning_dst") == VolumeState::Creating);
    }

    #[test]
    fn size_ids_round_trip() {
        assert_eq!(size_id(2000, 2 * GIB), "2000mhz-2048mib");
        assert_eq!(parse_size_id("2000mhz-2048mib"), Some((2000, 2048, None)));
        assert_eq!(
            parse_size_id("4000mhz-4096mib-40gb"),
            Some((4000, 4096, Some(40)))
        );
        for bad in [
            "",
            "small",
            "2000-2048",
            "0mhz-1mib",
            "1mhz-1mib-0gb",
            "1mhz-1mib-1gb-x",
        ] {
            assert_eq!(parse_size_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn prices_follow_the_current_level() {
        let pricing = json!({
            "current": {"cpu": 2, "mem": 1, "dssd": 1},
            "objects": [
                {"resource": "cpu", "level": 1, "currency": "USD", "price": "0.0100", "unit": "GHz/hour"},
                {"resource": "cpu", "level": 2, "currency": "USD", "price": "0.0200", "unit": "GHz/hour"},
                {"resource": "mem", "level": 1, "currency": "USD", "price": "0.0100", "unit": "GB/hour"},
                {"resource": "dssd", "level": 1, "currency": "USD", "price": "0.7300", "unit": "GB/month"},
                {"resource": "cpu", "level": 2, "currency": "CHF", "price": "9", "unit": "GHz/hour"}
            ]
        });
        let price = hourly_price(&pricing, "USD", 2000, 2048, 10).unwrap();
        assert!((price - (0.04 + 0.02 + 0.01)).abs() < 1e-9, "{price}");
        assert_eq!(hourly_price(&pricing, "EUR", 2000, 2048, 10), None);
        assert_eq!(hourly_price(&json!({}), "USD", 1, 1, 1), None);
    }
}
