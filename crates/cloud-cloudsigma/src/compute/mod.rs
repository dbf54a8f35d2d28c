//! CloudSigma (API 2.0) as a [`ComputeDriver`].
//!
//! A CloudSigma server is CPU (in MHz), memory, drives and NICs; there are
//! no images or flavors. So a size is CPU MHz and memory (presets, or a
//! custom `2000mhz-2048mib[-20gb]`), an image is a library drive, and
//! creating a node clones the library drive into a drive of the account,
//! grows it to the size's disk, defines a server on it with one DHCP
//! interface, and starts it. `destroy_node` stops the server, deletes it
//! and the boot drive it was created with; other drives stay. Locations are
//! the regions; a client serves one (each region is its own endpoint).

// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
mod drives;
mod extras;
mod keys;
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;
mod servers;

use async_trait::async_trait;
use cloud_core::{
    Api, Capabilities, ComputeDriver, CreateNode, CreateVolume, Driver, KeyPair, Node, NodeImage,
    NodeLocation, NodeSize, Page, PageRequest, ResourceKind, Result, StorageVolume, VolumeSnapshot,
};

pub use self::extras::{Balance, FirewallPolicy, Subscription, Tag};
use crate::config::ChangeWait;
use cloud_core::compute::contract;
use cloud_core::http::Method;
use cloud_core::http::rest::{About, RestClient};
use cloud_core::paging;
use serde_json::Value;

/// CloudSigma: every compute operation.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(Api::Compute);

/// Objects per page when the caller gives no size.
const PAGE_SIZE: u32 = 100;

/// The CloudSigma compute driver for one account in one region.
#[derive(Debug, Clone)]
pub struct CloudSigmaCompute {
    client: RestClient,
    location: NodeLocation,
    currency: String,
    wait: ChangeWait,
}

impl CloudSigmaCompute {
    pub(crate) fn new(
        client: RestClient,
        location: NodeLocation,
        currency: String,
        wait: ChangeWait,
    ) -> Self {
        CloudSigmaCompute {
            client,
            location,
            currency,
            wait,
        }
    }

    fn page_size(page: &PageRequest) -> u32 {
        page.size.unwrap_or(PAGE_SIZE).clamp(1, 1000)
    }

    /// One request; the JSON answer (a failure is a typed error about `about`).
    async fn send(
        &self,
        method: Method,
        url: cloud_core::Url,
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Value> {
        Ok(self.client.send(method, url, body, about).await?.body)
    }

    /// `GET`, the JSON answer.
    async fn get(&self, url: cloud_core::Url, about: Option<About<'_>>) -> Result<Value> {
        self.send(Method::GET, url, None, about).await
    }

    /// `POST <path>action/?do=<action>` (start, stop, clone, resize...).
    async fn action(
        &self,
        segments: &[&str],
        action: &str,
        body: Option<&Value>,
        about: About<'_>,
    ) -> Result<Value> {
        let mut path = segments.to_vec();
        path.push("action");
        let url = self.client.url(&path, &[("do", action)]);
        self.send(Method::POST, url, body, Some(about)).await
    }

    /// One page of a collection: `limit`/`offset` in, `objects` (as wire
    /// type `T`) and the next offset (from `meta.total_count`) out.
    async fn page<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        size: u32,
        token: Option<&str>,
    ) -> Result<(Vec<T>, Option<String>)> {
        let offset = paging::token_number(token, 0, "CloudSigma")?;
        let (limit, start) = (size.to_string(), offset.to_string());
        let url = self
            .client
            .url(segments, &[("limit", &limit), ("offset", &start)]);
        let body = self.get(url, None).await?;
        let what = format!("the {} listing", segments.join(" "));
        let collection: parse::Collection<T> = parse::wire(body, &what)?;
        let objects = collection.objects;
        let total = collection.meta.and_then(|m| m.total_count);
        let next = paging::has_more(offset, objects.len(), size, total)
            .then(|| (offset + objects.len() as u64).to_string());
        Ok((objects, next))
    }
}

impl Driver for CloudSigmaCompute {
    fn provider(&self) -> &str {
        crate::PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.client.redactor())
    }
}

#[async_trait]
impl ComputeDriver for CloudSigmaCompute {
    async fn list_nodes(&self, page: PageRequest) -> Result<Page<Node>> {
        let (servers, next) = self
            .page::<parse::WireServer>(
                &["servers", "detail"],
                Self::page_size(&page),
                page.token.as_deref(),
            )
            .await?;
        let nodes = servers
            .into_iter()
            .map(|s| s.node(&self.location.id))
            .collect();
        Ok(Page::new(nodes, next))
    }

    async fn get_node(&self, id: &str) -> Result<Node> {
        let server = self.server(id).await?;
        parse::node(server, &self.location.id)
    }

    async fn create_node(&self, request: &CreateNode) -> Result<Node> {
        self.create_server(request).await
    }

