//! What the Compute Engine API answers, as serde types, and their portable
//! forms: a missing or ill-typed field is a `MalformedResponse` naming it,
//! unknown fields are ignored. Resources name each other by URL
//! (`https://.../compute/v1/projects/p/zones/z/instances/n`); the portable
//! ids keep the part that names them (`zone/name`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use cloud_core::{
    Extra, Node, NodeImage, NodeLocation, NodeSize, NodeState, SnapshotState, StorageVolume,
    VolumeSnapshot, VolumeState,
};
use serde::{Deserialize, Deserializer};

/// An `int64` field: Google writes them as decimal strings.
fn int64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Int64 {
        Text(String),
        Number(u64),
    }
    match Int64::deserialize(d)? {
        Int64::Number(n) => Ok(n),
        Int64::Text(t) => t.parse().map_err(serde::de::Error::custom),
    }
}

fn int64_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    int64(d).map(Some)
}

/// The last segment of a resource URL (`.../machineTypes/e2-small` →
/// `e2-small`).
pub(crate) fn last_segment(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// The `zone/name` id of a zonal resource's URL (`.../zones/z/disks/d` →
/// `z/d`).
pub(crate) fn zonal_id(url: &str) -> String {
    let mut parts = url.rsplit('/');
    let name = parts.next().unwrap_or_default();
    let _kind = parts.next();
    let zone = parts.next().unwrap_or_default();
    format!("{zone}/{name}")
}

/// A page of a list (`items`, `nextPageToken`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct List<T> {
    #[serde(default = "Vec::new")]
    pub(crate) items: Vec<T>,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// A page of an aggregated list: items by scope (`zones/us-central1-a`),
/// a scope without items carrying a warning instead.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AggregatedList {
    #[serde(default)]
    pub(crate) items: BTreeMap<String, Scoped>,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// What one scope (zone or region) of an aggregated list holds: the
/// resources of the list's kind, or a warning instead.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Scoped {
    #[serde(default)]
    pub(crate) instances: Vec<Instance>,
    #[serde(default)]
    pub(crate) disks: Vec<Disk>,
    #[serde(default)]
    pub(crate) forwarding_rules: Vec<crate::loadbalancer::wire::ForwardingRule>,
    #[serde(default)]
    pub(crate) target_pools: Vec<crate::loadbalancer::wire::TargetPool>,
}

/// A long-running operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Operation {
    pub(crate) name: String,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) operation_type: Option<String>,
    #[serde(default)]
    pub(crate) zone: Option<String>,
    #[serde(default)]
    pub(crate) region: Option<String>,
    #[serde(default)]
    pub(crate) error: Option<OperationErrors>,
    #[serde(default)]
    pub(crate) http_error_status_code: Option<u16>,
}

/// The errors of a failed operation.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OperationErrors {
    #[serde(default)]
    pub(crate) errors: Vec<OperationError>,
}

/// One error of a failed operation.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OperationError {
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

/// Metadata: key/value items under a fingerprint that guards changes.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Metadata {
    #[serde(default)]
    pub(crate) fingerprint: Option<String>,
    #[serde(default)]
    pub(crate) items: Vec<MetadataItem>,
}

/// One metadata item.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MetadataItem {
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) value: Option<String>,
}

/// The project (its common metadata holds project-wide SSH keys).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Project {
    #[serde(default)]
    pub(crate) common_instance_metadata: Metadata,
}

/// An instance.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Instance {
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) zone: String,
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) machine_type: Option<String>,
    #[serde(default)]
    pub(crate) creation_timestamp: Option<String>,
    #[serde(default)]
    pub(crate) network_interfaces: Vec<NetworkInterface>,
    #[serde(default)]
    pub(crate) disks: Vec<AttachedDisk>,
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) tags: Option<Tags>,
    #[serde(default)]
    pub(crate) metadata: Metadata,
}

