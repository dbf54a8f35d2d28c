//! Amazon EC2 as a [`ComputeDriver`], with security groups, elastic IPs and
//! tags as inherent extras.

// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;
mod prices;

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use cloud_core::Driver;
use cloud_core::{
    Api, Capabilities, ComputeDriver, CreateNode, CreateVolume, Error, KeyPair, Node, NodeAuth,
    NodeImage, NodeLocation, NodeSize, Page, PageRequest, ResourceKind, Result, StorageVolume,
    VolumeSnapshot,
};

pub use self::parse::{ElasticIp, SecurityGroup};
use crate::config::Shared;
use crate::error::Service;
use crate::query::{Params, QueryClient};

/// Every compute operation.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(Api::Compute);

const VERSION: &str = "2016-11-15";

/// Options `create_node` understands beyond the portable request.
pub const CREATE_NODE_OPTIONS: &[&str] = &[
    "subnet_id",
    "private_ip",
    "iam_instance_profile",
    "ebs_optimized",
];

/// The EC2 driver.
#[derive(Debug, Clone)]
pub struct Ec2Compute {
    shared: Arc<Shared>,
    query: QueryClient,
}

/// `MaxResults`: the size asked for within `min..=max`, else the largest
/// the call allows, so no listing is ever one unpaginated call (which AWS
/// may throttle or time out on large accounts).
fn page_size(size: Option<u32>, min: u32, max: u32) -> String {
    size.unwrap_or(max).clamp(min, max).to_string()
}

impl Ec2Compute {
    pub(crate) fn new(shared: Arc<Shared>) -> Result<Self> {
        let url = shared.endpoint(Service::Ec2, &shared.region)?;
        let http = shared.http(Service::Ec2, &shared.region)?;
        Ok(Ec2Compute {
            query: QueryClient::new(http, url, VERSION, Service::Ec2),
            shared,
        })
    }

