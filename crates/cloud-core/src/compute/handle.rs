//! The portable compute handle users hold.

use std::sync::Arc;
use std::time::Duration;

use super::driver::ComputeDriver;
use super::types::{CreateNode, CreateVolume, KeyPair, Node, NodeImage, NodeLocation, NodeSize};
use super::types::{NodeState, StorageVolume, VolumeSnapshot};
use crate::capability::Capability;
use crate::error::{Error, ErrorKind, Result};
use crate::handle::call;
use crate::invoke::{check_id, list_pages};
use crate::paging::{ListStream, collect_all};
use crate::poll::{ChangeWait, Poll, poll_until};

/// A compute service: any provider, one interface.
///
/// Cheap to clone (it holds an `Arc`), `Send + Sync`, and safe to share
/// between tasks. Listings are lazy streams; `*_vec` variants collect them for
/// small accounts.
pub type Compute = crate::Handle<dyn ComputeDriver>;

impl Compute {
    /// Wraps a driver.
    pub fn new(driver: impl ComputeDriver + 'static) -> Self {
        Self::from_arc(Arc::new(driver))
    }

    /// Every node, fetched page by page.
    pub fn list_nodes(&self) -> ListStream<Node> {
        list_pages(
            self.driver.clone(),
            Capability::ListNodes,
            self.page_size,
            |d, req| async move { d.list_nodes(req).await },
        )
    }

    /// Every node, collected.
    pub async fn list_nodes_vec(&self) -> Result<Vec<Node>> {
        collect_all(self.list_nodes()).await
    }

    /// One node by id.
    pub async fn get_node(&self, id: &str) -> Result<Node> {
        check_id("node id", id)?;
        call!(self, GetNode, self.driver.get_node(id))
    }

    /// Creates a node.
    pub async fn create_node(&self, request: &CreateNode) -> Result<Node> {
        check_id("node name", request.name())?;
        check_id("size id", request.size())?;
        check_id("image id", request.image())?;
        call!(self, CreateNode, self.driver.create_node(request))
    }

    /// Destroys a node.
    pub async fn destroy_node(&self, id: &str) -> Result<()> {
        check_id("node id", id)?;
        call!(self, DestroyNode, self.driver.destroy_node(id))
    }

    /// Reboots a node.
    pub async fn reboot_node(&self, id: &str) -> Result<()> {
        check_id("node id", id)?;
        call!(self, RebootNode, self.driver.reboot_node(id))
    }

    /// Starts a stopped node.
    pub async fn start_node(&self, id: &str) -> Result<()> {
        check_id("node id", id)?;
        call!(self, StartNode, self.driver.start_node(id))
    }

    /// Stops a running node.
    pub async fn stop_node(&self, id: &str) -> Result<()> {
        check_id("node id", id)?;
        call!(self, StopNode, self.driver.stop_node(id))
    }

    /// Every size.
    pub async fn list_sizes(&self) -> Result<Vec<NodeSize>> {
        call!(self, ListSizes, self.driver.list_sizes())
    }

    /// Every image, fetched page by page.
    pub fn list_images(&self) -> ListStream<NodeImage> {
        list_pages(
            self.driver.clone(),
            Capability::ListImages,
            self.page_size,
            |d, req| async move { d.list_images(req).await },
        )
    }

    /// Every image, collected.
    pub async fn list_images_vec(&self) -> Result<Vec<NodeImage>> {
        collect_all(self.list_images()).await
    }

    /// One image by id.
    pub async fn get_image(&self, id: &str) -> Result<NodeImage> {
        check_id("image id", id)?;
        call!(self, GetImage, self.driver.get_image(id))
    }

    /// Every location.
    pub async fn list_locations(&self) -> Result<Vec<NodeLocation>> {
        call!(self, ListLocations, self.driver.list_locations())
    }

    /// Every volume, fetched page by page.
    pub fn list_volumes(&self) -> ListStream<StorageVolume> {
        list_pages(
            self.driver.clone(),
            Capability::ListVolumes,
            self.page_size,
            |d, req| async move { d.list_volumes(req).await },
        )
    }

    /// Every volume, collected.
    pub async fn list_volumes_vec(&self) -> Result<Vec<StorageVolume>> {
        collect_all(self.list_volumes()).await
    }

    /// Creates a volume.
    pub async fn create_volume(&self, request: &CreateVolume) -> Result<StorageVolume> {
        check_id("volume name", &request.name)?;
        if request.size_gb == 0 && request.snapshot.is_none() {
            return Err(Error::invalid_input("volume size must be at least 1 GB"));
        }
        call!(self, CreateVolume, self.driver.create_volume(request))
    }

    /// Attaches a volume to a node.
    pub async fn attach_volume(
        &self,
        volume: &str,
        node: &str,
        device: Option<&str>,
    ) -> Result<()> {
        check_id("volume id", volume)?;
        check_id("node id", node)?;
        if let Some(device) = device {
            check_id("device", device)?;
        }
        call!(
            self,
            AttachVolume,
            self.driver.attach_volume(volume, node, device)
        )
    }

    /// Detaches a volume.
    pub async fn detach_volume(&self, volume: &str) -> Result<()> {
        check_id("volume id", volume)?;
        call!(self, DetachVolume, self.driver.detach_volume(volume))
    }

    /// Destroys a volume.
    pub async fn destroy_volume(&self, volume: &str) -> Result<()> {
        check_id("volume id", volume)?;
        call!(self, DestroyVolume, self.driver.destroy_volume(volume))
    }

