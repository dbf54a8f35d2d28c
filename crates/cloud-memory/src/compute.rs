//! In-memory compute: nodes with a life cycle, volumes, snapshots, key pairs.

use cloud_core::compute::contract;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use base64::Engine as _;
use cloud_core::Driver;
use cloud_core::paging::page_of;
use cloud_core::{
    Api, Capabilities, Capability, ComputeDriver, CreateNode, CreateVolume, Error, KeyPair, Node,
    NodeImage, NodeLocation, NodeSize, NodeState, Page, PageRequest, ResourceKind, Result,
    SnapshotState, StorageVolume, VolumeSnapshot, VolumeState,
};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use crate::PROVIDER;
use crate::clock::Timed;
use crate::persist::Store;

/// Everything but generating key pairs: the memory provider has no key
/// generator, so it only imports public keys.
pub(crate) const CAPABILITIES: Capabilities =
    Capabilities::all(Api::Compute).without(Capability::CreateKeyPair);

const PAGE_SIZE: u32 = 100;

/// In-memory compute driver.
///
/// Nodes start `pending` and become `running` after the transition delay;
/// reboot, stop and start pass through `rebooting`, `stopping` and
/// `starting` the same way.
#[derive(Debug, Clone)]
pub struct MemoryCompute {
    store: Store<State>,
    delay: Duration,
    ssh_endpoint: Option<SocketAddr>,
}

#[derive(Debug, Serialize, Deserialize)]
struct NodeEntry {
    node: Node,
    state: Timed<NodeState>,
    token: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct State {
    next_id: u64,
    nodes: BTreeMap<String, NodeEntry>,
    volumes: BTreeMap<String, StorageVolume>,
    snapshots: BTreeMap<String, VolumeSnapshot>,
    key_pairs: BTreeMap<String, KeyPair>,
    sizes: Vec<NodeSize>,
    images: Vec<NodeImage>,
    locations: Vec<NodeLocation>,
}

impl Default for State {
    /// An empty account with the built-in catalogue.
    fn default() -> Self {
        State {
            next_id: 0,
            nodes: BTreeMap::new(),
            volumes: BTreeMap::new(),
            snapshots: BTreeMap::new(),
            key_pairs: BTreeMap::new(),
            sizes: catalogue_sizes(),
            images: vec![
                image("debian-12", "Debian 12 (bookworm)", "linux"),
                image("ubuntu-24.04", "Ubuntu 24.04 LTS", "linux"),
                image("alpine-3.20", "Alpine Linux 3.20", "linux"),
            ],
            locations: vec![
                NodeLocation::new("mem-a", "Memory zone A", None),
                NodeLocation::new("mem-b", "Memory zone B", None),
            ],
        }
    }
}

impl State {
    fn id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("{kind}-{:06}", self.next_id)
    }

    fn node(&self, id: &str) -> Result<&NodeEntry> {
        self.nodes
            .get(id)
            .ok_or_else(|| Error::not_found(ResourceKind::Node, id).with_provider(PROVIDER))
    }

    fn node_mut(&mut self, id: &str) -> Result<&mut NodeEntry> {
        self.nodes
            .get_mut(id)
            .ok_or_else(|| Error::not_found(ResourceKind::Node, id).with_provider(PROVIDER))
    }

    fn volume_mut(&mut self, id: &str) -> Result<&mut StorageVolume> {
        self.volumes
            .get_mut(id)
            .ok_or_else(|| Error::not_found(ResourceKind::Volume, id).with_provider(PROVIDER))
    }
}

fn conflict(message: String) -> Error {
    Error::conflict(message)
        .with_provider(PROVIDER)
        .with_code("IncorrectState")
}

fn snapshot_of(entry: &NodeEntry) -> Node {
    let mut node = entry.node.clone();
    node.state = entry.state.get();
    node
}

impl MemoryCompute {
    /// An empty account with the built-in catalogue; transitions take `delay`.
    pub fn new(delay: Duration) -> Self {
        MemoryCompute {
            store: Store::memory(State::default()),
            delay,
            ssh_endpoint: None,
        }
    }

    /// Gives the nodes it creates from now on `endpoint`'s address as their
    /// public address, and its port as their SSH port
    /// ([`cloud_core::compute::EXTRA_SSH_PORT`]): point it at a local SSH
    /// server and deployment runs end to end on the memory provider.
    #[must_use]
    pub fn with_ssh_endpoint(mut self, endpoint: SocketAddr) -> Self {
        self.ssh_endpoint = Some(endpoint);
        self
    }