    async fn read(
        &self,
        action: &str,
        params: &Params,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<String> {
        self.query.call(action, params, true, resource).await
    }

    async fn write(
        &self,
        action: &str,
        params: &Params,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<String> {
        self.query.call(action, params, false, resource).await
    }

    async fn instance_action(&self, action: &str, id: &str) -> Result<()> {
        let mut p = Params::new();
        p.add("InstanceId.1", id);
        // Start, stop, reboot and terminate are safe to repeat.
        self.query
            .call(action, &p, true, Some((ResourceKind::Node, id)))
            .await?;
        Ok(())
    }

    /// Nodes matching EC2 filters, e.g. `[("instance-state-name", ["running"])]` (an extra).
    pub async fn ex_list_nodes_filtered(
        &self,
        filters: &[(&str, &[&str])],
        page: PageRequest,
    ) -> Result<Page<Node>> {
        let mut p = Params::new();
        for (i, (name, values)) in filters.iter().enumerate() {
            p.add(format!("Filter.{}.Name", i + 1), *name);
            p.list(&format!("Filter.{}.Value", i + 1), values.iter().copied());
        }
        if let Some(token) = page.token {
            p.add("NextToken", token);
        }
        p.add("MaxResults", page_size(page.size, 5, 1000));
        parse::describe_instances(&self.read("DescribeInstances", &p, None).await?)
    }

    /// Security groups (an extra).
    pub async fn ex_list_security_groups(&self) -> Result<Vec<SecurityGroup>> {
        parse::describe_security_groups(
            &self
                .read("DescribeSecurityGroups", &Params::new(), None)
                .await?,
        )
    }

    /// Creates a security group; returns its id (an extra).
    pub async fn ex_create_security_group(
        &self,
        name: &str,
        description: &str,
        vpc_id: Option<&str>,
    ) -> Result<String> {
        let mut p = Params::new();
        p.add("GroupName", name)
            .add("GroupDescription", description);
        if let Some(vpc) = vpc_id {
            p.add("VpcId", vpc);
        }
        parse::field(
            &self.write("CreateSecurityGroup", &p, None).await?,
            "groupId",
        )
    }

    /// Opens `protocol` ports `from..=to` to `cidr` in a security group (an extra).
    pub async fn ex_authorize_security_group_ingress(
        &self,
        group_id: &str,
        protocol: &str,
        from: u16,
        to: u16,
        cidr: &str,
    ) -> Result<()> {
        let mut p = Params::new();
        p.add("GroupId", group_id)
            .add("IpPermissions.1.IpProtocol", protocol)
            .add("IpPermissions.1.FromPort", from.to_string())
            .add("IpPermissions.1.ToPort", to.to_string())
            .add("IpPermissions.1.IpRanges.1.CidrIp", cidr);
        self.write("AuthorizeSecurityGroupIngress", &p, None)
            .await?;
        Ok(())
    }

    /// Deletes a security group (an extra).
    pub async fn ex_delete_security_group(&self, group_id: &str) -> Result<()> {
        let mut p = Params::new();
        p.add("GroupId", group_id);
        self.write("DeleteSecurityGroup", &p, None).await?;
        Ok(())
    }

    /// Elastic IP addresses (an extra).
    pub async fn ex_list_elastic_ips(&self) -> Result<Vec<ElasticIp>> {
        parse::describe_addresses(&self.read("DescribeAddresses", &Params::new(), None).await?)
    }

    /// Allocates an elastic IP in the VPC domain (an extra).
    pub async fn ex_allocate_elastic_ip(&self) -> Result<ElasticIp> {
        let mut p = Params::new();
        p.add("Domain", "vpc");
        parse::allocate_address(&self.write("AllocateAddress", &p, None).await?)
    }

    /// Associates an elastic IP with a node; returns the association id (an extra).
    pub async fn ex_associate_elastic_ip(
        &self,
        allocation_id: &str,
        node_id: &str,
    ) -> Result<String> {
        let mut p = Params::new();
        p.add("AllocationId", allocation_id)
            .add("InstanceId", node_id);
        parse::field(
            &self
                .write("AssociateAddress", &p, Some((ResourceKind::Node, node_id)))
                .await?,
            "associationId",
        )
    }

    /// Removes an association (an extra).
    pub async fn ex_disassociate_elastic_ip(&self, association_id: &str) -> Result<()> {
        let mut p = Params::new();
        p.add("AssociationId", association_id);
        self.write("DisassociateAddress", &p, None).await?;
        Ok(())
    }

    /// Releases an elastic IP (an extra).
    pub async fn ex_release_elastic_ip(&self, allocation_id: &str) -> Result<()> {
        let mut p = Params::new();
        p.add("AllocationId", allocation_id);
        self.write("ReleaseAddress", &p, None).await?;
        Ok(())
    }

    /// Sets tags on any EC2 resource (an extra).
    pub async fn ex_create_tags(&self, resource_id: &str, tags: &[(&str, &str)]) -> Result<()> {
        let mut p = Params::new();
        p.add("ResourceId.1", resource_id);
        for (i, (k, v)) in tags.iter().enumerate() {
            p.add(format!("Tag.{}.Key", i + 1), *k)
                .add(format!("Tag.{}.Value", i + 1), *v);
        }
        self.query.call("CreateTags", &p, true, None).await?;
        Ok(())
    }

    /// Removes tags from any EC2 resource (an extra).
    pub async fn ex_delete_tags(&self, resource_id: &str, keys: &[&str]) -> Result<()> {
        let mut p = Params::new();
        p.add("ResourceId.1", resource_id);
        for (i, k) in keys.iter().enumerate() {
            p.add(format!("Tag.{}.Key", i + 1), *k);
        }
        self.query.call("DeleteTags", &p, true, None).await?;
        Ok(())
    }

    async fn first_zone(&self) -> Result<String> {
        let zones = self.list_locations().await?;
        zones
            .into_iter()
            .next()
            .map(|z| z.id)
            .ok_or_else(|| Error::malformed(crate::PROVIDER, "EC2 lists no availability zone"))
    }
}

fn tag_spec(p: &mut Params, n: usize, resource_type: &str, tags: &[(&str, &str)]) {
    if tags.is_empty() {
        return;
    }
    p.add(format!("TagSpecification.{n}.ResourceType"), resource_type);
    for (i, (k, v)) in tags.iter().enumerate() {
        p.add(format!("TagSpecification.{n}.Tag.{}.Key", i + 1), *k);
        p.add(format!("TagSpecification.{n}.Tag.{}.Value", i + 1), *v);
    }
}

impl Driver for Ec2Compute {
    fn provider(&self) -> &str {
        crate::PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(&self.shared.redactor)
    }
}

#[async_trait]
impl ComputeDriver for Ec2Compute {
    async fn list_nodes(&self, page: PageRequest) -> Result<Page<Node>> {
        self.ex_list_nodes_filtered(&[], page).await
    }

    async fn get_node(&self, id: &str) -> Result<Node> {
        let mut p = Params::new();
        p.add("InstanceId.1", id);
        let page = parse::describe_instances(
            &self
                .read("DescribeInstances", &p, Some((ResourceKind::Node, id)))
                .await?,
        )?;
        page.items
            .into_iter()
            .find(|n| n.id == id)
            .ok_or_else(|| Error::not_found(ResourceKind::Node, id).with_provider(crate::PROVIDER))
    }

    async fn create_node(&self, request: &CreateNode) -> Result<Node> {
        if let Some(unknown) = request
            .options()
            .keys()
            .find(|k| !CREATE_NODE_OPTIONS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for EC2 nodes (known: {})",
                CREATE_NODE_OPTIONS.join(", ")
            )));
        }
        match request.auth_value() {
            Some(NodeAuth::Password(_)) => {
                return Err(Error::invalid_input(
                    "EC2 nodes take an SSH key pair, not a password",
                ));
            }
            Some(NodeAuth::SshKey(_)) if request.key_pair_name().is_none() => {
                return Err(Error::invalid_input(
                    "EC2 installs SSH keys from key pairs: import the key with import_key_pair and pass key_pair(NAME)",
                ));
            }
            _ => {}
        }
        let mut p = Params::new();
        p.add("ImageId", request.image())
            .add("InstanceType", request.size())
            .add("MinCount", "1")
            .add("MaxCount", "1");
        let token = request
            .idempotency_token_value()
            .map(str::to_owned)
            .unwrap_or_else(|| self.shared.tokens.next_token());
        p.add("ClientToken", token);
        if let Some(key) = request.key_pair_name() {
            p.add("KeyName", key);
        }
        if let Some(zone) = request.location_id() {
            p.add("Placement.AvailabilityZone", zone);
        }
        if let Some(data) = request.user_data_value() {
            p.add(
                "UserData",
                base64::engine::general_purpose::STANDARD.encode(data),
            );
        }
        let (ids, names): (Vec<&String>, Vec<&String>) = request
            .security_groups()
            .iter()
            .partition(|g| g.starts_with("sg-"));
        p.list("SecurityGroupId", ids.into_iter().cloned());
        p.list("SecurityGroup", names.into_iter().cloned());
        let subnet = request
            .options()
            .get("subnet_id")
            .or_else(|| request.networks().first());
        if let Some(subnet) = subnet {
            p.add("SubnetId", subnet.as_str());
        }
        if let Some(ip) = request.options().get("private_ip") {
            p.add("PrivateIpAddress", ip.as_str());
        }
        if let Some(profile) = request.options().get("iam_instance_profile") {
            p.add("IamInstanceProfile.Name", profile.as_str());
        }
        if let Some(v) = request.options().get("ebs_optimized") {
            p.add("EbsOptimized", v.as_str());
        }
        let mut tags: Vec<(&str, &str)> = vec![("Name", request.name())];
        tags.extend(request.tags().iter().map(|(k, v)| (k.as_str(), v.as_str())));
        tag_spec(&mut p, 1, "instance", &tags);
        // The ClientToken makes a repeated RunInstances return the same instance.
        let body = self.query.call("RunInstances", &p, true, None).await?;
        let mut nodes = parse::run_instances(&body)?;
        if nodes.is_empty() {
            return Err(Error::malformed(
                crate::PROVIDER,
                "EC2 RunInstances started no instance",
            ));
        }
        let mut node = nodes.swap_remove(0);
        node.name = request.name().to_owned();
        Ok(node)
    }

    async fn destroy_node(&self, id: &str) -> Result<()> {
        self.instance_action("TerminateInstances", id).await
    }

    async fn reboot_node(&self, id: &str) -> Result<()> {
        self.instance_action("RebootInstances", id).await
    }

    async fn start_node(&self, id: &str) -> Result<()> {
        self.instance_action("StartInstances", id).await
    }

    async fn stop_node(&self, id: &str) -> Result<()> {
        self.instance_action("StopInstances", id).await
    }

    async fn list_sizes(&self) -> Result<Vec<NodeSize>> {
        let mut sizes = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut p = Params::new();
            p.add("MaxResults", "100");
            if let Some(t) = &token {
                p.add("NextToken", t.as_str());
            }
            let page = parse::describe_instance_types(
                &self.read("DescribeInstanceTypes", &p, None).await?,
            )?;
            sizes.extend(page.items);
            match page.next {
                Some(next) if Some(&next) != token.as_ref() => token = Some(next),
                _ => break,
            }
        }
        for size in &mut sizes {
            size.price_per_hour = prices::hourly(&self.shared.region, &size.id);
        }
        sizes.sort_by(|a, b| (a.vcpus, a.ram_mib, &a.id).cmp(&(b.vcpus, b.ram_mib, &b.id)));
        Ok(sizes)
    }

    async fn list_images(&self, page: PageRequest) -> Result<Page<NodeImage>> {
        let mut p = Params::new();
        p.list("Owner", self.shared.image_owners.iter().cloned());
        if let Some(token) = page.token {
            p.add("NextToken", token);
        }
        p.add("MaxResults", page_size(page.size, 5, 1000));
        parse::describe_images(&self.read("DescribeImages", &p, None).await?)
    }

    async fn get_image(&self, id: &str) -> Result<NodeImage> {
        let mut p = Params::new();
        p.add("ImageId.1", id);
        let page = parse::describe_images(
            &self
                .read("DescribeImages", &p, Some((ResourceKind::Image, id)))
                .await?,
        )?;
        page.items
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| Error::not_found(ResourceKind::Image, id).with_provider(crate::PROVIDER))
    }

    async fn list_locations(&self) -> Result<Vec<NodeLocation>> {
        parse::describe_availability_zones(
            &self
                .read("DescribeAvailabilityZones", &Params::new(), None)
                .await?,
        )
    }

    async fn list_volumes(&self, page: PageRequest) -> Result<Page<StorageVolume>> {
        let mut p = Params::new();
        if let Some(token) = page.token {
            p.add("NextToken", token);
        }
        p.add("MaxResults", page_size(page.size, 5, 500));
        parse::describe_volumes(&self.read("DescribeVolumes", &p, None).await?)
    }

    async fn create_volume(&self, request: &CreateVolume) -> Result<StorageVolume> {
        let zone = match &request.location {
            Some(z) => z.clone(),
            None => self.first_zone().await?,
        };
        let mut p = Params::new();
        p.add("AvailabilityZone", zone);
        if request.size_gb > 0 {
            p.add("Size", request.size_gb.to_string());
        }
        if let Some(snapshot) = &request.snapshot {
            p.add("SnapshotId", snapshot.as_str());
        }
        p.add("ClientToken", self.shared.tokens.next_token());
        tag_spec(&mut p, 1, "volume", &[("Name", request.name.as_str())]);
        let mut volume =
            parse::create_volume(&self.query.call("CreateVolume", &p, true, None).await?)?;
        volume.name = request.name.clone();
        Ok(volume)
    }

    async fn attach_volume(&self, volume: &str, node: &str, device: Option<&str>) -> Result<()> {
        let mut p = Params::new();
        p.add("VolumeId", volume)
            .add("InstanceId", node)
            .add("Device", device.unwrap_or("/dev/sdf"));
        self.write("AttachVolume", &p, Some((ResourceKind::Volume, volume)))
            .await?;
        Ok(())
    }

    async fn detach_volume(&self, volume: &str) -> Result<()> {
        // Name the instance and device too: not every EC2 implementation
        // works them out from the volume alone.
        let mut p = Params::new();
        p.add("VolumeId.1", volume);
        let found = parse::describe_volumes(
            &self
                .read("DescribeVolumes", &p, Some((ResourceKind::Volume, volume)))
                .await?,
        )?;
        let current = found
            .items
            .into_iter()
            .find(|v| v.id == volume)
            .ok_or_else(|| {
                Error::not_found(ResourceKind::Volume, volume).with_provider(crate::PROVIDER)
            })?;
        let Some(instance) = current.attached_to else {
            return Err(
                Error::conflict(format!("volume `{volume}` is not attached"))
                    .with_provider(crate::PROVIDER)
                    .with_code("IncorrectState"),
            );
        };
        let mut p = Params::new();
        p.add("VolumeId", volume).add("InstanceId", instance);
        if let Some(device) = current.extra.get("device").and_then(|d| d.as_str()) {
            p.add("Device", device);
        }
        self.write("DetachVolume", &p, Some((ResourceKind::Volume, volume)))
            .await?;
        Ok(())
    }

    async fn destroy_volume(&self, volume: &str) -> Result<()> {
        let mut p = Params::new();
        p.add("VolumeId", volume);
        self.write("DeleteVolume", &p, Some((ResourceKind::Volume, volume)))
            .await?;
        Ok(())
    }

    async fn list_snapshots(&self, page: PageRequest) -> Result<Page<VolumeSnapshot>> {
        let mut p = Params::new();
        p.add("Owner.1", "self");
        if let Some(token) = page.token {
            p.add("NextToken", token);
        }
        p.add("MaxResults", page_size(page.size, 5, 1000));
        parse::describe_snapshots(&self.read("DescribeSnapshots", &p, None).await?)
    }

    async fn create_snapshot(&self, volume: &str, name: Option<&str>) -> Result<VolumeSnapshot> {
        let mut p = Params::new();
        p.add("VolumeId", volume);
        if let Some(name) = name {
            p.add("Description", name);
            tag_spec(&mut p, 1, "snapshot", &[("Name", name)]);
        }
        let mut snapshot = parse::create_snapshot(
            &self
                .write("CreateSnapshot", &p, Some((ResourceKind::Volume, volume)))
                .await?,
        )?;
        if let Some(name) = name {
            snapshot.name = Some(name.to_owned());
        }
        Ok(snapshot)
    }

    async fn destroy_snapshot(&self, id: &str) -> Result<()> {
        let mut p = Params::new();
        p.add("SnapshotId", id);
        self.write("DeleteSnapshot", &p, Some((ResourceKind::Snapshot, id)))
            .await?;
        Ok(())
    }

    async fn list_key_pairs(&self, _page: PageRequest) -> Result<Page<KeyPair>> {
        // DescribeKeyPairs has no pagination: an account holds at most 5,000 keys.
        let keys =
            parse::describe_key_pairs(&self.read("DescribeKeyPairs", &Params::new(), None).await?)?;
        Ok(Page::last(keys))
    }

    async fn get_key_pair(&self, name: &str) -> Result<KeyPair> {
        let mut p = Params::new();
        p.add("KeyName.1", name);
        let keys = parse::describe_key_pairs(
            &self
                .read("DescribeKeyPairs", &p, Some((ResourceKind::KeyPair, name)))
                .await?,
        )?;
        keys.into_iter().find(|k| k.name == name).ok_or_else(|| {
            Error::not_found(ResourceKind::KeyPair, name).with_provider(crate::PROVIDER)
        })
    }

    async fn create_key_pair(&self, name: &str) -> Result<KeyPair> {
        let mut p = Params::new();
        p.add("KeyName", name);
        parse::key_pair_result(
            &self
                .write("CreateKeyPair", &p, Some((ResourceKind::KeyPair, name)))
                .await?,
        )
    }

    async fn import_key_pair(&self, name: &str, public_key: &str) -> Result<KeyPair> {
        let mut p = Params::new();
        p.add("KeyName", name).add(
            "PublicKeyMaterial",
            base64::engine::general_purpose::STANDARD.encode(public_key.trim()),
        );
        let mut key = parse::key_pair_result(
            &self
                .write("ImportKeyPair", &p, Some((ResourceKind::KeyPair, name)))
                .await?,
        )?;
        key.public_key = Some(public_key.trim().to_owned());
        Ok(key)
    }

    async fn delete_key_pair(&self, name: &str) -> Result<()> {
        // EC2 answers success for a missing key; look first so callers get NotFound.
        self.get_key_pair(name).await?;
        let mut p = Params::new();
        p.add("KeyName", name);
        self.write("DeleteKeyPair", &p, Some((ResourceKind::KeyPair, name)))
            .await?;
        Ok(())
    }
}