/// A network interface of an instance.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkInterface {
    #[serde(default, rename = "networkIP")]
    pub(crate) network_ip: Option<String>,
    #[serde(default)]
    pub(crate) network: Option<String>,
    #[serde(default)]
    pub(crate) access_configs: Vec<AccessConfig>,
}

/// An external address of an interface.
#[derive(Debug, Deserialize)]
pub(crate) struct AccessConfig {
    #[serde(default, rename = "natIP")]
    pub(crate) nat_ip: Option<String>,
}

/// A disk attached to an instance.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttachedDisk {
    #[serde(default)]
    pub(crate) source: Option<String>,
    #[serde(default)]
    pub(crate) device_name: Option<String>,
    #[serde(default)]
    pub(crate) boot: bool,
}

/// Network tags (firewall targets).
#[derive(Debug, Deserialize)]
pub(crate) struct Tags {
    #[serde(default)]
    pub(crate) items: Vec<String>,
}

/// A machine type.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MachineType {
    pub(crate) name: String,
    pub(crate) guest_cpus: u32,
    pub(crate) memory_mb: u64,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) is_shared_cpu: Option<bool>,
}

/// An image.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Image {
    pub(crate) name: String,
    pub(crate) self_link: String,
    #[serde(default)]
    pub(crate) family: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default, deserialize_with = "int64_option")]
    pub(crate) disk_size_gb: Option<u64>,
    #[serde(default)]
    pub(crate) deprecated: Option<Deprecation>,
}

/// An image's deprecation.
#[derive(Debug, Deserialize)]
pub(crate) struct Deprecation {
    #[serde(default)]
    pub(crate) state: Option<String>,
}

/// A zone.
#[derive(Debug, Deserialize)]
pub(crate) struct Zone {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) region: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
}

/// A persistent disk.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Disk {
    pub(crate) name: String,
    pub(crate) zone: String,
    pub(crate) status: String,
    #[serde(deserialize_with = "int64")]
    pub(crate) size_gb: u64,
    #[serde(default)]
    pub(crate) users: Vec<String>,
    #[serde(default)]
    pub(crate) creation_timestamp: Option<String>,
    #[serde(default, rename = "type")]
    pub(crate) disk_type: Option<String>,
    #[serde(default)]
    pub(crate) source_image: Option<String>,
}

/// A snapshot.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Snapshot {
    pub(crate) name: String,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) source_disk: Option<String>,
    #[serde(default, deserialize_with = "int64_option")]
    pub(crate) disk_size_gb: Option<u64>,
    #[serde(default)]
    pub(crate) creation_timestamp: Option<String>,
}

/// An instance status as a portable state: `TERMINATED` is Compute
/// Engine's word for a stopped instance.
fn node_state(status: &str) -> NodeState {
    match status {
        "PROVISIONING" | "STAGING" => NodeState::Pending,
        "RUNNING" => NodeState::Running,
        "STOPPING" | "SUSPENDING" => NodeState::Stopping,
        "TERMINATED" | "STOPPED" => NodeState::Stopped,
        "SUSPENDED" => NodeState::Suspended,
        "REPAIRING" => NodeState::Rebooting,
        _ => NodeState::Unknown,
    }
}

