//! The compute driver: libvirt domains as nodes, the volumes of one
//! storage pool as images, the connection's host as the one location.
//!
//! libvirt's calls block, so each runs on tokio's blocking pool, never on
//! the runtime's threads; the connection is shared by all of them
//! (`virConnect` is thread-safe).

use std::sync::Arc;

use async_trait::async_trait;
use cloud_core::compute::ComputeDriver;
use cloud_core::paging::{page_after, page_of};
use cloud_core::{
    Capabilities, Capability, CreateNode, CreateVolume, Driver, Error, Node, NodeImage,
    NodeLocation, NodeSize, Page, PageRequest, ResourceKind, Result, StorageVolume,
};
use virt::connect::Connect;
use virt::domain::Domain;

use crate::PROVIDER;
use crate::domain::{NewDomain, parse_size, sizes, to_node};
use crate::error::from_virt;

/// Nodes, sizes, images, locations and volumes. libvirt has no key pairs
/// and no volume snapshots.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::of(&[
    Capability::ListNodes,
    Capability::GetNode,
    Capability::CreateNode,
    Capability::DestroyNode,
    Capability::RebootNode,
    Capability::StartNode,
    Capability::StopNode,
    Capability::ListSizes,
    Capability::ListImages,
    Capability::GetImage,
    Capability::ListLocations,
    Capability::ListVolumes,
    Capability::CreateVolume,
    Capability::AttachVolume,
    Capability::DetachVolume,
    Capability::DestroyVolume,
]);

/// A libvirt connection's compute service.
#[derive(Clone)]
pub struct LibvirtCompute {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connect,
    uri: String,
    image_pool: String,
    volume_pool: String,
    network: String,
    domain_type: String,
}

impl std::fmt::Debug for LibvirtCompute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibvirtCompute")
            .field("uri", &self.inner.uri)
            .field("image_pool", &self.inner.image_pool)
            .field("volume_pool", &self.inner.volume_pool)
            .finish_non_exhaustive()
    }
}

impl LibvirtCompute {
    pub(crate) fn new(
        conn: Connect,
        uri: String,
        pools: (String, String),
        network: String,
        domain_type: String,
    ) -> Self {
        let (image_pool, volume_pool) = pools;
        LibvirtCompute {
            inner: Arc::new(Inner {
                conn,
                uri,
                image_pool,
                volume_pool,
                network,
                domain_type,
            }),
        }
    }

    /// Runs blocking libvirt work on the blocking pool.
    async fn blocking<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|e| {
                Error::new(
                    cloud_core::ErrorKind::Provider,
                    format!("a libvirt call did not finish: {e}"),
                )
                .with_provider(PROVIDER)
            })?
    }

    /// The storage pool images are read from.
    pub fn image_pool(&self) -> &str {
        &self.inner.image_pool
    }

    /// Creates an empty raw volume of `capacity` bytes in the image pool,
    /// to be filled with an image's bytes by the caller. It blocks: call
    /// it from `spawn_blocking` inside a runtime.
    pub fn ex_create_image_volume(&self, name: &str, capacity: u64) -> Result<NodeImage> {
        let pool = self.inner.pool()?;
        crate::volume::create_raw(&pool, name, capacity)?;
        self.inner
            .images()?
            .into_iter()
            .find(|i| i.id == name)
            .ok_or_else(|| {
                Error::new(
                    cloud_core::ErrorKind::Provider,
                    format!("the new volume `{name}` is not listed in its pool"),
                )
                .with_provider(PROVIDER)
            })
    }
}

impl Inner {
    /// The location of every node: the connection's host.
    fn location(&self) -> String {
        self.conn
            .hostname()
            .unwrap_or_else(|_| "localhost".to_owned())
    }

    fn domain(&self, id: &str) -> Result<Domain> {
        let by_uuid = self.conn.lookup_domain_by_uuid_string(id);
        match by_uuid {
            Ok(d) => Ok(d),
            Err(_) => self
                .conn
                .lookup_domain_by_name(id)
                .map_err(|e| from_virt(e, Some((ResourceKind::Node, id)))),
        }
    }

    fn node(&self, domain: &Domain, id: &str) -> Result<Node> {
        to_node(domain, &self.location()).map_err(|e| from_virt(e, Some((ResourceKind::Node, id))))
    }

    fn pool(&self) -> Result<virt::storage_pool::StoragePool> {
        crate::volume::open_pool(&self.conn, &self.image_pool, "image_pool")
    }

