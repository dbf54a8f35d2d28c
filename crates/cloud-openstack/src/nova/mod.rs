//! Nova (Rackspace Cloud Servers) as a [`ComputeDriver`], with Cinder
//! (Cloud Block Storage) volumes and snapshots.
//!
//! Servers, flavors, images (the compute images API, or Glance v2 when the
//! configured microversion has retired that proxy), availability zones and
//! key pairs come from Nova; volumes and snapshots from Cinder, attached
//! through Nova. Listings page with `limit` and `marker`. Rackspace has no
//! stop/start and no availability zones: its locations are its regions.

mod extras;
// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;
mod volumes;

use cloud_core::compute::contract;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use cloud_core::Driver;
use cloud_core::Url;
use cloud_core::{
    Api as CoreApi, Capabilities, Capability, ComputeDriver, CreateNode, CreateVolume, Error,
    KeyPair, Node, NodeAuth, NodeImage, NodeLocation, NodeSize, Page, PageRequest, ResourceKind,
    Result, StorageVolume, VolumeSnapshot,
};
use serde_json::{Map, Value, json};

pub use extras::{FloatingIp, SecurityGroup, SecurityGroupRule};

use crate::config::{Flavor, Shared};
use crate::error::Api;
use crate::json::{list, one};
use crate::service::Service;
use cloud_core::http::Method;
use cloud_core::http::rest::About;

/// Nova on OpenStack: every compute operation.
pub(crate) const CAPABILITIES_OPENSTACK: Capabilities = Capabilities::all(CoreApi::Compute);
/// Cloud Servers on Rackspace: no stop and start.
pub(crate) const CAPABILITIES_RACKSPACE: Capabilities = Capabilities::all(CoreApi::Compute)
    .without(Capability::StopNode)
    .without(Capability::StartNode);

/// Options [`CreateNode::option`] understands here.
pub const CREATE_NODE_OPTIONS: &[&str] = &["config_drive", "disk_config"];

const COMPUTE: &[&str] = &["compute"];
const VOLUME: &[&str] = &["volumev3", "block-storage", "volumev2", "volume"];
const NETWORK: &[&str] = &["network"];
const IMAGE: &[&str] = &["image"];
/// Nova's largest page by default (`osapi_max_limit`).
const PAGE_SIZE: u32 = 1000;

/// The Nova driver.
#[derive(Debug, Clone)]
pub struct NovaCompute {
    nova: Service,
    cinder: Service,
    neutron: Service,
    glance: Service,
}

/// A microversion as `(major, minor)`.
fn microversion(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The path (under the Glance v2 endpoint) of the page a `next` link names.
/// Glance writes the link relative to its own root (`/v2/images?marker=…`),
/// which may sit under a prefix in the catalog's URL, so the part from
/// `images` on is kept; an absolute URL is reduced to its path first.
fn glance_next(link: &str) -> Option<String> {
    let relative = match Url::parse(link) {
        Ok(url) => match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        },
        Err(_) => link.to_owned(),
    };
    let start = relative.rfind("v2/images")? + "v2/".len();
    let rest = &relative[start..];
    (rest == "images" || rest.starts_with("images?")).then(|| rest.to_owned())
}

/// The address a load balancer reaches `member` at: its IP, else its
/// server's first private IPv4 (ServiceNet at Rackspace, the tenant network
/// elsewhere), else the server's first public one.
pub(crate) async fn member_address(
    shared: &Arc<Shared>,
    member: &cloud_core::Member,
) -> Result<std::net::IpAddr> {
    let id = match (member.ip, &member.node_id) {
        (Some(ip), _) => return Ok(ip),
        (None, Some(id)) => id,
        (None, None) => {
            return Err(Error::invalid_input(
                "a load-balancer member needs an address or a server",
            ));
        }
    };
    let server = NovaCompute::new(shared.clone()).get_node(id).await?;
    server
        .private_ips
        .iter()
        .chain(server.public_ips.iter())
        .find(|ip| ip.is_ipv4())
        .copied()
        .ok_or_else(|| Error::invalid_input(format!("server `{id}` has no IPv4 address")))
}