impl Instance {
    /// The portable node; its id is `zone/name`.
    pub(crate) fn node(&self) -> Node {
        let zone = last_segment(&self.zone);
        let mut node = Node::new(
            format!("{zone}/{}", self.name),
            &self.name,
            node_state(&self.status),
        );
        let ips = |text: Option<&String>| text.and_then(|t| t.parse::<IpAddr>().ok());
        for nic in &self.network_interfaces {
            node.private_ips.extend(ips(nic.network_ip.as_ref()));
            node.public_ips.extend(
                nic.access_configs
                    .iter()
                    .filter_map(|a| ips(a.nat_ip.as_ref())),
            );
        }
        node.size = self
            .machine_type
            .as_deref()
            .map(|m| last_segment(m).to_owned());
        node.location = Some(zone.to_owned());
        node.created_at = self
            .creation_timestamp
            .as_deref()
            .and_then(cloud_core::time::parse_rfc3339);
        let mut extra = Extra::new();
        extra.insert("status".into(), self.status.clone().into());
        extra.insert("zone".into(), zone.into());
        if let Some(id) = &self.id {
            extra.insert("google_id".into(), id.clone().into());
        }
        if !self.labels.is_empty() {
            extra.insert("labels".into(), serde_json::json!(self.labels));
        }
        if let Some(tags) = self.tags.as_ref().filter(|t| !t.items.is_empty()) {
            extra.insert("network_tags".into(), tags.items.clone().into());
        }
        let volumes: Vec<String> = self
            .disks
            .iter()
            .filter_map(|d| d.source.as_deref().map(zonal_id))
            .collect();
        if !volumes.is_empty() {
            extra.insert("volumes".into(), volumes.into());
        }
        if let Some(source) = self
            .disks
            .iter()
            .find(|d| d.boot)
            .and_then(|d| d.source.as_deref())
        {
            extra.insert("boot_volume".into(), zonal_id(source).into());
        }
        if let Some(network) = self
            .network_interfaces
            .first()
            .and_then(|n| n.network.as_deref())
        {
            extra.insert("network".into(), last_segment(network).into());
        }
        // The user the instance's own SSH key is installed for.
        let user = self
            .metadata
            .items
            .iter()
            .find(|i| i.key == "ssh-keys")
            .and_then(|i| i.value.as_deref())
            .and_then(|v| v.lines().find_map(|l| l.split_once(':')))
            .map(|(user, _)| user.trim().to_owned());
        if let Some(user) = user {
            extra.insert("ssh_user".into(), user.into());
        }
        node.extra = extra;
        node
    }
}

impl MachineType {
    /// The portable size: memory and vCPUs; disks are sized apart.
    pub(crate) fn size(&self, zone: &str) -> NodeSize {
        let mut size = NodeSize::new(&self.name, &self.name, self.memory_mb, 0);
        size.vcpus = Some(self.guest_cpus);
        size.extra.insert("zone".into(), zone.into());
        if let Some(d) = &self.description {
            size.extra.insert("description".into(), d.clone().into());
        }
        if let Some(shared) = self.is_shared_cpu {
            size.extra.insert("shared_cpu".into(), shared.into());
        }
        size
    }
}

impl Image {
    /// The portable image: its id is the `projects/p/global/images/name`
    /// path Compute Engine takes as a source image.
    pub(crate) fn image(&self) -> NodeImage {
        let path = self
            .self_link
            .find("projects/")
            .map_or(self.self_link.as_str(), |at| &self.self_link[at..]);
        let mut image = NodeImage::new(path, &self.name);
        for (key, value) in [
            ("family", &self.family),
            ("description", &self.description),
            ("status", &self.status),
        ] {
            if let Some(v) = value {
                image.extra.insert(key.into(), v.clone().into());
            }
        }
        if let Some(gb) = self.disk_size_gb {
            image.extra.insert("disk_size_gb".into(), gb.into());
        }
        if let Some(state) = self.deprecated.as_ref().and_then(|d| d.state.clone()) {
            image.extra.insert("deprecated".into(), state.into());
        }
        image
    }

    /// Whether it is offered for new instances (not deprecated away).
    pub(crate) fn current(&self) -> bool {
        !matches!(
            self.deprecated.as_ref().and_then(|d| d.state.as_deref()),
            Some("DEPRECATED" | "OBSOLETE" | "DELETED")
        )
    }
}

impl Zone {
    /// The portable location.
    pub(crate) fn location(&self) -> NodeLocation {
        let mut location = NodeLocation::new(&self.name, &self.name, None);
        if let Some(region) = &self.region {
            location
                .extra
                .insert("region".into(), last_segment(region).into());
        }
        if let Some(status) = &self.status {
            location
                .extra
                .insert("status".into(), status.clone().into());
        }
        location
    }
}