    /// A compute account kept in the JSON file `path` (created on the
    /// first change), shared with every process that opens the same file:
    /// each change is a locked read-modify-write of the file, so concurrent
    /// processes lose no update and never hand out one id twice.
    pub fn open(path: impl Into<PathBuf>, delay: Duration) -> Result<Self> {
        Ok(MemoryCompute {
            store: Store::open(path)?,
            delay,
            ssh_endpoint: None,
        })
    }

    /// Node `id`, if it exists (for balancers resolving node members).
    pub(crate) fn find_node(&self, id: &str) -> Result<Option<Node>> {
        self.store.read(|s| Ok(s.nodes.get(id).map(snapshot_of)))
    }

    /// Adds an image to the catalogue (an extra: real providers build images from nodes).
    pub fn ex_add_image(&self, id: &str, name: &str) -> Result<NodeImage> {
        let image = NodeImage::new(id, name);
        self.store.update(|state| {
            state.images.retain(|i| i.id != id);
            state.images.push(image.clone());
            Ok(image)
        })
    }

    /// Forces a node into `state` at once (an extra for tests: simulate a crash).
    pub fn ex_set_node_state(&self, id: &str, state: NodeState) -> Result<()> {
        self.store.update(|guard| {
            guard.node_mut(id)?.state = Timed::settled(state);
            Ok(())
        })
    }

    /// Moves node `id` from one of `from` through `during` to `after`; a
    /// node already in one of `arrived` is left as it is (the portable
    /// start/stop contract).
    fn change_state(
        &self,
        id: &str,
        (from, arrived): (&[NodeState], &[NodeState]),
        during: NodeState,
        after: NodeState,
        verb: &str,
    ) -> Result<()> {
        let delay = self.delay;
        self.store.update(|state| {
            let entry = state.node_mut(id)?;
            let current = entry.state.get();
            if arrived.contains(&current) {
                return Ok(());
            }
            if !from.contains(&current) {
                return Err(conflict(format!(
                    "cannot {verb} node `{id}` while it is {current}"
                )));
            }
            entry.state = Timed::transition(during, after, delay);
            Ok(())
        })
    }
}

fn image(id: &str, name: &str, os: &str) -> NodeImage {
    let mut image = NodeImage::new(id, name);
    image.extra.insert("os".into(), os.into());
    image
}

fn catalogue_sizes() -> Vec<NodeSize> {
    [
        ("small", "Small", 1024, 20, 1, 0.0075),
        ("medium", "Medium", 4096, 80, 2, 0.03),
        ("large", "Large", 16384, 320, 8, 0.12),
    ]
    .into_iter()
    .map(|(id, name, ram, disk, cpus, price)| {
        let mut size = NodeSize::new(id, name, ram, disk);
        size.vcpus = Some(cpus);
        size.bandwidth_gb = Some(1000);
        size.price_per_hour = Some(price);
        size
    })
    .collect()
}

/// EC2-style fingerprint of an imported key: MD5 of the key blob, in hex pairs.
fn fingerprint(public_key: &str) -> Result<String> {
    let blob = public_key.split_whitespace().nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .map_err(|_| Error::invalid_input("the public key's base64 body is invalid"))?;
    let digest = Md5::digest(&bytes);
    Ok(digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":"))
}

impl Driver for MemoryCompute {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
}

#[async_trait]
impl ComputeDriver for MemoryCompute {
    async fn list_nodes(&self, page: PageRequest) -> Result<Page<Node>> {
        let nodes: Vec<Node> = self
            .store
            .read(|s| Ok(s.nodes.values().map(snapshot_of).collect()))?;
        page_of(&nodes, &page, PAGE_SIZE)
    }

    async fn get_node(&self, id: &str) -> Result<Node> {
        self.store.read(|s| Ok(snapshot_of(s.node(id)?)))
    }