impl NovaCompute {
    /// `os-start` or `os-stop` (Rackspace's Cloud Servers have neither).
    /// Nova refuses one that is already done (409); the portable contract
    /// makes that a success.
    async fn power(
        &self,
        id: &str,
        action: &str,
        capability: Capability,
        arrived: &[cloud_core::NodeState],
    ) -> Result<()> {
        if self.shared().flavor == Flavor::Rackspace {
            return Err(Error::unsupported(self.provider_name(), capability));
        }
        match self.server_action(id, json!({ action: null })).await {
            Err(refused) => {
                contract::settle_refused_change(refused, self.get_node(id).await, arrived)
            }
            done => done,
        }
    }

    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let mut nova = Service::new(shared.clone(), Api::Compute, COMPUTE);
        if let Some(version) = &shared.nova_microversion {
            nova = nova
                .with_header("x-openstack-nova-api-version", version.clone())
                .with_header("openstack-api-version", format!("compute {version}"));
        }
        NovaCompute {
            nova,
            cinder: Service::new(shared.clone(), Api::Volume, VOLUME),
            neutron: Service::new(shared.clone(), Api::Network, NETWORK).with_version("v2.0"),
            glance: Service::new(shared, Api::Compute, IMAGE).with_version("v2"),
        }
    }

    fn shared(&self) -> &Shared {
        &self.nova.shared
    }

    fn provider_name(&self) -> &'static str {
        self.nova.provider()
    }

    fn at_least(&self, major: u32, minor: u32) -> bool {
        self.shared()
            .nova_microversion
            .as_deref()
            .and_then(microversion)
            .is_some_and(|v| v >= (major, minor))
    }

    /// The region the servers live in, which is also the location of
    /// clouds without availability zones.
    async fn region(&self) -> Result<Option<String>> {
        if self.shared().overrides_service("compute") {
            return Ok(self.shared().session.region().map(str::to_owned));
        }
        self.shared().session.region_for(COMPUTE).await
    }

    /// An availability zone to send, unless `location` is just the region.
    async fn zone(&self, location: Option<&str>) -> Result<Option<String>> {
        let Some(location) = location else {
            return Ok(None);
        };
        if self.shared().flavor == Flavor::Rackspace
            || self.region().await?.as_deref() == Some(location)
        {
            return Ok(None);
        }
        Ok(Some(location.to_owned()))
    }

    async fn server_action(&self, id: &str, action: Value) -> Result<()> {
        self.nova
            .post(
                &["servers", id, "action"],
                &action,
                Some(About::reading(ResourceKind::Node, id)),
            )
            .await?;
        Ok(())
    }

    /// Images from Glance v2, for microversions without the images proxy.
    /// Pages follow the `next` link Glance sends (its own marker and
    /// filters), which the page token carries.
    async fn glance_images(&self, page: PageRequest) -> Result<Page<NodeImage>> {
        let url = match page.token.as_deref().and_then(|t| t.strip_prefix("images")) {
            Some(next) => {
                let mut url = self.glance.url(&["images"], &[]).await?;
                url.set_query(next.strip_prefix('?'));
                url
            }
            None => {
                let query = page.marker_query(PAGE_SIZE, PAGE_SIZE);
                self.glance.url(&["images"], &query.pairs()).await?
            }
        };
        let body = self.glance.send(Method::GET, url, None, None).await?.body;
        let link = body.get("next").and_then(Value::as_str).map(str::to_owned);
        let images = list::<parse::WireImage>(&self.glance, body, "images")?
            .into_iter()
            .map(parse::WireImage::image)
            .collect();
        let next = match link.as_deref() {
            Some(link) => Some(glance_next(link).ok_or_else(|| {
                Error::malformed(
                    self.glance.provider(),
                    format!(
                        "image service sent a next link that is not an image listing: `{}`",
                        cloud_core::error::quote(link)
                    ),
                )
            })?),
            None => None,
        };
        Ok(Page::new(images, next))
    }

    /// Reboots by power cycle rather than asking the guest (an extra).
    pub async fn ex_hard_reboot(&self, id: &str) -> Result<()> {
        self.server_action(id, json!({ "reboot": { "type": "HARD" } }))
            .await
    }

    /// Every page of a `limit`/`marker` listing, parsed.
    async fn all_pages<W: serde::de::DeserializeOwned, T>(
        &self,
        service: &Service,
        path: &[&str],
        key: &str,
        convert: impl Fn(W) -> T,
        id: impl Fn(&T) -> &str,
    ) -> Result<Vec<T>> {
        let mut all = Vec::new();
        let mut page = PageRequest::first();
        loop {
            let query = page.marker_query(PAGE_SIZE, PAGE_SIZE);
            let body = service.get_query(path, &query.pairs(), None).await?;
            let items: Vec<T> = list::<W>(service, body, key)?
                .into_iter()
                .map(&convert)
                .collect();
            let next = query.next(&items, &id);
            all.extend(items);
            match next {
                Some(marker) if page.token.as_deref() != Some(marker.as_str()) => {
                    page.token = Some(marker);
                }
                _ => return Ok(all),
            }
        }
    }

    fn create_body(&self, request: &CreateNode, zone: Option<String>) -> Result<Value> {
        if let Some(unknown) = request
            .options()
            .keys()
            .find(|k| !CREATE_NODE_OPTIONS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for Nova servers (known: {})",
                CREATE_NODE_OPTIONS.join(", ")
            )));
        }
        let mut server = Map::new();
        server.insert("name".into(), json!(request.name()));
        server.insert("flavorRef".into(), json!(request.size()));
        server.insert("imageRef".into(), json!(request.image()));
        match request.auth_value() {
            Some(NodeAuth::Password(password)) => {
                server.insert("adminPass".into(), json!(password.expose()));
            }
            Some(NodeAuth::SshKey(_)) if request.key_pair_name().is_none() => {
                return Err(Error::invalid_input(
                    "Nova installs SSH keys from key pairs: import the key with import_key_pair and pass key_pair(NAME)",
                ));
            }
            _ => {}
        }
        if let Some(key) = request.key_pair_name() {
            server.insert("key_name".into(), json!(key));
        }
        if let Some(data) = request.user_data_value() {
            server.insert(
                "user_data".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(data)),
            );
        }
        if !request.networks().is_empty() {
            let networks: Vec<Value> = request
                .networks()
                .iter()
                .map(|n| json!({ "uuid": n }))
                .collect();
            server.insert("networks".into(), Value::Array(networks));
        } else if self.at_least(2, 37) {
            // From 2.37 Nova wants to be told; "auto" is what the CLI does.
            server.insert("networks".into(), json!("auto"));
        }
        if !request.security_groups().is_empty() {
            let groups: Vec<Value> = request
                .security_groups()
                .iter()
                .map(|g| json!({ "name": g }))
                .collect();
            server.insert("security_groups".into(), Value::Array(groups));
        }
        if !request.tags().is_empty() {
            server.insert("metadata".into(), json!(request.tags()));
        }
        if let Some(zone) = zone {
            server.insert("availability_zone".into(), json!(zone));
        }
        if let Some(v) = request.options().get("config_drive") {
            let on = match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(Error::invalid_input(format!(
                        "config_drive must be true or false, not `{v}`"
                    )));
                }
            };
            server.insert("config_drive".into(), json!(on));
        }
        if let Some(v) = request.options().get("disk_config") {
            let v = v.to_ascii_uppercase();
            if v != "AUTO" && v != "MANUAL" {
                return Err(Error::invalid_input("disk_config must be AUTO or MANUAL"));
            }
            server.insert("OS-DCF:diskConfig".into(), json!(v));
        }
        Ok(json!({ "server": server }))
    }
}

