//! CloudSigma objects as portable values: servers as nodes, library drives
//! as images, drives as volumes, snapshots, key pairs, and sizes as CPU
//! MHz plus memory.
//!
//! Answers are read into serde wire types: an object without its `uuid` or
//! with a field of the wrong type is a `MalformedResponse` naming the field
//! (`objects[3].mem`); fields not named here are ignored. User metadata
//! (`meta`) and tags stay JSON: they are free-form.

use std::net::IpAddr;

use cloud_core::http::json::null_as_default;
use cloud_core::time::parse_rfc3339;
use cloud_core::{
    Error, KeyPair, Node, NodeImage, NodeState, Result, Secret, SnapshotState, StorageVolume,
    VolumeSnapshot, VolumeState,
};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

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

/// `value` as the wire type `T`, or the malformed answer naming `what`
/// and the field.
pub(crate) fn wire<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    cloud_core::http::json::decode(PROVIDER, "CloudSigma", what, value)
}

/// [`wire`] of an answer that is also kept whole (a server or drive sent
/// back with a change).
pub(crate) fn wire_ref<T: serde::de::DeserializeOwned>(value: &Value, what: &str) -> Result<T> {
    cloud_core::http::json::decode(PROVIDER, "CloudSigma", what, value)
}

/// What a change waits on in a server or drive: its status, size and the
/// servers it is mounted on.
#[derive(Debug, Deserialize)]
pub(crate) struct State {
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default, deserialize_with = "maybe_count")]
    pub(crate) size: Option<u64>,
    #[serde(default)]
    mounted_on: Option<Vec<Ref>>,
}

impl State {
    /// The first server the drive is mounted on.
    pub(crate) fn mounted_on(&self) -> Option<&str> {
        self.mounted_on
            .as_ref()
            .and_then(|m| m.first())
            .map(|r| r.uuid.as_str())
    }
}

/// A count CloudSigma gives as a number or, in some answers, as a string
/// of digits (sizes).
fn count<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        Number(u64),
        Text(String),
    }
    match Count::deserialize(deserializer)? {
        Count::Number(n) => Ok(n),
        Count::Text(t) => t
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a count"))),
    }
}

/// [`count`], when it may be absent or null.
fn maybe_count<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "count")] u64);
    Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
}

/// A collection answer: `{"meta": {"total_count"}, "objects": [...]}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Collection<T> {
    pub(crate) objects: Vec<T>,
    #[serde(default)]
    pub(crate) meta: Option<CollectionMeta>,
}

/// A collection's `meta`.
#[derive(Debug, Deserialize)]
pub(crate) struct CollectionMeta {
    #[serde(default)]
    pub(crate) total_count: Option<u64>,
}

/// A reference to another object: `{"resource_uri", "uuid"}`.
#[derive(Debug, Deserialize)]
struct Ref {
    uuid: String,
}

/// A reference given as the object or as its bare uuid.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RefOrUuid {
    Uuid(String),
    Ref(Ref),
}

impl RefOrUuid {
    fn uuid(&self) -> &str {
        match self {
            RefOrUuid::Uuid(u) => u,
            RefOrUuid::Ref(r) => &r.uuid,
        }
    }
}

/// A server (`/servers/detail/`, `/servers/{uuid}/`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireServer {
    uuid: String,
    #[serde(default)]
    name: Option<String>,
    status: String,
    #[serde(deserialize_with = "count")]
    cpu: u64,
    #[serde(deserialize_with = "count")]
    mem: u64,
    #[serde(default)]
    smp: Option<u64>,
    #[serde(default)]
    meta: Option<Map<String, Value>>,
    #[serde(default)]
    tags: Option<Value>,
    #[serde(default)]
    nics: Option<Vec<WireNic>>,
    #[serde(default)]
    drives: Option<Vec<WireServerDrive>>,
}

/// A server's network interface.
#[derive(Debug, Deserialize)]
struct WireNic {
    #[serde(default)]
    runtime: Option<WireNicRuntime>,
    #[serde(default)]
    ip_v4_conf: Option<WireIpConf>,
}

#[derive(Debug, Deserialize)]
struct WireNicRuntime {
    #[serde(default)]
    ip_v4: Option<Ref>,
}

#[derive(Debug, Deserialize)]
struct WireIpConf {
    #[serde(default)]
    ip: Option<Ref>,
}