impl Disk {
    /// The portable volume; its id is `zone/name`.
    pub(crate) fn volume(&self) -> StorageVolume {
        let zone = last_segment(&self.zone);
        let state = match (self.status.as_str(), self.users.is_empty()) {
            ("READY", true) => VolumeState::Available,
            ("READY", false) => VolumeState::InUse,
            ("CREATING" | "RESTORING", _) => VolumeState::Creating,
            ("DELETING", _) => VolumeState::Deleting,
            ("FAILED", _) => VolumeState::Error,
            _ => VolumeState::Unknown,
        };
        let mut volume = StorageVolume::new(
            format!("{zone}/{}", self.name),
            &self.name,
            self.size_gb,
            state,
        );
        volume.attached_to = self.users.first().map(|u| zonal_id(u));
        volume.location = Some(zone.to_owned());
        volume.created_at = self
            .creation_timestamp
            .as_deref()
            .and_then(cloud_core::time::parse_rfc3339);
        if let Some(kind) = &self.disk_type {
            volume
                .extra
                .insert("disk_type".into(), last_segment(kind).into());
        }
        if let Some(image) = &self.source_image {
            volume
                .extra
                .insert("source_image".into(), image.clone().into());
        }
        volume
    }
}

impl Snapshot {
    /// The portable snapshot; its id is its (global) name.
    pub(crate) fn snapshot(&self) -> VolumeSnapshot {
        let state = match self.status.as_str() {
            "READY" => SnapshotState::Available,
            "CREATING" | "UPLOADING" => SnapshotState::Creating,
            "DELETING" => SnapshotState::Deleting,
            "FAILED" => SnapshotState::Error,
            _ => SnapshotState::Unknown,
        };
        let mut snapshot = VolumeSnapshot::new(&self.name, self.disk_size_gb.unwrap_or(0), state);
        snapshot.name = Some(self.name.clone());
        snapshot.volume_id = self.source_disk.as_deref().map(zonal_id);
        snapshot.created_at = self
            .creation_timestamp
            .as_deref()
            .and_then(cloud_core::time::parse_rfc3339);
        snapshot
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Google's answers in the shapes recorded in Apache Libcloud's
    /// fixtures (libcloud/test/compute/fixtures/gce), read field by field.
    #[test]
    fn recorded_answers_read() {
        let instance: Instance = serde_json::from_value(json!({
            "canIpForward": false,
            "creationTimestamp": "2013-12-13T10:45:23.351-08:00",
            "disks": [{"boot": true, "deviceName": "persistent-disk-0", "index": 0,
                       "kind": "compute#attachedDisk", "mode": "READ_WRITE",
                       "source": "https://www.googleapis.com/compute/v1/projects/project_name/zones/us-central1-a/disks/node-name",
                       "type": "PERSISTENT"}],
            "id": "4006034190819017667", "kind": "compute#instance",
            "machineType": "https://www.googleapis.com/compute/v1/projects/project_name/zones/us-central1-a/machineTypes/n1-standard-1",
            "metadata": {"fingerprint": "42WmSpB8rSM=", "kind": "compute#metadata"},
            "name": "node-name",
            "networkInterfaces": [{"accessConfigs": [{"kind": "compute#accessConfig",
                "name": "External NAT", "natIP": "23.236.58.15", "type": "ONE_TO_ONE_NAT"}],
                "name": "nic0",
                "network": "https://www.googleapis.com/compute/v1/projects/project_name/global/networks/default",
                "networkIP": "10.240.72.75"}],
            "scheduling": {"automaticRestart": true, "onHostMaintenance": "MIGRATE"},
            "selfLink": "https://www.googleapis.com/compute/v1/projects/project_name/zones/us-central1-a/instances/node-name",
            "status": "RUNNING", "tags": {"fingerprint": "42WmSpB8rSM="},
            "zone": "https://www.googleapis.com/compute/v1/projects/project_name/zones/us-central1-a"
        }))
        .unwrap();
        insta::assert_json_snapshot!(instance.node());
        let machine: MachineType = serde_json::from_value(json!({
            "creationTimestamp": "2012-06-07T13:48:14.670-07:00", "description": "1 vCPU, 3.75 GB RAM",
            "guestCpus": 1, "id": "11077240422128681563", "imageSpaceGb": 10,
            "kind": "compute#machineType", "maximumPersistentDisks": 16,
            "maximumPersistentDisksSizeGb": "10240", "memoryMb": 3840, "name": "n1-standard-1",
            "zone": "us-central1-a"
        }))
        .unwrap();
        let size = machine.size("us-central1-a");
        assert_eq!((size.ram_mib, size.vcpus), (3840, Some(1)));
        let disk: Disk = serde_json::from_value(json!({
            "creationTimestamp": "2013-06-26T10:06:04.007-07:00", "id": "16109451798967042451",
            "kind": "compute#disk", "name": "lcdisk",
            "type": "https://www.googleapis.com/compute/v1/projects/project_name/zones/us-central1-a/diskTypes/pd-ssd",
            "sizeGb": "10", "status": "READY",
            "zone": "https://www.googleapis.com/compute/v1/projects/project_name/zones/us-central1-a"
        }))
        .unwrap();
        insta::assert_json_snapshot!(disk.volume());
        let snapshot: Snapshot = serde_json::from_value(json!({
            "creationTimestamp": "2013-12-16T13:03:51.345-08:00", "description": "",
            "diskSizeGb": "10", "id": "17482266715940883688", "kind": "compute#snapshot",
            "name": "lcsnapshot",
            "sourceDisk": "https://www.googleapis.com/compute/v1/projects/project_name/zones/us-central1-a/disks/lcdisk",
            "sourceDiskId": "-2511816066479461182", "status": "READY"
        }))
        .unwrap();
        let portable = snapshot.snapshot();
        assert_eq!(portable.volume_id.as_deref(), Some("us-central1-a/lcdisk"));
        assert_eq!(portable.size_gb, 10);
        let image: Image = serde_json::from_value(json!({
            "archiveSizeBytes": "341857472", "creationTimestamp": "2013-11-25T15:17:00.436-08:00",
            "description": "Debian GNU/Linux 7.2 (wheezy) built on 2013-11-20",
            "id": "05708985343919147751", "kind": "compute#image", "name": "debian-7-wheezy-v20131120",
            "selfLink": "https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/debian-7-wheezy-v20131120",
            "sourceType": "RAW", "status": "READY"
        }))
        .unwrap();
        assert_eq!(
            image.image().id,
            "projects/debian-cloud/global/images/debian-7-wheezy-v20131120"
        );
        let list: AggregatedList = serde_json::from_value(json!({
            "kind": "compute#instanceAggregatedList",
            "items": {"zones/europe-west1-b": {"warning": {"code": "NO_RESULTS_ON_PAGE",
                "data": [{"key": "scope", "value": "zones/europe-west1-b"}],
                "message": "There are no results for scope 'zones/europe-west1-b' on this page."}}}
        }))
        .unwrap();
        assert!(list.items["zones/europe-west1-b"].instances.is_empty());
    }

    #[test]
    fn wrong_shapes_are_refused() {
        assert!(
            serde_json::from_value::<Disk>(json!({"name": "d", "zone": "z", "status": "READY",
                                                  "sizeGb": "ten"}))
            .is_err()
        );
        assert!(serde_json::from_value::<Instance>(json!({"name": "n"})).is_err());
        assert_eq!(node_state("TERMINATED"), NodeState::Stopped);
        assert_eq!(node_state("SOMETHING_NEW"), NodeState::Unknown);
    }
}