impl Shared {
    /// Whether `service_type` has an explicit endpoint.
    pub(crate) fn overrides_service(&self, service_type: &str) -> bool {
        self.overrides.iter().any(|(s, _)| s == service_type)
    }
}

impl Driver for NovaCompute {
    fn provider(&self) -> &str {
        self.provider_name()
    }
    fn capabilities(&self) -> Capabilities {
        match self.shared().flavor {
            Flavor::Rackspace => CAPABILITIES_RACKSPACE,
            _ => CAPABILITIES_OPENSTACK,
        }
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.nova.shared.session.redactor())
    }
}

#[async_trait]
impl ComputeDriver for NovaCompute {
    async fn list_nodes(&self, page: PageRequest) -> Result<Page<Node>> {
        let query = page.marker_query(PAGE_SIZE, PAGE_SIZE);
        let body = self
            .nova
            .get_query(&["servers", "detail"], &query.pairs(), None)
            .await?;
        let nodes: Vec<Node> = list::<parse::WireServer>(&self.nova, body, "servers")?
            .into_iter()
            .map(parse::WireServer::node)
            .collect();
        let next = query.next(&nodes, |n| &n.id);
        Ok(Page::new(nodes, next))
    }

    async fn get_node(&self, id: &str) -> Result<Node> {
        let body = self
            .nova
            .get(
                &["servers", id],
                Some(About::reading(ResourceKind::Node, id)),
            )
            .await?;
        Ok(one::<parse::WireServer>(&self.nova, body, "server")?.node())
    }