/// A server's drive entry.
#[derive(Debug, Deserialize)]
struct WireServerDrive {
    #[serde(default)]
    drive: Option<RefOrUuid>,
}

/// A drive or a library drive.
#[derive(Debug, Deserialize)]
pub(crate) struct WireDrive {
    uuid: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "maybe_count")]
    size: Option<u64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    mounted_on: Option<Vec<Ref>>,
    /// The rest, for `extra` (`media`, `os`, `storage_type`...).
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A snapshot.
#[derive(Debug, Deserialize)]
struct WireSnapshot {
    uuid: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, deserialize_with = "maybe_count")]
    allocated_size: Option<u64>,
    #[serde(default)]
    drive: Option<RefOrUuid>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    meta: Option<Value>,
}

/// A key pair.
#[derive(Debug, Deserialize)]
struct WireKeyPair {
    uuid: String,
    name: String,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    private_key: Option<String>,
}

/// `/pricing/`: the account's current level per resource, and prices.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Pricing {
    #[serde(default, deserialize_with = "null_as_default")]
    current: std::collections::HashMap<String, u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    objects: Vec<Price>,
}

/// One price of one resource at one level.
#[derive(Debug, Deserialize)]
struct Price {
    resource: String,
    level: u64,
    currency: String,
    price: String,
}

