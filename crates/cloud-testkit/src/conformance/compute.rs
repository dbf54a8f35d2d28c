//! The compute conformance suite.

use std::time::Duration;

use cloud_core::{
    Api, Capability, Compute, CreateNode, CreateVolume, Error, ErrorKind, Node, NodeState,
    ResourceKind,
};
use futures::TryStreamExt;

use crate::assert_kind;

/// A real ed25519 public key (its private half is not kept anywhere).
pub const TEST_PUBLIC_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEt9t2Od97PvgSdApnPynYacolg/+QWN08Xhqvjwjy/E cloud-conformance";

/// What the compute suite runs against.
#[derive(Debug, Clone)]
pub struct ComputeFixture {
    /// The handle under test.
    pub compute: Compute,
    /// Prefix of node, volume and key names.
    pub namespace: String,
    /// The size to create nodes with; the first listed when `None`.
    pub size: Option<String>,
    /// The image to create nodes with; the first listed when `None`.
    pub image: Option<String>,
    /// A well-formed id that names no node at this provider.
    pub missing_node_id: String,
    /// How long a node may take to run.
    pub boot_timeout: Duration,
    /// How often to poll while waiting.
    pub poll_interval: Duration,
    skips: Vec<(&'static str, String)>,
    /// Held while the case runs, when the case must run alone.
    exclusive: Option<std::sync::Arc<crate::Turn>>,
}

impl ComputeFixture {
    /// A fixture for `compute` with namespace `ct`.
    pub fn new(compute: Compute) -> Self {
        ComputeFixture {
            compute,
            namespace: "ct".into(),
            size: None,
            image: None,
            missing_node_id: "node-does-not-exist".into(),
            boot_timeout: Duration::from_secs(60),
            poll_interval: Duration::from_millis(50),
            skips: Vec::new(),
            exclusive: None,
        }
    }

    /// Keeps `turn` (from [`crate::one_at_a_time`]) until the case ends, so
    /// no other case holding the lock runs meanwhile. For providers whose
    /// listings page by offset: on one shared account, a case deleting a
    /// node between another case's pages shifts them, and that listing
    /// skips a node (as it would at the provider).
    #[must_use]
    pub fn exclusive(mut self, turn: crate::Turn) -> Self {
        self.exclusive = Some(std::sync::Arc::new(turn));
        self
    }

    /// Uses `size` and `image` for new nodes.
    #[must_use]
    pub fn node_template(mut self, size: impl Into<String>, image: impl Into<String>) -> Self {
        self.size = Some(size.into());
        self.image = Some(image.into());
        self
    }

    /// Sets the id that names no node.
    #[must_use]
    pub fn missing_node_id(mut self, id: impl Into<String>) -> Self {
        self.missing_node_id = id.into();
        self
    }

    /// Sets the name prefix.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Sets the boot timeout and polling interval.
    #[must_use]
    pub fn timing(mut self, boot_timeout: Duration, poll_interval: Duration) -> Self {
        self.boot_timeout = boot_timeout;
        self.poll_interval = poll_interval;
        self
    }

    /// Skips one case, saying why.
    #[must_use]
    pub fn skip(mut self, case: &'static str, reason: impl Into<String>) -> Self {
        self.skips.push((case, reason.into()));
        self
    }

    /// Why `case` is skipped, if it is.
    pub fn skip_reason(&self, case: &str) -> Option<&str> {
        self.skips
            .iter()
            .find(|(c, _)| *c == case)
            .map(|(_, r)| r.as_str())
    }

    fn supports(&self, cap: Capability) -> bool {
        self.compute.capabilities().contains(cap)
    }

    async fn template(&self) -> (String, String) {
        let size = match &self.size {
            Some(s) => s.clone(),
            None => self.compute.list_sizes().await.unwrap()[0].id.clone(),
        };
        let image = match &self.image {
            Some(i) => i.clone(),
            None => self.compute.list_images_vec().await.unwrap()[0].id.clone(),
        };
        (size, image)
    }