    fn volume_pool(&self) -> Result<virt::storage_pool::StoragePool> {
        crate::volume::open_pool(&self.conn, &self.volume_pool, "volume_pool")
    }

    fn images(&self) -> Result<Vec<NodeImage>> {
        let pool = self.pool()?;
        let volumes = pool.list_all_volumes(0).map_err(|e| from_virt(e, None))?;
        let mut images = Vec::with_capacity(volumes.len());
        for volume in volumes {
            let name = volume.name().map_err(|e| from_virt(e, None))?;
            let mut image = NodeImage::new(name.clone(), name);
            if let Ok(path) = volume.path() {
                image.extra.insert("path".into(), path.into());
            }
            if let Ok(info) = volume.info() {
                image
                    .extra
                    .insert("capacity_bytes".into(), info.capacity.into());
            }
            images.push(image);
        }
        images.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(images)
    }
}

impl Driver for LibvirtCompute {
    fn provider(&self) -> &str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
}

#[async_trait]
impl ComputeDriver for LibvirtCompute {
    async fn list_nodes(&self, page: PageRequest) -> Result<Page<Node>> {
        self.blocking(move |inner| {
            let domains = inner
                .conn
                .list_all_domains(0)
                .map_err(|e| from_virt(e, None))?;
            let location = inner.location();
            let mut nodes = Vec::with_capacity(domains.len());
            for domain in &domains {
                // A domain undefined while listed is skipped, not an error.
                if let Ok(node) = to_node(domain, &location) {
                    nodes.push(node);
                }
            }
            // Keyed pages: other callers' domains come and go between pages.
            let key = |n: &Node| format!("{}\n{}", n.name, n.id);
            nodes.sort_by_key(key);
            page_after(&nodes, key, &page, 100)
        })
        .await
    }

    async fn get_node(&self, id: &str) -> Result<Node> {
        let id = id.to_owned();
        self.blocking(move |inner| {
            let domain = inner.domain(&id)?;
            inner.node(&domain, &id)
        })
        .await
    }

    async fn create_node(&self, request: &CreateNode) -> Result<Node> {
        if let Some(name) = request.options().keys().next() {
            return Err(Error::invalid_input(format!(
                "unknown option `{}` for provider `{PROVIDER}`",
                cloud_core::error::quote(name)
            )));
        }
        let refused = [
            (request.auth_value().is_some(), "an SSH key or password"),
            (request.key_pair_name().is_some(), "a key pair"),
            (request.user_data_value().is_some(), "user data"),
            (!request.security_groups().is_empty(), "security groups"),
            (!request.tags().is_empty(), "tags"),
            (request.networks().len() > 1, "more than one network"),
        ];
        if let Some((_, what)) = refused.iter().find(|(set, _)| *set) {
            return Err(Error::invalid_input(format!(
                "libvirt cannot give a new domain {what}: bake keys into the image or \
                 deploy them over SSH once the node runs"
            )));
        }
        let (vcpus, memory_mib) = parse_size(request.size())?;
        let name = request.name().to_owned();
        let image = request.image().to_owned();
        let network = request.networks().first().cloned();
        let location = request.location_id().map(str::to_owned);
        self.blocking(move |inner| {
            if let Some(location) = location
                && location != inner.location()
            {
                return Err(Error::invalid_input(format!(
                    "location `{}` is not this connection's host `{}`",
                    cloud_core::error::quote(&location),
                    inner.location()
                )));
            }
            let network = network.as_deref().unwrap_or(&inner.network);
            let pool = inner.pool()?;
            let volume = pool
                .lookup_storage_vol_by_name(&image)
                .map_err(|e| from_virt(e, Some((ResourceKind::Image, &image))))?;
            let disk = volume.path().map_err(|e| from_virt(e, None))?;
            let xml = NewDomain {
                name: &name,
                domain_type: &inner.domain_type,
                vcpus,
                memory_mib,
                disk: &disk,
                network,
            }
            .xml();
            let domain = inner
                .conn
                .define_domain_xml(&xml)
                .map_err(|e| from_virt(e, None))?;
            if let Err(e) = domain.create() {
                // Never leave a defined domain behind a failed start.
                let _ = domain.undefine();
                return Err(from_virt(e, None));
            }
            let mut node = inner.node(&domain, &name)?;
            node.image = Some(image.clone());
            Ok(node)
        })
        .await
    }