    async fn create_node(&self, request: &CreateNode) -> Result<Node> {
        if let Some(name) = request.options().keys().next() {
            return Err(Error::invalid_input(format!(
                "unknown option `{name}` for provider `memory`"
            )));
        }
        let delay = self.delay;
        let ssh_endpoint = self.ssh_endpoint;
        self.store.update(|state| {
            if let Some(token) = request.idempotency_token_value()
                && let Some(existing) = state
                    .nodes
                    .values()
                    .find(|n| n.token.as_deref() == Some(token))
            {
                return Ok(snapshot_of(existing));
            }
            if !state.sizes.iter().any(|s| s.id == request.size()) {
                return Err(
                    Error::not_found(ResourceKind::Size, request.size()).with_provider(PROVIDER)
                );
            }
            if !state.images.iter().any(|i| i.id == request.image()) {
                return Err(
                    Error::not_found(ResourceKind::Image, request.image()).with_provider(PROVIDER)
                );
            }
            let location = match request.location_id() {
                Some(l) if state.locations.iter().any(|x| x.id == l) => l.to_owned(),
                Some(l) => {
                    return Err(Error::not_found(ResourceKind::Location, l).with_provider(PROVIDER));
                }
                None => state.locations[0].id.clone(),
            };
            if let Some(key) = request.key_pair_name()
                && !state.key_pairs.contains_key(key)
            {
                return Err(Error::not_found(ResourceKind::KeyPair, key).with_provider(PROVIDER));
            }
            let id = state.id("node");
            let n = state.next_id;
            let mut node = Node::new(&id, request.name(), NodeState::Pending);
            node.size = Some(request.size().to_owned());
            node.image = Some(request.image().to_owned());
            node.location = Some(location);
            node.created_at = Some(SystemTime::now());
            node.private_ips = vec![IpAddr::V4(Ipv4Addr::new(10, 0, (n >> 8) as u8, n as u8))];
            node.public_ips = vec![IpAddr::V4(Ipv4Addr::new(203, 0, 113, (n % 254 + 1) as u8))];
            if let Some(endpoint) = ssh_endpoint {
                node.public_ips = vec![endpoint.ip()];
                node.extra.insert(
                    cloud_core::compute::EXTRA_SSH_PORT.into(),
                    endpoint.port().into(),
                );
            }
            for (k, v) in request.tags() {
                node.extra.insert(format!("tag:{k}"), v.clone().into());
            }
            if let Some(key) = request.key_pair_name() {
                node.extra.insert("key_pair".into(), key.into());
            }
            let entry = NodeEntry {
                node,
                state: Timed::transition(NodeState::Pending, NodeState::Running, delay),
                token: request.idempotency_token_value().map(str::to_owned),
            };
            let snapshot = snapshot_of(&entry);
            state.nodes.insert(id, entry);
            Ok(snapshot)
        })
    }

    async fn destroy_node(&self, id: &str) -> Result<()> {
        self.store.update(|state| {
            state.node(id)?;
            state.nodes.remove(id);
            for volume in state.volumes.values_mut() {
                if volume.attached_to.as_deref() == Some(id) {
                    volume.attached_to = None;
                    volume.state = VolumeState::Available;
                }
            }
            Ok(())
        })
    }

    async fn reboot_node(&self, id: &str) -> Result<()> {
        self.change_state(
            id,
            (&[NodeState::Running], &[]),
            NodeState::Rebooting,
            NodeState::Running,
            "reboot",
        )
    }

    async fn start_node(&self, id: &str) -> Result<()> {
        self.change_state(
            id,
            (&[NodeState::Stopped], contract::STARTED),
            NodeState::Starting,
            NodeState::Running,
            "start",
        )
    }

    async fn stop_node(&self, id: &str) -> Result<()> {
        self.change_state(
            id,
            (&[NodeState::Running], contract::STOPPED),
            NodeState::Stopping,
            NodeState::Stopped,
            "stop",
        )
    }

    async fn list_sizes(&self) -> Result<Vec<NodeSize>> {
        self.store.read(|s| Ok(s.sizes.clone()))
    }

    async fn list_images(&self, page: PageRequest) -> Result<Page<NodeImage>> {
        self.store.read(|s| page_of(&s.images, &page, PAGE_SIZE))
    }

    async fn get_image(&self, id: &str) -> Result<NodeImage> {
        self.store.read(|s| {
            s.images
                .iter()
                .find(|i| i.id == id)
                .cloned()
                .ok_or_else(|| Error::not_found(ResourceKind::Image, id).with_provider(PROVIDER))
        })
    }

    async fn list_locations(&self) -> Result<Vec<NodeLocation>> {
        self.store.read(|s| Ok(s.locations.clone()))
    }

    async fn list_volumes(&self, page: PageRequest) -> Result<Page<StorageVolume>> {
        let volumes: Vec<_> = self
            .store
            .read(|s| Ok(s.volumes.values().cloned().collect()))?;
        page_of(&volumes, &page, PAGE_SIZE)
    }

    async fn create_volume(&self, request: &CreateVolume) -> Result<StorageVolume> {
        self.store.update(|state| {
            let location = match &request.location {
                Some(l) if state.locations.iter().any(|x| &x.id == l) => l.clone(),
                Some(l) => {
                    return Err(Error::not_found(ResourceKind::Location, l).with_provider(PROVIDER));
                }
                None => state.locations[0].id.clone(),
            };
            let mut size = request.size_gb;
            if let Some(snap) = &request.snapshot {
                let snapshot = state.snapshots.get(snap).ok_or_else(|| {
                    Error::not_found(ResourceKind::Snapshot, snap).with_provider(PROVIDER)
                })?;
                size = size.max(snapshot.size_gb);
            }
            let id = state.id("vol");
            let mut volume = StorageVolume::new(&id, &request.name, size, VolumeState::Available);
            volume.location = Some(location);
            volume.created_at = Some(SystemTime::now());
            if let Some(snap) = &request.snapshot {
                volume.extra.insert("snapshot".into(), snap.clone().into());
            }
            state.volumes.insert(id, volume.clone());
            Ok(volume)
        })
    }