    /// Every snapshot, fetched page by page.
    pub fn list_snapshots(&self) -> ListStream<VolumeSnapshot> {
        list_pages(
            self.driver.clone(),
            Capability::ListSnapshots,
            self.page_size,
            |d, req| async move { d.list_snapshots(req).await },
        )
    }

    /// Snapshots a volume.
    pub async fn create_snapshot(
        &self,
        volume: &str,
        name: Option<&str>,
    ) -> Result<VolumeSnapshot> {
        check_id("volume id", volume)?;
        if let Some(name) = name {
            check_id("snapshot name", name)?;
        }
        call!(
            self,
            CreateSnapshot,
            self.driver.create_snapshot(volume, name)
        )
    }

    /// Destroys a snapshot.
    pub async fn destroy_snapshot(&self, id: &str) -> Result<()> {
        check_id("snapshot id", id)?;
        call!(self, DestroySnapshot, self.driver.destroy_snapshot(id))
    }

    /// Every key pair, fetched page by page.
    pub fn list_key_pairs(&self) -> ListStream<KeyPair> {
        list_pages(
            self.driver.clone(),
            Capability::ListKeyPairs,
            self.page_size,
            |d, req| async move { d.list_key_pairs(req).await },
        )
    }

    /// One key pair by name.
    pub async fn get_key_pair(&self, name: &str) -> Result<KeyPair> {
        check_id("key pair name", name)?;
        call!(self, GetKeyPair, self.driver.get_key_pair(name))
    }

    /// Creates a key pair; keep the returned private key, it is not shown again.
    pub async fn create_key_pair(&self, name: &str) -> Result<KeyPair> {
        check_id("key pair name", name)?;
        call!(self, CreateKeyPair, self.driver.create_key_pair(name))
    }

    /// Registers an OpenSSH public key (`ssh-ed25519 AAAA... comment`).
    pub async fn import_key_pair(&self, name: &str, public_key: &str) -> Result<KeyPair> {
        check_id("key pair name", name)?;
        check_public_key(public_key)?;
        call!(
            self,
            ImportKeyPair,
            self.driver.import_key_pair(name, public_key)
        )
    }

    /// Deletes a key pair.
    pub async fn delete_key_pair(&self, name: &str) -> Result<()> {
        check_id("key pair name", name)?;
        call!(self, DeleteKeyPair, self.driver.delete_key_pair(name))
    }

    /// Polls until every node in `ids` is running, and returns them.
    ///
    /// Fails with [`ErrorKind::Timeout`] if `timeout` passes first, and with
    /// [`ErrorKind::Provider`] as soon as a node reaches a terminal state
    /// (terminated, error), since it will never run.
    pub async fn wait_until_running(
        &self,
        ids: &[&str],
        timeout: Duration,
        poll_interval: Duration,
    ) -> Result<Vec<Node>> {
        for id in ids {
            check_id("node id", id)?;
        }
        let caps = self.capabilities();
        if !caps.contains(Capability::GetNode) && !caps.contains(Capability::ListNodes) {
            return Err(Error::unsupported(self.provider(), Capability::GetNode));
        }
        let wait = ChangeWait::new(poll_interval, timeout).with_max_interval(poll_interval);
        poll_until(wait, "nodes to run", || async {
            let nodes = self.fetch_nodes(ids).await?;
            if let Some(dead) = nodes.iter().find(|n| n.state.is_terminal()) {
                return Err(Error::new(
                    ErrorKind::Provider,
                    format!(
                        "node `{}` entered state {} while waiting for it to run",
                        dead.id, dead.state
                    ),
                ));
            }
            if nodes.iter().all(|n| n.state == NodeState::Running) {
                return Ok(Poll::Done(nodes));
            }
            let waiting: Vec<String> = nodes
                .iter()
                .filter(|n| n.state != NodeState::Running)
                .map(|n| format!("{} ({})", n.id, n.state))
                .collect();
            Ok(Poll::Pending(format!(
                "still waiting for {}",
                waiting.join(", ")
            )))
        })
        .await
        .map_err(|e| e.with_provider(self.provider()))
    }

    async fn fetch_nodes(&self, ids: &[&str]) -> Result<Vec<Node>> {
        if self.capabilities().contains(Capability::GetNode) {
            let mut nodes = Vec::with_capacity(ids.len());
            for id in ids {
                nodes.push(self.get_node(id).await?);
            }
            return Ok(nodes);
        }
        let mut wanted: Vec<Option<Node>> = vec![None; ids.len()];
        let mut stream = self.list_nodes();
        use futures::StreamExt;
        while let Some(node) = stream.next().await {
            let node = node?;
            if let Some(i) = ids.iter().position(|id| *id == node.id) {
                wanted[i] = Some(node);
            }
        }
        wanted
            .into_iter()
            .zip(ids)
            .map(|(n, id)| n.ok_or_else(|| Error::not_found(crate::ResourceKind::Node, *id)))
            .collect()
    }
}

fn check_public_key(key: &str) -> Result<()> {
    let mut parts = key.split_whitespace();
    let (Some(kind), Some(body)) = (parts.next(), parts.next()) else {
        return Err(Error::invalid_input(
            "public key must be in OpenSSH format: `<type> <base64> [comment]`",
        ));
    };
    let known = kind.starts_with("ssh-") || kind.starts_with("ecdsa-") || kind.starts_with("sk-");
    let base64ish = body
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if !known || !base64ish || body.len() < 16 {
        return Err(Error::invalid_input(format!(
            "public key of type `{kind}` is not an OpenSSH public key"
        )));
    }
    Ok(())
}
