//! Compute Engine as a [`ComputeDriver`].
//!
//! Instances are nodes, machine types sizes, images (the project's and the
//! public image projects') images, zones locations, persistent disks
//! volumes, snapshots snapshots, and the project's `ssh-keys` metadata key
//! pairs. Zonal resources have `zone/name` ids; a bare name is in the
//! client's zone. Every change answers a long-running operation, which is
//! waited for (core `poll_until`) and whose error becomes a typed one, so
//! a call returns when Compute Engine has done what it asked.

mod catalogue;
mod disks;
mod instances;
mod keys;
mod operation;
pub(crate) mod wire;

use std::sync::Arc;

use async_trait::async_trait;
use cloud_core::http::rest::{About, RestClient};
use cloud_core::{
    Api, Capabilities, Capability, ComputeDriver, CreateNode, CreateVolume, Driver, Error, KeyPair,
    Node, NodeImage, NodeLocation, NodeSize, Page, PageRequest, ResourceKind, Result,
    StorageVolume, Url, VolumeSnapshot,
};
use serde_json::Value;

use crate::PROVIDER;
use crate::config::Shared;

/// Everything but generated key pairs: Compute Engine keeps public keys
/// only, so a key pair is imported.
pub const CAPABILITIES: Capabilities =
    Capabilities::all(Api::Compute).without(Capability::CreateKeyPair);

/// Items per page when the caller gives no size (Compute Engine's most).
const PAGE_SIZE: u32 = 500;

/// The Compute Engine driver for one project.
#[derive(Debug, Clone)]
pub struct GceCompute {
    shared: Arc<Shared>,
}

/// Checks a resource name against Compute Engine's rule (RFC 1035 labels:
/// 1 to 63 lowercase letters, digits and dashes, a letter first, no dash
/// last), before any request.
pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = (1..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "`{}` is not a Compute Engine {what} name: 1 to 63 lowercase letters, digits and \
             dashes, starting with a letter and not ending with a dash",
            cloud_core::error::quote(name)
        )))
    }
}

impl GceCompute {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        GceCompute { shared }
    }

    pub(crate) fn client(&self) -> &RestClient {
        &self.shared.compute
    }

    /// `compute/v1/projects/{project}/{segments}` with `query`, in `project`.
    pub(crate) fn url_in(&self, project: &str, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut path = vec!["compute", "v1", "projects", project];
        path.extend_from_slice(segments);
        self.client().url(&path, query)
    }

    /// The client's project.
    pub(crate) async fn project(&self) -> Result<String> {
        self.shared.project().await
    }

    /// The same in the client's project.
    pub(crate) async fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url> {
        let project = self.shared.project().await?;
        Ok(self.url_in(&project, segments, query))
    }

    /// `GET`, the answer decoded as `T`.
    pub(crate) async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        about: Option<About<'_>>,
        what: &str,
    ) -> Result<T> {
        let body = self.client().get(url, about).await?.body;
        self.client().decode(body, what)
    }

    /// One page of the list at `segments` of `project` (the client's when
    /// `None`), as `T`: `maxResults` from the page's size, `pageToken`
    /// from its token.
    pub(crate) async fn list_page<T: serde::de::DeserializeOwned>(
        &self,
        project: Option<&str>,
        segments: &[&str],
        page: &PageRequest,
        what: &str,
    ) -> Result<T> {
        let size = page
            .size
            .unwrap_or(PAGE_SIZE)
            .clamp(1, PAGE_SIZE)
            .to_string();
        let mut query = vec![("maxResults", size.as_str())];
        query.extend(page.token.as_deref().map(|t| ("pageToken", t)));
        let url = match project {
            Some(project) => self.url_in(project, segments, &query),
            None => self.url(segments, &query).await?,
        };
        self.get(url, None, what).await
    }

    /// The client's zone, for a request that names none.
    pub(crate) fn default_zone(&self) -> Result<&str> {
        self.shared.zone.as_deref().ok_or_else(|| {
            Error::invalid_input(
                "no Compute Engine zone: give one (config `zone`, CLOUDSDK_COMPUTE_ZONE, or a \
                 `zone/name` id or location)",
            )
        })
    }

    /// The zone and name of a zonal id (`zone/name`, or a bare name in the
    /// client's zone), each checked.
    fn zonal<'a>(&'a self, what: &str, id: &'a str) -> Result<(&'a str, &'a str)> {
        let (zone, name) = match id.split_once('/') {
            Some((zone, name)) => (zone, name),
            None => (self.default_zone()?, id),
        };
        check_name("zone", zone)?;
        check_name(what, name)?;
        Ok((zone, name))
    }

    /// Sends a change and waits for the operation it answers.
    pub(crate) async fn change(
        &self,
        method: cloud_core::http::Method,
        url: Url,
        body: Option<&Value>,
        about: About<'_>,
    ) -> Result<wire::Operation> {
        let answer = self.client().send(method, url, body, Some(about)).await?;
        let started: wire::Operation = self.client().decode(answer.body, "operation")?;
        self.finish(started, about).await
    }

    /// [`change`](Self::change) for a request carrying a `requestId`:
    /// Compute Engine answers a repeat with the operation the first one
    /// started, so it is sent again after a dropped connection or a 5xx
    /// like a read.
    pub(crate) async fn change_once(
        &self,
        url: Url,
        body: &Value,
        about: About<'_>,
    ) -> Result<wire::Operation> {
        let answer = self
            .client()
            .send_idempotent(cloud_core::http::Method::POST, url, Some(body), Some(about))
            .await?;
        let started: wire::Operation = self.client().decode(answer.body, "operation")?;
        self.finish(started, about).await
    }
}