    async fn create(&self, name: &str) -> Node {
        let (size, image) = self.template().await;
        let request = CreateNode::new(format!("{}-{name}", self.namespace), size, image);
        self.compute
            .create_node(&request)
            .await
            .unwrap_or_else(|e| panic!("create {name}: {e}"))
    }

    async fn wait_for(&self, id: &str, wanted: NodeState) -> Node {
        let deadline = tokio::time::Instant::now() + self.boot_timeout;
        loop {
            let node = self.compute.get_node(id).await.unwrap();
            if node.state == wanted {
                return node;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "node {id} did not become {wanted} (still {})",
                node.state
            );
            tokio::time::sleep(self.poll_interval).await;
        }
    }

    async fn destroy(&self, id: &str) {
        match self.compute.destroy_node(id).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => panic!("destroying {id}: {e}"),
        }
    }
}

/// Sizes, images and locations are listed with sane fields.
pub async fn catalogue(fx: &ComputeFixture) {
    let c = &fx.compute;
    if fx.supports(Capability::ListSizes) {
        let sizes = c.list_sizes().await.unwrap();
        assert!(!sizes.is_empty(), "a provider offers at least one size");
        for size in &sizes {
            assert!(!size.id.is_empty());
            assert!(size.ram_mib > 0, "{size:?}");
            if let Some(p) = size.price_per_hour {
                assert!(p >= 0.0 && p.is_finite(), "{size:?}");
            }
        }
    }
    if fx.supports(Capability::ListImages) {
        let images = c.list_images_vec().await.unwrap();
        assert!(!images.is_empty());
        if fx.supports(Capability::GetImage) {
            let image = c.get_image(&images[0].id).await.unwrap();
            assert_eq!(image.id, images[0].id);
            assert_kind!(
                c.get_image("image-does-not-exist").await,
                ErrorKind::NotFound { .. } | ErrorKind::Provider
            );
        }
    }
    if fx.supports(Capability::ListLocations) {
        let locations = c.list_locations().await.unwrap();
        assert!(!locations.is_empty());
        assert!(locations.iter().all(|l| !l.id.is_empty()));
    }
}

/// A node is created, runs, reboots, stops, starts and is destroyed.
pub async fn node_lifecycle(fx: &ComputeFixture) {
    let c = &fx.compute;
    let node = fx.create("lifecycle").await;
    assert!(!node.id.is_empty());
    assert_eq!(node.name, format!("{}-lifecycle", fx.namespace));
    assert!(!node.state.is_terminal(), "a new node is {}", node.state);
    if let Some(password) = &node.password {
        // A generated root password never prints nor serializes.
        let shown = format!("{node:?} {}", serde_json::to_string(&node).unwrap());
        assert!(
            !shown.contains(password.expose()),
            "password shown: {shown}"
        );
    }
    if fx.supports(Capability::ListNodes) {
        let nodes = c.list_nodes_vec().await.unwrap();
        assert!(nodes.iter().any(|n| n.id == node.id), "new node is listed");
    }
    let running = c
        .wait_until_running(&[&node.id], fx.boot_timeout, fx.poll_interval)
        .await
        .unwrap();
    assert_eq!(running[0].state, NodeState::Running);
    assert!(
        !running[0].public_ips.is_empty() || !running[0].private_ips.is_empty(),
        "a running node has an address"
    );
    if fx.supports(Capability::RebootNode) {
        c.reboot_node(&node.id).await.unwrap();
        fx.wait_for(&node.id, NodeState::Running).await;
    }
    if fx.supports(Capability::StopNode) && fx.supports(Capability::StartNode) {
        // The portable contract: starting a running node, or stopping a
        // stopped one, succeeds and changes nothing.
        c.start_node(&node.id).await.unwrap();
        let still = c.get_node(&node.id).await.unwrap();
        assert_eq!(
            still.state,
            NodeState::Running,
            "a start left a running node {}",
            still.state
        );
        c.stop_node(&node.id).await.unwrap();
        fx.wait_for(&node.id, NodeState::Stopped).await;
        c.stop_node(&node.id).await.unwrap();
        let still = c.get_node(&node.id).await.unwrap();
        assert_eq!(
            still.state,
            NodeState::Stopped,
            "a stop left a stopped node {}",
            still.state
        );
        c.start_node(&node.id).await.unwrap();
        fx.wait_for(&node.id, NodeState::Running).await;
    }
    c.destroy_node(&node.id).await.unwrap();
    match c.get_node(&node.id).await {
        Err(e) => assert!(e.is_not_found(), "{e}"),
        Ok(n) => assert!(
            matches!(n.state, NodeState::Terminated | NodeState::Stopping),
            "a destroyed node is gone or terminating, not {}",
            n.state
        ),
    }
}

