//! The narrow interface a compute provider implements.

use async_trait::async_trait;

use super::types::{CreateNode, CreateVolume, KeyPair, Node, NodeImage, NodeLocation, NodeSize};
use super::types::{StorageVolume, VolumeSnapshot};
use crate::capability::Capability;
use crate::error::{Error, Result};
use crate::paging::{Page, PageRequest};

/// What a compute provider implements. Users call the [`Compute`](super::Compute)
/// handle instead, which validates input, streams listings and adds
/// conveniences such as `wait_until_running`.
///
/// Every operation has a default body that answers
/// [`Unsupported`](crate::ErrorKind::Unsupported), so a driver implements what
/// its provider offers and lists exactly that in
/// [`capabilities`](crate::Driver::capabilities).
///
/// ```
/// use async_trait::async_trait;
/// use cloud_core::{Api, Capabilities, Capability, Compute, ComputeDriver, Node, NodeState, Page, PageRequest, Result};
///
/// #[derive(Debug)]
/// struct OneNode;
///
/// impl cloud_core::Driver for OneNode {
///     fn provider(&self) -> &str { "one-node" }
///     fn capabilities(&self) -> Capabilities { Capabilities::of(&[Capability::ListNodes]) }
/// }
/// #[async_trait]
/// impl ComputeDriver for OneNode {
///     async fn list_nodes(&self, _page: PageRequest) -> Result<Page<Node>> {
///         Ok(Page::last(vec![Node::new("n-1", "only", NodeState::Running)]))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> cloud_core::Result<()> {
/// let compute = Compute::new(OneNode);
/// let nodes = compute.list_nodes_vec().await?;
/// assert_eq!(nodes[0].name, "only");
/// let err = compute.reboot_node("n-1").await.unwrap_err();
/// assert!(err.is_unsupported());
/// # Ok(()) }
/// ```
#[async_trait]
pub trait ComputeDriver: crate::Driver {
    /// One page of nodes.
    async fn list_nodes(&self, page: PageRequest) -> Result<Page<Node>> {
        let _ = page;
        Err(Error::unsupported(self.provider(), Capability::ListNodes))
    }

    /// One node by id.
    async fn get_node(&self, id: &str) -> Result<Node> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Capability::GetNode))
    }

    /// Creates a node; it is usually still pending when this returns.
    async fn create_node(&self, request: &CreateNode) -> Result<Node> {
        let _ = request;
        Err(Error::unsupported(self.provider(), Capability::CreateNode))
    }

    /// Destroys a node.
    async fn destroy_node(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Capability::DestroyNode))
    }

    /// Reboots a node.
    async fn reboot_node(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Capability::RebootNode))
    }

    /// Starts a stopped node. A node that already runs, or is starting, is
    /// left as it is and the call succeeds: the same on every provider
    /// (see [`contract`](super::contract)); a node that cannot be started
    /// (terminated, still being created) is a `Conflict`.
    async fn start_node(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Capability::StartNode))
    }

    /// Stops a running node. A node that is already stopped, or stopping,
    /// is left as it is and the call succeeds, on every provider.
    async fn stop_node(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Capability::StopNode))
    }

    /// Every size (a bounded catalogue).
    async fn list_sizes(&self) -> Result<Vec<NodeSize>> {
        Err(Error::unsupported(self.provider(), Capability::ListSizes))
    }

    /// One page of images.
    async fn list_images(&self, page: PageRequest) -> Result<Page<NodeImage>> {
        let _ = page;
        Err(Error::unsupported(self.provider(), Capability::ListImages))
    }

    /// One image by id.
    async fn get_image(&self, id: &str) -> Result<NodeImage> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Capability::GetImage))
    }

    /// Every location (a bounded catalogue).
    async fn list_locations(&self) -> Result<Vec<NodeLocation>> {
        Err(Error::unsupported(
            self.provider(),
            Capability::ListLocations,
        ))
    }

    /// One page of volumes.
    async fn list_volumes(&self, page: PageRequest) -> Result<Page<StorageVolume>> {
        let _ = page;
        Err(Error::unsupported(self.provider(), Capability::ListVolumes))
    }

    /// Creates a volume.
    async fn create_volume(&self, request: &CreateVolume) -> Result<StorageVolume> {
        let _ = request;
        Err(Error::unsupported(
            self.provider(),
            Capability::CreateVolume,
        ))
    }

    /// Attaches a volume to a node, optionally as `device`.
    async fn attach_volume(&self, volume: &str, node: &str, device: Option<&str>) -> Result<()> {
        let _ = (volume, node, device);
        Err(Error::unsupported(
            self.provider(),
            Capability::AttachVolume,
        ))
    }

    /// Detaches a volume from whatever node holds it.
    async fn detach_volume(&self, volume: &str) -> Result<()> {
        let _ = volume;
        Err(Error::unsupported(
            self.provider(),
            Capability::DetachVolume,
        ))
    }

    /// Destroys a volume.
    async fn destroy_volume(&self, volume: &str) -> Result<()> {
        let _ = volume;
        Err(Error::unsupported(
            self.provider(),
            Capability::DestroyVolume,
        ))
    }

    /// One page of snapshots.
    async fn list_snapshots(&self, page: PageRequest) -> Result<Page<VolumeSnapshot>> {
        let _ = page;
        Err(Error::unsupported(
            self.provider(),
            Capability::ListSnapshots,
        ))
    }

    /// Snapshots a volume.
    async fn create_snapshot(&self, volume: &str, name: Option<&str>) -> Result<VolumeSnapshot> {
        let _ = (volume, name);
        Err(Error::unsupported(
            self.provider(),
            Capability::CreateSnapshot,
        ))
    }

    /// Destroys a snapshot.
    async fn destroy_snapshot(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(
            self.provider(),
            Capability::DestroySnapshot,
        ))
    }

    /// One page of key pairs.
    async fn list_key_pairs(&self, page: PageRequest) -> Result<Page<KeyPair>> {
        let _ = page;
        Err(Error::unsupported(
            self.provider(),
            Capability::ListKeyPairs,
        ))
    }

    /// One key pair by name.
    async fn get_key_pair(&self, name: &str) -> Result<KeyPair> {
        let _ = name;
        Err(Error::unsupported(self.provider(), Capability::GetKeyPair))
    }

    /// Creates a key pair; the result carries the private key.
    async fn create_key_pair(&self, name: &str) -> Result<KeyPair> {
        let _ = name;
        Err(Error::unsupported(
            self.provider(),
            Capability::CreateKeyPair,
        ))
    }

    /// Registers an existing OpenSSH public key.
    async fn import_key_pair(&self, name: &str, public_key: &str) -> Result<KeyPair> {
        let _ = (name, public_key);
        Err(Error::unsupported(
            self.provider(),
            Capability::ImportKeyPair,
        ))
    }

    /// Deletes a key pair.
    async fn delete_key_pair(&self, name: &str) -> Result<()> {
        let _ = name;
        Err(Error::unsupported(
            self.provider(),
            Capability::DeleteKeyPair,
        ))
    }
}