    async fn destroy_node(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.blocking(move |inner| {
            let domain = inner.domain(&id)?;
            if domain.is_active().unwrap_or(false) {
                domain
                    .destroy()
                    .map_err(|e| from_virt(e, Some((ResourceKind::Node, &id))))?;
            }
            if domain.is_persistent().unwrap_or(true) {
                domain
                    .undefine()
                    .map_err(|e| from_virt(e, Some((ResourceKind::Node, &id))))?;
            }
            Ok(())
        })
        .await
    }

    async fn reboot_node(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.blocking(move |inner| {
            let domain = inner.domain(&id)?;
            domain
                .reboot(0)
                .map_err(|e| from_virt(e, Some((ResourceKind::Node, &id))))
        })
        .await
    }

    async fn start_node(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.blocking(move |inner| {
            let domain = inner.domain(&id)?;
            if domain.is_active().unwrap_or(false) {
                return Ok(());
            }
            domain
                .create()
                .map_err(|e| from_virt(e, Some((ResourceKind::Node, &id))))
        })
        .await
    }

    async fn stop_node(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.blocking(move |inner| {
            let domain = inner.domain(&id)?;
            if !domain.is_active().unwrap_or(true) {
                return Ok(());
            }
            // A clean shutdown (ACPI); the guest decides how long it takes.
            domain
                .shutdown()
                .map_err(|e| from_virt(e, Some((ResourceKind::Node, &id))))
        })
        .await
    }

    async fn list_sizes(&self) -> Result<Vec<NodeSize>> {
        Ok(sizes())
    }

    async fn list_images(&self, page: PageRequest) -> Result<Page<NodeImage>> {
        self.blocking(move |inner| page_of(&inner.images()?, &page, 100))
            .await
    }

    async fn get_image(&self, id: &str) -> Result<NodeImage> {
        let id = id.to_owned();
        self.blocking(move |inner| {
            inner
                .images()?
                .into_iter()
                .find(|i| i.id == id)
                .ok_or_else(|| {
                    Error::new(
                        cloud_core::ErrorKind::NotFound {
                            resource: ResourceKind::Image,
                            id: id.clone(),
                        },
                        format!(
                            "no image `{}` in the storage pool",
                            cloud_core::error::quote(&id)
                        ),
                    )
                    .with_provider(PROVIDER)
                })
        })
        .await
    }

    async fn list_volumes(&self, page: PageRequest) -> Result<Page<StorageVolume>> {
        self.blocking(move |inner| {
            let volumes =
                crate::volume::list(&inner.conn, &inner.volume_pool()?, &inner.location())?;
            page_after(&volumes, |v| v.id.clone(), &page, 100)
        })
        .await
    }

    async fn create_volume(&self, request: &CreateVolume) -> Result<StorageVolume> {
        let request = request.clone();
        self.blocking(move |inner| {
            crate::volume::create(
                &inner.conn,
                &inner.volume_pool()?,
                &request,
                &inner.location(),
            )
        })
        .await
    }

    async fn attach_volume(&self, volume: &str, node: &str, device: Option<&str>) -> Result<()> {
        let (volume, node, device) = (
            volume.to_owned(),
            node.to_owned(),
            device.map(str::to_owned),
        );
        self.blocking(move |inner| {
            let domain = inner.domain(&node)?;
            crate::attach::attach(
                &inner.conn,
                &inner.volume_pool()?,
                &volume,
                &domain,
                &node,
                device.as_deref(),
            )
        })
        .await
    }

    async fn detach_volume(&self, volume: &str) -> Result<()> {
        let volume = volume.to_owned();
        self.blocking(move |inner| {
            crate::attach::detach(&inner.conn, &inner.volume_pool()?, &volume)
        })
        .await
    }

    async fn destroy_volume(&self, volume: &str) -> Result<()> {
        let volume = volume.to_owned();
        self.blocking(move |inner| {
            crate::volume::destroy(&inner.conn, &inner.volume_pool()?, &volume)
        })
        .await
    }

    async fn list_locations(&self) -> Result<Vec<NodeLocation>> {
        self.blocking(|inner| {
            let host = inner.location();
            let mut location = NodeLocation::new(host.clone(), host, None);
            location
                .extra
                .insert("uri".into(), inner.uri.clone().into());
            Ok(vec![location])
        })
        .await
    }
}