/// Missing nodes are `NotFound`; bad requests are refused before sending.
pub async fn errors(fx: &ComputeFixture) {
    let c = &fx.compute;
    let missing = &fx.missing_node_id;
    let err = assert_kind!(
        c.get_node(missing).await,
        ErrorKind::NotFound {
            resource: ResourceKind::Node,
            ..
        }
    );
    assert!(err.to_string().contains(missing.as_str()), "{err}");
    if fx.supports(Capability::DestroyNode) {
        assert_kind!(c.destroy_node(missing).await, ErrorKind::NotFound { .. });
    }
    if fx.supports(Capability::RebootNode) {
        assert_kind!(c.reboot_node(missing).await, ErrorKind::NotFound { .. });
    }
    assert_kind!(c.get_node("").await, ErrorKind::InvalidInput);
    assert_kind!(
        c.create_node(&CreateNode::new("", "s", "i")).await,
        ErrorKind::InvalidInput
    );
    assert_kind!(
        c.create_node(&CreateNode::new("n", "s", "")).await,
        ErrorKind::InvalidInput
    );
    let (size, image) = fx.template().await;
    let unknown = CreateNode::new(format!("{}-bad-option", fx.namespace), size, image)
        .option("no_such_option", "1");
    assert_kind!(c.create_node(&unknown).await, ErrorKind::InvalidInput);
    assert_kind!(
        c.import_key_pair("k", "not a key").await,
        ErrorKind::InvalidInput
    );
}

/// Waiting gives up with `Timeout` when nodes do not run in time.
pub async fn wait_timeout(fx: &ComputeFixture) {
    let c = &fx.compute;
    let node = fx.create("wait-timeout").await;
    let result = c
        .wait_until_running(&[&node.id], Duration::ZERO, fx.poll_interval)
        .await;
    match result {
        Ok(nodes) => assert_eq!(
            nodes[0].state,
            NodeState::Running,
            "already running is fine"
        ),
        Err(e) => assert_eq!(e.kind(), &ErrorKind::Timeout, "{e}"),
    }
    let missing = fx.missing_node_id.clone();
    assert_kind!(
        c.wait_until_running(&[&missing], Duration::from_secs(1), fx.poll_interval)
            .await,
        ErrorKind::NotFound { .. }
    );
    fx.destroy(&node.id).await;
}

/// Node listings span pages.
pub async fn node_pagination(fx: &ComputeFixture) {
    if !fx.supports(Capability::ListNodes) {
        return;
    }
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(fx.create(&format!("page-{i}")).await.id);
    }
    let paged = fx.compute.clone().with_page_size(2);
    let listed: Vec<Node> = paged.list_nodes().try_collect().await.unwrap();
    for id in &ids {
        assert_eq!(
            listed.iter().filter(|n| &n.id == id).count(),
            1,
            "{id} listed exactly once"
        );
    }
    let mut unique: Vec<&str> = listed.iter().map(|n| n.id.as_str()).collect();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "no node listed twice");
    for id in &ids {
        fx.destroy(id).await;
    }
}