    async fn create_node(&self, request: &CreateNode) -> Result<Node> {
        let zone = self.zone(request.location_id()).await?;
        let body = self.create_body(request, zone)?;
        let answer = self.nova.post(&["servers"], &body, None).await?;
        let created: parse::CreatedServer = one(&self.nova, answer.body, "server")?;
        let id = created.id;
        // Only this answer carries the root password Nova generated (or was
        // given); deployment logs in with it when no key is installed.
        let password = created
            .admin_pass
            .filter(|p| !p.is_empty())
            .map(cloud_core::Secret::new);
        if let Some(password) = &password {
            self.nova.shared.session.redactor().add(password);
        }
        let mut node = self.get_node(&id).await?;
        node.password = password;
        Ok(node)
    }

    async fn destroy_node(&self, id: &str) -> Result<()> {
        self.nova
            .delete(
                &["servers", id],
                Some(About::reading(ResourceKind::Node, id)),
            )
            .await?;
        Ok(())
    }

    async fn reboot_node(&self, id: &str) -> Result<()> {
        self.server_action(id, json!({ "reboot": { "type": "SOFT" } }))
            .await
    }

    async fn start_node(&self, id: &str) -> Result<()> {
        self.power(id, "os-start", Capability::StartNode, contract::STARTED)
            .await
    }

    async fn stop_node(&self, id: &str) -> Result<()> {
        self.power(id, "os-stop", Capability::StopNode, contract::STOPPED)
            .await
    }

    async fn list_sizes(&self) -> Result<Vec<NodeSize>> {
        self.all_pages(
            &self.nova,
            &["flavors", "detail"],
            "flavors",
            parse::WireFlavor::size,
            |s| &s.id,
        )
        .await
    }

    async fn list_images(&self, page: PageRequest) -> Result<Page<NodeImage>> {
        if self.at_least(2, 36) {
            return self.glance_images(page).await;
        }
        let query = page.marker_query(PAGE_SIZE, PAGE_SIZE);
        let body = self
            .nova
            .get_query(&["images", "detail"], &query.pairs(), None)
            .await?;
        let images: Vec<NodeImage> = list::<parse::WireImage>(&self.nova, body, "images")?
            .into_iter()
            .map(parse::WireImage::image)
            .collect();
        let next = query.next(&images, |i| &i.id);
        Ok(Page::new(images, next))
    }

    async fn get_image(&self, id: &str) -> Result<NodeImage> {
        let service = if self.at_least(2, 36) {
            &self.glance
        } else {
            &self.nova
        };
        let path = ["images", id];
        let body = service
            .get(&path, Some(About::reading(ResourceKind::Image, id)))
            .await?;
        Ok(one::<parse::WireImage>(service, body, "image")?.image())
    }

    async fn list_locations(&self) -> Result<Vec<NodeLocation>> {
        let region = self.region().await?;
        let region_location = || {
            let name = region.clone().unwrap_or_else(|| "default".into());
            vec![NodeLocation::new(name.clone(), name, None)]
        };
        if self.shared().flavor == Flavor::Rackspace {
            return Ok(region_location());
        }
        match self.nova.get(&["os-availability-zone"], None).await {
            Ok(body) => {
                let zones = self
                    .nova
                    .decode::<parse::WireZones>(body, "the availability zones")?
                    .locations();
                Ok(if zones.is_empty() {
                    region_location()
                } else {
                    zones
                })
            }
            // Clouds that hide zones (policy) or lack the extension.
            Err(e) if matches!(e.status(), Some(403 | 404)) => Ok(region_location()),
            Err(e) => Err(e),
        }
    }

    async fn list_volumes(&self, page: PageRequest) -> Result<Page<StorageVolume>> {
        volumes::list_volumes(&self.cinder, page).await
    }