    async fn attach_volume(&self, volume: &str, node: &str, device: Option<&str>) -> Result<()> {
        self.store.update(|state| {
            let node_state = state.node(node)?.state.get();
            if node_state.is_terminal() {
                return Err(conflict(format!("node `{node}` is {node_state}")));
            }
            let vol = state.volume_mut(volume)?;
            if let Some(holder) = &vol.attached_to {
                return Err(conflict(format!(
                    "volume `{volume}` is already attached to `{holder}`"
                )));
            }
            vol.attached_to = Some(node.to_owned());
            vol.state = VolumeState::InUse;
            if let Some(device) = device {
                vol.extra.insert("device".into(), device.into());
            }
            Ok(())
        })
    }

    async fn detach_volume(&self, volume: &str) -> Result<()> {
        self.store.update(|state| {
            let vol = state.volume_mut(volume)?;
            if vol.attached_to.is_none() {
                return Err(conflict(format!("volume `{volume}` is not attached")));
            }
            vol.attached_to = None;
            vol.state = VolumeState::Available;
            vol.extra.remove("device");
            Ok(())
        })
    }

    async fn destroy_volume(&self, volume: &str) -> Result<()> {
        self.store.update(|state| {
            let vol = state.volume_mut(volume)?;
            if let Some(holder) = &vol.attached_to {
                return Err(conflict(format!(
                    "volume `{volume}` is attached to `{holder}`; detach it first"
                )));
            }
            state.volumes.remove(volume);
            Ok(())
        })
    }

    async fn list_snapshots(&self, page: PageRequest) -> Result<Page<VolumeSnapshot>> {
        let snapshots: Vec<_> = self
            .store
            .read(|s| Ok(s.snapshots.values().cloned().collect()))?;
        page_of(&snapshots, &page, PAGE_SIZE)
    }

    async fn create_snapshot(&self, volume: &str, name: Option<&str>) -> Result<VolumeSnapshot> {
        self.store.update(|state| {
            let size = state.volume_mut(volume)?.size_gb;
            let id = state.id("snap");
            let mut snapshot = VolumeSnapshot::new(&id, size, SnapshotState::Available);
            snapshot.name = name.map(str::to_owned);
            snapshot.volume_id = Some(volume.to_owned());
            snapshot.created_at = Some(SystemTime::now());
            state.snapshots.insert(id, snapshot.clone());
            Ok(snapshot)
        })
    }

    async fn destroy_snapshot(&self, id: &str) -> Result<()> {
        self.store.update(|state| {
            state.snapshots.remove(id).ok_or_else(|| {
                Error::not_found(ResourceKind::Snapshot, id).with_provider(PROVIDER)
            })?;
            Ok(())
        })
    }

    async fn list_key_pairs(&self, page: PageRequest) -> Result<Page<KeyPair>> {
        let keys: Vec<_> = self
            .store
            .read(|s| Ok(s.key_pairs.values().cloned().collect()))?;
        page_of(&keys, &page, PAGE_SIZE)
    }

    async fn get_key_pair(&self, name: &str) -> Result<KeyPair> {
        self.store.read(|s| {
            s.key_pairs.get(name).cloned().ok_or_else(|| {
                Error::not_found(ResourceKind::KeyPair, name).with_provider(PROVIDER)
            })
        })
    }

    async fn import_key_pair(&self, name: &str, public_key: &str) -> Result<KeyPair> {
        let fingerprint = fingerprint(public_key)?;
        self.store.update(|state| {
            if state.key_pairs.contains_key(name) {
                return Err(
                    Error::already_exists(ResourceKind::KeyPair, name).with_provider(PROVIDER)
                );
            }
            let mut key = KeyPair::new(name);
            key.fingerprint = Some(fingerprint);
            key.public_key = Some(public_key.trim().to_owned());
            state.key_pairs.insert(name.to_owned(), key.clone());
            Ok(key)
        })
    }

    async fn delete_key_pair(&self, name: &str) -> Result<()> {
        self.store.update(|state| {
            state.key_pairs.remove(name).ok_or_else(|| {
                Error::not_found(ResourceKind::KeyPair, name).with_provider(PROVIDER)
            })?;
            Ok(())
        })
    }
}