/// Volumes are created, attached, detached, snapshotted and destroyed.
pub async fn volumes_and_snapshots(fx: &ComputeFixture) {
    let c = &fx.compute;
    if !fx.supports(Capability::CreateVolume) {
        return;
    }
    let location = c
        .list_locations()
        .await
        .ok()
        .and_then(|l| l.first().map(|x| x.id.clone()));
    let mut request = CreateVolume::new(format!("{}-vol", fx.namespace), 1);
    if let Some(l) = location {
        request = request.location(l);
    }
    let volume = c.create_volume(&request).await.unwrap();
    assert_eq!(volume.size_gb, 1);
    assert_kind!(
        c.create_volume(&CreateVolume::new("zero", 0)).await,
        ErrorKind::InvalidInput
    );
    if fx.supports(Capability::ListVolumes) {
        let all: Vec<_> = c.list_volumes().try_collect().await.unwrap();
        assert!(all.iter().any(|v| v.id == volume.id));
    }
    if fx.supports(Capability::AttachVolume) {
        let node = fx.create("with-volume").await;
        c.wait_until_running(&[&node.id], fx.boot_timeout, fx.poll_interval)
            .await
            .unwrap();
        c.attach_volume(&volume.id, &node.id, Some("/dev/sdf"))
            .await
            .unwrap();
        if fx.supports(Capability::ListVolumes) {
            let all: Vec<_> = c.list_volumes().try_collect().await.unwrap();
            let attached = all.iter().find(|v| v.id == volume.id).unwrap();
            assert_eq!(attached.attached_to.as_deref(), Some(node.id.as_str()));
        }
        c.detach_volume(&volume.id).await.unwrap();
        fx.destroy(&node.id).await;
    }
    if fx.supports(Capability::CreateSnapshot) {
        let snapshot = c
            .create_snapshot(&volume.id, Some("conformance"))
            .await
            .unwrap();
        assert_eq!(snapshot.volume_id.as_deref(), Some(volume.id.as_str()));
        if fx.supports(Capability::ListSnapshots) {
            let all: Vec<_> = c.list_snapshots().try_collect().await.unwrap();
            assert!(all.iter().any(|s| s.id == snapshot.id));
        }
        c.destroy_snapshot(&snapshot.id).await.unwrap();
    }
    c.destroy_volume(&volume.id).await.unwrap();
    if fx.supports(Capability::ListVolumes) {
        let all: Vec<_> = c.list_volumes().try_collect().await.unwrap();
        assert!(
            all.iter()
                .all(|v| v.id != volume.id || v.state == cloud_core::VolumeState::Deleting),
            "destroyed volume is gone"
        );
    }
}

/// Key pairs are imported, read, listed and deleted; names are unique.
pub async fn key_pairs(fx: &ComputeFixture) {
    let c = &fx.compute;
    if !fx.supports(Capability::ImportKeyPair) {
        return;
    }
    let name = format!("{}-key", fx.namespace);
    let _ = c.delete_key_pair(&name).await;
    let key = c.import_key_pair(&name, TEST_PUBLIC_KEY).await.unwrap();
    assert_eq!(key.name, name);
    assert!(
        key.private_key.is_none(),
        "an imported key has no private half"
    );
    if fx.supports(Capability::GetKeyPair) {
        let got = c.get_key_pair(&name).await.unwrap();
        assert_eq!(got.name, name);
        assert!(got.fingerprint.is_some());
    }
    if fx.supports(Capability::ListKeyPairs) {
        let all: Vec<_> = c.list_key_pairs().try_collect().await.unwrap();
        assert!(all.iter().any(|k| k.name == name));
    }
    assert_kind!(
        c.import_key_pair(&name, TEST_PUBLIC_KEY).await,
        ErrorKind::AlreadyExists { .. }
    );
    c.delete_key_pair(&name).await.unwrap();
    if fx.supports(Capability::GetKeyPair) {
        assert_kind!(c.get_key_pair(&name).await, ErrorKind::NotFound { .. });
    }
    if fx.supports(Capability::CreateKeyPair) {
        let generated = format!("{}-generated", fx.namespace);
        let _ = c.delete_key_pair(&generated).await;
        let key = c.create_key_pair(&generated).await.unwrap();
        let private = key
            .private_key
            .as_ref()
            .expect("a created key pair carries its private key");
        assert!(private.expose().contains("PRIVATE KEY"));
        assert!(
            !format!("{key:?}").contains("PRIVATE KEY"),
            "never in Debug"
        );
        c.delete_key_pair(&generated).await.unwrap();
    }
}