    async fn create_volume(&self, request: &CreateVolume) -> Result<StorageVolume> {
        let zone = self.zone(request.location.as_deref()).await?;
        volumes::create_volume(&self.cinder, request, zone).await
    }

    async fn attach_volume(&self, volume: &str, node: &str, device: Option<&str>) -> Result<()> {
        volumes::attach(&self.nova, volume, node, device).await
    }

    async fn detach_volume(&self, volume: &str) -> Result<()> {
        volumes::detach(&self.nova, &self.cinder, volume).await
    }

    async fn destroy_volume(&self, volume: &str) -> Result<()> {
        volumes::destroy_volume(&self.cinder, volume).await
    }

    async fn list_snapshots(&self, page: PageRequest) -> Result<Page<VolumeSnapshot>> {
        volumes::list_snapshots(&self.cinder, page).await
    }

    async fn create_snapshot(&self, volume: &str, name: Option<&str>) -> Result<VolumeSnapshot> {
        volumes::create_snapshot(&self.cinder, volume, name).await
    }

    async fn destroy_snapshot(&self, id: &str) -> Result<()> {
        volumes::destroy_snapshot(&self.cinder, id).await
    }

    async fn list_key_pairs(&self, _page: PageRequest) -> Result<Page<KeyPair>> {
        // Nova returns every key pair at once (paging needs microversion 2.35).
        let body = self.nova.get(&["os-keypairs"], None).await?;
        let keys = list::<parse::WireKeyPairEntry>(&self.nova, body, "keypairs")?
            .into_iter()
            .map(parse::WireKeyPairEntry::key_pair)
            .collect();
        Ok(Page::last(keys))
    }

    async fn get_key_pair(&self, name: &str) -> Result<KeyPair> {
        let body = self
            .nova
            .get(
                &["os-keypairs", name],
                Some(About::reading(ResourceKind::KeyPair, name)),
            )
            .await?;
        Ok(one::<parse::WireKeyPair>(&self.nova, body, "keypair")?.key_pair())
    }

    async fn create_key_pair(&self, name: &str) -> Result<KeyPair> {
        let body = json!({ "keypair": { "name": name } });
        let answer = self
            .nova
            .post(
                &["os-keypairs"],
                &body,
                Some(About::creating(ResourceKind::KeyPair, name)),
            )
            .await?;
        Ok(one::<parse::WireKeyPair>(&self.nova, answer.body, "keypair")?.key_pair())
    }

    async fn import_key_pair(&self, name: &str, public_key: &str) -> Result<KeyPair> {
        let body = json!({ "keypair": { "name": name, "public_key": public_key } });
        let answer = self
            .nova
            .post(
                &["os-keypairs"],
                &body,
                Some(About::creating(ResourceKind::KeyPair, name)),
            )
            .await?;
        Ok(one::<parse::WireKeyPair>(&self.nova, answer.body, "keypair")?.key_pair())
    }

    async fn delete_key_pair(&self, name: &str) -> Result<()> {
        self.nova
            .delete(
                &["os-keypairs", name],
                Some(About::reading(ResourceKind::KeyPair, name)),
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_actions_name_the_action_as_the_key() {
        let action = "os-start";
        assert_eq!(json!({ action: null }), json!({"os-start": null}));
    }

    #[test]
    fn microversions_compare_numerically() {
        assert_eq!(microversion("2.36"), Some((2, 36)));
        assert!(microversion("2.9").unwrap() < (2, 36));
        assert_eq!(microversion("latest"), None);
    }

    #[test]
    fn pages() {
        let mut page = PageRequest::first();
        page.token = Some("abc".into());
        page.size = Some(2);
        assert_eq!(
            page.marker_query(PAGE_SIZE, PAGE_SIZE).pairs(),
            [("limit", "2"), ("marker", "abc")]
        );
        assert_eq!(
            glance_next("/v2/images?limit=2&marker=img-2&visibility=public").as_deref(),
            Some("images?limit=2&marker=img-2&visibility=public")
        );
        assert_eq!(
            glance_next("https://cloud.example/image/v2/images?marker=x").as_deref(),
            Some("images?marker=x")
        );
        assert_eq!(glance_next("/v2/schemas/image"), None);
        assert_eq!(glance_next("https://elsewhere.example/steal"), None);
    }
}