fn copy(extra: &mut cloud_core::Extra, value: &Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(v) = value.get(*key).filter(|v| !v.is_null()) {
            extra.insert((*key).to_owned(), v.clone());
        }
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty())
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
fn addresses(nics: &[WireNic]) -> Vec<IpAddr> {
    let mut out = Vec::new();
    for nic in nics {
        let runtime = nic.runtime.as_ref().and_then(|r| r.ip_v4.as_ref());
        let configured = nic.ip_v4_conf.as_ref().and_then(|c| c.ip.as_ref());
        for ip in [runtime, configured].into_iter().flatten() {
            if let Ok(ip) = ip.uuid.parse::<IpAddr>()
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

impl WireServer {
    /// The server as a node in `location`.
    pub(crate) fn node(self, location: &str) -> Node {
        let mut node = Node::new(
            &self.uuid,
            self.name.as_deref().unwrap_or_default(),
            node_state(&self.status),
        );
        node.public_ips = addresses(self.nics.as_deref().unwrap_or_default());
        node.size = Some(size_id(self.cpu, self.mem));
        node.image = self
            .meta
            .as_ref()
            .and_then(|m| m.get(META_IMAGE))
            .and_then(Value::as_str)
            .map(str::to_owned);
        node.location = Some(location.to_owned());
        let extra = &mut node.extra;
        extra.insert("status".into(), Value::from(self.status));
        extra.insert("cpu".into(), Value::from(self.cpu));
        extra.insert("mem".into(), Value::from(self.mem));
        if let Some(smp) = self.smp {
            extra.insert("smp".into(), Value::from(smp));
        }
        if let Some(meta) = self.meta {
            extra.insert("meta".into(), Value::Object(meta));
        }
        if let Some(tags) = self.tags.filter(|t| !t.is_null()) {
            extra.insert("tags".into(), tags);
        }
        let drives = self
            .drives
            .iter()
            .flatten()
            .filter_map(|d| d.drive.as_ref().map(|r| Value::from(r.uuid())))
            .collect();
        extra.insert("drives".into(), Value::Array(drives));
        node
    }
}

/// A server (an answer's JSON) as a node in `location`.
pub fn node(server: Value, location: &str) -> Result<Node> {
    Ok(wire::<WireServer>(server, "a server")?.node(location))
}

/// The uuid of the drive a server's drive entry names (an object with its
/// `uuid`, or the uuid itself): for the server JSON that is sent back
/// whole when drives are attached or detached.
pub fn drive_ref(entry: &Value) -> Option<&str> {
    match entry.get("drive")? {
        Value::String(s) => Some(s),
        other => other.get("uuid").and_then(Value::as_str),
    }
}

impl WireDrive {
    /// The library drive as an image.
    pub(crate) fn image(self) -> NodeImage {
        let name = self.name.as_deref().unwrap_or(&self.uuid).to_owned();
        let mut image = NodeImage::new(&self.uuid, name);
        if let Some(size) = self.size {
            image.extra.insert("size_gb".into(), Value::from(gib(size)));
        }
        copy(
            &mut image.extra,
            &self.rest,
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
        image
    }

    /// The drive as a volume in `location`.
    pub(crate) fn volume(self, location: &str) -> Result<StorageVolume> {
        let (Some(size), Some(status)) = (self.size, self.status) else {
            return Err(Error::malformed(
                PROVIDER,
                format!(
                    "CloudSigma: drive `{}` has no `size` or `status`",
                    self.uuid
                ),
            ));
        };
        let mut volume = StorageVolume::new(
            &self.uuid,
            self.name.as_deref().unwrap_or_default(),
            gib(size),
            volume_state(&status),
        );
        volume.attached_to = self
            .mounted_on
            .and_then(|m| m.into_iter().next())
            .map(|s| s.uuid);
        volume.location = Some(location.to_owned());
        volume.extra.insert("status".into(), Value::from(status));
        volume.extra.insert("size_bytes".into(), Value::from(size));
        copy(
            &mut volume.extra,
            &self.rest,
            &["media", "storage_type", "tags", "meta"],
        );
        Ok(volume)
    }
}

/// A library drive (an answer's JSON) as an image.
pub fn image(drive: Value) -> Result<NodeImage> {
    Ok(wire::<WireDrive>(drive, "a library drive")?.image())
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

/// A drive (an answer's JSON) as a volume in `location`.
pub fn volume(drive: Value, location: &str) -> Result<StorageVolume> {
    wire::<WireDrive>(drive, "a drive")?.volume(location)
}

/// A snapshot (an answer's JSON) as a volume snapshot.
pub fn snapshot(value: Value) -> Result<VolumeSnapshot> {
    let wire = wire::<WireSnapshot>(value, "a snapshot")?;
    let state = match wire.status.as_deref() {
        Some("available") => SnapshotState::Available,
        Some("creating") => SnapshotState::Creating,
        Some("deleting") => SnapshotState::Deleting,
        Some("unavailable") => SnapshotState::Error,
        _ => SnapshotState::Unknown,
    };
    let mut snapshot =
        VolumeSnapshot::new(&wire.uuid, gib(wire.allocated_size.unwrap_or(0)), state);
    snapshot.name = non_empty(wire.name);
    snapshot.volume_id = wire.drive.as_ref().map(|d| d.uuid().to_owned());
    snapshot.created_at = wire.timestamp.as_deref().and_then(parse_rfc3339);
    if let Some(status) = wire.status {
        snapshot.extra.insert("status".into(), Value::from(status));
    }
    if let Some(meta) = wire.meta.filter(|m| !m.is_null()) {
        snapshot.extra.insert("meta".into(), meta);
    }
    Ok(snapshot)
}

impl WireKeyPair {
    fn key_pair(self) -> KeyPair {
        let mut key = KeyPair::new(&self.name);
        key.fingerprint = non_empty(self.fingerprint);
        key.public_key = non_empty(self.public_key);
        key.private_key = non_empty(self.private_key).map(Secret::new);
        key.extra.insert("uuid".into(), Value::from(self.uuid));
        key
    }
}

/// A key pair (an answer's JSON); the private half only when CloudSigma
/// generated it.
pub fn key_pair(value: Value) -> Result<KeyPair> {
    Ok(wire::<WireKeyPair>(value, "a key pair")?.key_pair())
}

/// The key pair named `name` among a page of key pairs' JSON.
pub(crate) fn key_pair_named(objects: Vec<Value>, name: &str) -> Result<Option<KeyPair>> {
    for (i, value) in objects.into_iter().enumerate() {
        let key = wire::<WireKeyPair>(value, &format!("key pair {i} of the listing"))?;
        if key.name == name {
            return Ok(Some(key.key_pair()));
        }
    }
    Ok(None)
}

/// The hourly price of `cpu_mhz`, `mem_mib` and `disk_gb` (SSD) from a
/// `/pricing/` answer in `currency`, at the account's current levels;
/// `None` when a price is missing.
pub(crate) fn hourly_price(
    pricing: &Pricing,
    currency: &str,
    cpu_mhz: u64,
    mem_mib: u64,
    disk_gb: u64,
) -> Option<f64> {
    let price = |resource: &str| -> Option<f64> {
        let level = pricing.current.get(resource).copied();
        // The current level's price; without one, the lowest level's.
        let chosen = pricing
            .objects
            .iter()
            .filter(|p| p.resource == resource && p.currency == currency)
            .filter(|p| level.is_none_or(|want| p.level == want))
            .min_by_key(|p| p.level)?;
        chosen
            .price
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite() && *p >= 0.0)
    };
    let cpu = price("cpu")? * cpu_mhz as f64 / 1000.0; // per GHz and hour
    let mem = price("mem")? * mem_mib as f64 / 1024.0; // per GB and hour
    let disk = price("dssd").map_or(0.0, |p| p * disk_gb as f64 / 730.0); // per GB and month
    Some(cpu + mem + disk)
}

/// The `objects` list of a collection answer (or of a create, which
/// answers `{"objects": [...]}` too), still JSON.
pub(crate) fn objects(body: Value, what: &str) -> Result<Vec<Value>> {
    Ok(wire::<Collection<Value>>(body, &format!("the {what} answer"))?.objects)
}

/// The one object a create or clone answered with: the first of its
/// `objects`, or the object itself when it comes bare.
pub(crate) fn created(body: Value, what: &str) -> Result<Value> {
    if body.get("objects").is_none() && body.get("uuid").is_some_and(Value::is_string) {
        return Ok(body);
    }
    objects(body, what)?.into_iter().next().ok_or_else(|| {
        Error::malformed(
            PROVIDER,
            format!("CloudSigma: creating a {what} answered no object"),
        )
    })
}

/// The uuid of an object an answer created.
pub(crate) fn created_uuid(object: Value, what: &str) -> Result<String> {
    #[derive(Deserialize)]
    struct Created {
        uuid: String,
    }
    Ok(wire::<Created>(object, &format!("the new {what}"))?.uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_shapes_are_malformed() {
        assert!(objects(serde_json::json!([]), "servers").is_err());
        assert!(created(serde_json::json!({"objects": []}), "server").is_err());
        let bare = serde_json::json!({"uuid": "d1", "status": "creating"});
        assert_eq!(created(bare.clone(), "drive").unwrap(), bare);
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
        let node = node(server, "zrh").unwrap();
        assert!(
            !serde_json::to_string(&node)
                .unwrap()
                .contains("not-in-extra")
        );
        insta::assert_json_snapshot!(node);
        let err = super::node(json!({"name": "x"}), "zrh").unwrap_err();
        assert!(err.to_string().contains("uuid"), "{err}");
        let err = super::node(
            json!({"uuid": "s1", "status": "running", "cpu": 1000, "mem": "lots"}),
            "zrh",
        )
        .unwrap_err();
        assert!(err.to_string().contains("at `mem`"), "{err}");
    }

    #[test]
    fn drives_snapshots_and_keys() {
        let drive = json!({
            "uuid": "d1", "name": "data", "size": 1610612736u64, "status": "mounted",
            "media": "disk", "storage_type": "dssd",
            "mounted_on": [{"resource_uri": "/api/2.0/servers/s1/", "uuid": "s1"}]
        });
        let volume = volume(drive, "zrh").unwrap();
        assert_eq!(volume.size_gb, 2);
        assert_eq!(volume.state, VolumeState::InUse);
        assert_eq!(volume.attached_to.as_deref(), Some("s1"));
        let snap = snapshot(json!({
            "uuid": "n1", "name": "nightly", "status": "available", "allocated_size": 0,
            "drive": {"resource_uri": "/api/2.0/drives/d1/", "uuid": "d1"},
            "timestamp": "2026-11-30T10:15:00+00:00"
        }))
        .unwrap();
        assert_eq!(snap.volume_id.as_deref(), Some("d1"));
        assert!(snap.created_at.is_some());
        let key = key_pair(json!({"uuid": "k1", "name": "ops", "fingerprint": "8c:71",
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
        let pricing: Pricing = wire(pricing, "pricing").unwrap();
        let price = hourly_price(&pricing, "USD", 2000, 2048, 10).unwrap();
        assert!((price - (0.04 + 0.02 + 0.01)).abs() < 1e-9, "{price}");
        assert_eq!(hourly_price(&pricing, "EUR", 2000, 2048, 10), None);
        assert_eq!(hourly_price(&Pricing::default(), "USD", 1, 1, 1), None);
    }
}