impl GceCompute {
    /// `DELETE` of the resource at `segments`, waited for.
    pub(crate) async fn delete(&self, segments: &[&str], about: About<'_>) -> Result<()> {
        let url = self.url(segments, &[]).await?;
        self.change(cloud_core::http::Method::DELETE, url, None, about)
            .await
            .map(drop)
    }
}

impl Driver for GceCompute {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.client().redactor())
    }
}

#[async_trait]
impl ComputeDriver for GceCompute {
    /// Every zone's instances through the aggregated list.
    async fn list_nodes(&self, page: PageRequest) -> Result<Page<Node>> {
        self.instances(page).await
    }

    async fn get_node(&self, id: &str) -> Result<Node> {
        self.instance(id).await
    }

    async fn create_node(&self, request: &CreateNode) -> Result<Node> {
        self.insert_instance(request).await
    }

    /// Deletes the instance and waits until it is gone; its boot disk goes
    /// with it, other disks are detached and kept.
    async fn destroy_node(&self, id: &str) -> Result<()> {
        self.instance_change(id, None).await
    }

    /// A reset: an immediate hard restart, as Compute Engine offers.
    async fn reboot_node(&self, id: &str) -> Result<()> {
        self.instance_change(id, Some("reset")).await
    }

    async fn start_node(&self, id: &str) -> Result<()> {
        self.instance_change(id, Some("start")).await
    }

    async fn stop_node(&self, id: &str) -> Result<()> {
        self.instance_change(id, Some("stop")).await
    }

    /// The machine types of the client's zone.
    async fn list_sizes(&self) -> Result<Vec<NodeSize>> {
        self.machine_types().await
    }

    async fn list_images(&self, page: PageRequest) -> Result<Page<NodeImage>> {
        self.images(page).await
    }

    async fn get_image(&self, id: &str) -> Result<NodeImage> {
        self.image(id).await
    }

    async fn list_locations(&self) -> Result<Vec<NodeLocation>> {
        self.zones().await
    }

    async fn list_volumes(&self, page: PageRequest) -> Result<Page<StorageVolume>> {
        self.disks(page).await
    }

    async fn create_volume(&self, request: &CreateVolume) -> Result<StorageVolume> {
        self.insert_disk(request).await
    }

    async fn attach_volume(&self, volume: &str, node: &str, device: Option<&str>) -> Result<()> {
        self.attach_disk(volume, node, device).await
    }

    async fn detach_volume(&self, volume: &str) -> Result<()> {
        self.detach_disk(volume).await
    }

    async fn destroy_volume(&self, volume: &str) -> Result<()> {
        self.delete_disk(volume).await
    }

    async fn list_snapshots(&self, page: PageRequest) -> Result<Page<VolumeSnapshot>> {
        self.snapshots(page).await
    }

    async fn create_snapshot(&self, volume: &str, name: Option<&str>) -> Result<VolumeSnapshot> {
        self.snapshot_disk(volume, name).await
    }

    async fn destroy_snapshot(&self, id: &str) -> Result<()> {
        self.delete_snapshot(id).await
    }

    /// The project's SSH keys (`ssh-keys` in its common metadata), one key
    /// pair per user.
    async fn list_key_pairs(&self, page: PageRequest) -> Result<Page<KeyPair>> {
        if page.token.is_some() {
            return Ok(Page::last(Vec::new()));
        }
        Ok(Page::last(self.project_keys().await?.1))
    }

    async fn get_key_pair(&self, name: &str) -> Result<KeyPair> {
        self.project_keys()
            .await?
            .1
            .into_iter()
            .find(|k| k.name == name)
            .ok_or_else(|| Error::not_found(ResourceKind::KeyPair, name))
    }

    async fn import_key_pair(&self, name: &str, public_key: &str) -> Result<KeyPair> {
        self.add_project_key(name, public_key).await
    }

    async fn delete_key_pair(&self, name: &str) -> Result<()> {
        self.remove_project_key(name).await
    }
}