/// Every compute capability the driver does not declare answers `Unsupported`.
pub async fn undeclared_are_unsupported(fx: &ComputeFixture) {
    let c = &fx.compute;
    let d = c.driver();
    let caps = c.capabilities();
    for cap in Capability::ALL
        .iter()
        .copied()
        .filter(|c| c.api() == Api::Compute)
    {
        if caps.contains(cap) {
            continue;
        }
        let id = "x";
        let result: Result<(), Error> = match cap {
            Capability::ListNodes => d.list_nodes(Default::default()).await.map(drop),
            Capability::GetNode => d.get_node(id).await.map(drop),
            Capability::CreateNode => d
                .create_node(&CreateNode::new("n", "s", "i"))
                .await
                .map(drop),
            Capability::DestroyNode => d.destroy_node(id).await,
            Capability::RebootNode => d.reboot_node(id).await,
            Capability::StartNode => d.start_node(id).await,
            Capability::StopNode => d.stop_node(id).await,
            Capability::ListSizes => d.list_sizes().await.map(drop),
            Capability::ListImages => d.list_images(Default::default()).await.map(drop),
            Capability::GetImage => d.get_image(id).await.map(drop),
            Capability::ListLocations => d.list_locations().await.map(drop),
            Capability::ListVolumes => d.list_volumes(Default::default()).await.map(drop),
            Capability::CreateVolume => d.create_volume(&CreateVolume::new("v", 1)).await.map(drop),
            Capability::AttachVolume => d.attach_volume(id, id, None).await,
            Capability::DetachVolume => d.detach_volume(id).await,
            Capability::DestroyVolume => d.destroy_volume(id).await,
            Capability::ListSnapshots => d.list_snapshots(Default::default()).await.map(drop),
            Capability::CreateSnapshot => d.create_snapshot(id, None).await.map(drop),
            Capability::DestroySnapshot => d.destroy_snapshot(id).await,
            Capability::ListKeyPairs => d.list_key_pairs(Default::default()).await.map(drop),
            Capability::GetKeyPair => d.get_key_pair(id).await.map(drop),
            Capability::CreateKeyPair => d.create_key_pair(id).await.map(drop),
            Capability::ImportKeyPair => d.import_key_pair(id, TEST_PUBLIC_KEY).await.map(drop),
            Capability::DeleteKeyPair => d.delete_key_pair(id).await,
            _ => continue,
        };
        assert_kind!(result, ErrorKind::Unsupported { .. });
    }
}

/// Every case of the compute suite, in order.
pub const CASES: &[&str] = &[
    "catalogue",
    "node_lifecycle",
    "errors",
    "wait_timeout",
    "node_pagination",
    "volumes_and_snapshots",
    "key_pairs",
    "undeclared_are_unsupported",
];

/// Generates one `#[test]` per compute case. The argument is a closure taking
/// the case name and returning a future of `Option<ComputeFixture>` (`None` skips).
#[macro_export]
macro_rules! compute_suite {
    ($factory:expr) => {
        $crate::__suite!(
            compute,
            $factory,
            [
                catalogue,
                node_lifecycle,
                errors,
                wait_timeout,
                node_pagination,
                volumes_and_snapshots,
                key_pairs,
                undeclared_are_unsupported,
            ]
        );
    };
}