    async fn destroy_node(&self, id: &str) -> Result<()> {
        self.destroy_server(id).await
    }

    async fn reboot_node(&self, id: &str) -> Result<()> {
        // API 2.0 has no restart: stop, wait, start.
        self.stop_and_wait(id).await?;
        self.server_action(id, "start").await
    }

    async fn start_node(&self, id: &str) -> Result<()> {
        match self.server_action(id, "start").await {
            Err(refused) => {
                contract::settle_refused_change(refused, self.get_node(id).await, contract::STARTED)
            }
            done => done,
        }
    }

    async fn stop_node(&self, id: &str) -> Result<()> {
        match self.server_action(id, "stop").await {
            Err(refused) => {
                contract::settle_refused_change(refused, self.get_node(id).await, contract::STOPPED)
            }
            done => done,
        }
    }

    async fn list_sizes(&self) -> Result<Vec<NodeSize>> {
        self.sizes().await
    }

    async fn list_images(&self, page: PageRequest) -> Result<Page<NodeImage>> {
        let (drives, next) = self
            .page::<parse::WireDrive>(
                &["libdrives"],
                Self::page_size(&page),
                page.token.as_deref(),
            )
            .await?;
        let images = drives.into_iter().map(parse::WireDrive::image).collect();
        Ok(Page::new(images, next))
    }

    async fn get_image(&self, id: &str) -> Result<NodeImage> {
        let url = self.client.url(&["libdrives", id], &[]);
        let body = self
            .get(url, Some(About::reading(ResourceKind::Image, id)))
            .await?;
        parse::image(body)
    }

    /// The regions: this client's first (`extra.current`), then the other
    /// public ones, each with its API endpoint (a client serves one).
    async fn list_locations(&self) -> Result<Vec<NodeLocation>> {
        let mut current = self.location.clone();
        current.extra.insert("current".into(), true.into());
        let current_id = current.id.clone();
        let others = crate::REGIONS
            .iter()
            .filter(move |r| r.id != current_id)
            .map(|r| {
                let mut l = NodeLocation::new(r.id, r.name, Some(r.country));
                l.extra.insert("current".into(), false.into());
                l.extra.insert(
                    "endpoint".into(),
                    format!("https://{}/api/2.0/", r.host).into(),
                );
                l
            });
        Ok(std::iter::once(current).chain(others).collect())
    }

    async fn list_volumes(&self, page: PageRequest) -> Result<Page<StorageVolume>> {
        let (drives, next) = self
            .page::<parse::WireDrive>(
                &["drives", "detail"],
                Self::page_size(&page),
                page.token.as_deref(),
            )
            .await?;
        let volumes = drives
            .into_iter()
            .map(|d| d.volume(&self.location.id))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::new(volumes, next))
    }

    async fn create_volume(&self, request: &CreateVolume) -> Result<StorageVolume> {
        self.new_drive(request).await
    }

    async fn attach_volume(&self, volume: &str, node: &str, device: Option<&str>) -> Result<()> {
        self.attach_drive(volume, node, device).await
    }

    async fn detach_volume(&self, volume: &str) -> Result<()> {
        self.detach_drive(volume).await
    }

    async fn destroy_volume(&self, volume: &str) -> Result<()> {
        self.delete_drive(volume).await
    }

    async fn list_snapshots(&self, page: PageRequest) -> Result<Page<VolumeSnapshot>> {
        let (objects, next) = self
            .page::<Value>(
                &["snapshots", "detail"],
                Self::page_size(&page),
                page.token.as_deref(),
            )
            .await?;
        let snapshots = objects
            .into_iter()
            .map(parse::snapshot)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::new(snapshots, next))
    }

    async fn create_snapshot(&self, volume: &str, name: Option<&str>) -> Result<VolumeSnapshot> {
        self.new_snapshot(volume, name).await
    }

    async fn destroy_snapshot(&self, id: &str) -> Result<()> {
        self.delete_snapshot(id).await
    }

    async fn list_key_pairs(&self, page: PageRequest) -> Result<Page<KeyPair>> {
        let (objects, next) = self
            .page::<Value>(&["keypairs"], Self::page_size(&page), page.token.as_deref())
            .await?;
        let keys = objects
            .into_iter()
            .map(parse::key_pair)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::new(keys, next))
    }

    async fn get_key_pair(&self, name: &str) -> Result<KeyPair> {
        self.key_named(name).await
    }

    async fn create_key_pair(&self, name: &str) -> Result<KeyPair> {
        self.new_key_pair(name, None).await
    }

    async fn import_key_pair(&self, name: &str, public_key: &str) -> Result<KeyPair> {
        self.new_key_pair(name, Some(public_key)).await
    }

    async fn delete_key_pair(&self, name: &str) -> Result<()> {
        self.remove_key_pair(name).await
    }
}
