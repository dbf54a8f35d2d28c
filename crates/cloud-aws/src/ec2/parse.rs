//! EC2 Query responses to portable types. Pure functions over XML text.

use std::net::IpAddr;

use cloud_core::time::parse_rfc3339;
use cloud_core::{
    Error, KeyPair, Node, NodeImage, NodeLocation, NodeSize, NodeState, Page, Result, Secret,
    SnapshotState, StorageVolume, VolumeSnapshot, VolumeState,
};
use roxmltree::Node as XmlNode;

use crate::xml::{self, child, child_text, list_items, optional_parse, required};

const SERVICE: &str = "EC2";

/// An EC2 instance state (by name, or by code when the name is missing).
pub fn node_state(name: Option<&str>, code: Option<u32>) -> NodeState {
    match (name, code.map(|c| c & 0xff)) {
        (Some("pending"), _) | (None, Some(0)) => NodeState::Pending,
        (Some("running"), _) | (None, Some(16)) => NodeState::Running,
        // On its way to terminated: it will never run again.
        (Some("shutting-down"), _) | (None, Some(32)) => NodeState::Terminated,
        (Some("terminated"), _) | (None, Some(48)) => NodeState::Terminated,
        (Some("stopping"), _) | (None, Some(64)) => NodeState::Stopping,
        (Some("stopped"), _) | (None, Some(80)) => NodeState::Stopped,
        _ => NodeState::Unknown,
    }
}

fn tags(node: XmlNode<'_, '_>) -> Vec<(String, String)> {
    list_items(node, "tagSet", "item")
        .into_iter()
        .filter_map(|t| {
            Some((
                child_text(t, "key")?.to_owned(),
                child_text(t, "value").unwrap_or("").to_owned(),
            ))
        })
        .collect()
}

fn ip(node: XmlNode<'_, '_>, name: &str) -> Option<IpAddr> {
    child_text(node, name).and_then(|t| t.trim().parse().ok())
}

/// One `instancesSet/item`.
fn instance(item: XmlNode<'_, '_>) -> Result<Node> {
    let id = required(SERVICE, item, "instanceId")?;
    let tags = tags(item);
    let name = tags
        .iter()
        .find(|(k, _)| k == "Name")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| id.to_owned());
    let state_node = child(item, "instanceState");
    let state = node_state(
        state_node.and_then(|s| child_text(s, "name")),
        state_node
            .and_then(|s| child_text(s, "code"))
            .and_then(|c| c.trim().parse().ok()),
    );
    let mut node = Node::new(id, name, state);
    node.public_ips = ip(item, "ipAddress").into_iter().collect();
    node.private_ips = ip(item, "privateIpAddress").into_iter().collect();
    node.size = child_text(item, "instanceType").map(str::to_owned);
    node.image = child_text(item, "imageId").map(str::to_owned);
    node.location = child(item, "placement")
        .and_then(|p| child_text(p, "availabilityZone"))
        .map(str::to_owned);
    node.created_at = child_text(item, "launchTime").and_then(parse_rfc3339);
    for field in [
        "keyName",
        "subnetId",
        "vpcId",
        "dnsName",
        "privateDnsName",
        "architecture",
        "platform",
    ] {
        if let Some(v) = child_text(item, field).filter(|v| !v.is_empty()) {
            node.extra.insert(field.into(), v.into());
        }
    }
    let groups: Vec<serde_json::Value> = list_items(item, "groupSet", "item")
        .into_iter()
        .filter_map(|g| child_text(g, "groupId").map(|s| s.into()))
        .collect();
    if !groups.is_empty() {
        node.extra.insert("security_groups".into(), groups.into());
    }
    for (k, v) in tags {
        node.extra.insert(format!("tag:{k}"), v.into());
    }
    Ok(node)
}

fn next_token(root: XmlNode<'_, '_>) -> Option<String> {
    child_text(root, "nextToken")
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// `DescribeInstancesResponse`.
pub fn describe_instances(body: &str) -> Result<Page<Node>> {
    let doc = xml::document(SERVICE, body, &["DescribeInstancesResponse"])?;
    let root = doc.root_element();
    let mut nodes = Vec::new();
    for reservation in list_items(root, "reservationSet", "item") {
        for item in list_items(reservation, "instancesSet", "item") {
            nodes.push(instance(item)?);
        }
    }
    Ok(Page::new(nodes, next_token(root)))
}

/// `RunInstancesResponse`: the instances started.
pub fn run_instances(body: &str) -> Result<Vec<Node>> {
    let doc = xml::document(SERVICE, body, &["RunInstancesResponse"])?;
    list_items(doc.root_element(), "instancesSet", "item")
        .into_iter()
        .map(instance)
        .collect()
}

/// `DescribeInstanceTypesResponse`.
pub fn describe_instance_types(body: &str) -> Result<Page<NodeSize>> {
    let doc = xml::document(SERVICE, body, &["DescribeInstanceTypesResponse"])?;
    let root = doc.root_element();
    let mut sizes = Vec::new();
    for item in list_items(root, "instanceTypeSet", "item") {
        let id = required(SERVICE, item, "instanceType")?;
        let ram = child(item, "memoryInfo")
            .map(|m| xml::required_parse::<u64>(SERVICE, m, "sizeInMiB"))
            .transpose()?
            .unwrap_or(0);
        let disk = child(item, "instanceStorageInfo")
            .map(|s| optional_parse::<u64>(SERVICE, s, "totalSizeInGB"))
            .transpose()?
            .flatten()
            .unwrap_or(0);
        let mut size = NodeSize::new(id, id, ram, disk);
        size.vcpus = child(item, "vCpuInfo")
            .map(|v| optional_parse::<u32>(SERVICE, v, "defaultVCpus"))
            .transpose()?
            .flatten();
        for field in ["currentGeneration", "hypervisor", "freeTierEligible"] {
            if let Some(v) = child_text(item, field) {
                size.extra.insert(field.into(), v.into());
            }
        }
        if let Some(net) =
            child(item, "networkInfo").and_then(|n| child_text(n, "networkPerformance"))
        {
            size.extra.insert("network_performance".into(), net.into());
        }
        sizes.push(size);
    }
    Ok(Page::new(sizes, next_token(root)))
}

/// `DescribeImagesResponse`.
pub fn describe_images(body: &str) -> Result<Page<NodeImage>> {
    let doc = xml::document(SERVICE, body, &["DescribeImagesResponse"])?;
    let root = doc.root_element();
    let mut images = Vec::new();
    for item in list_items(root, "imagesSet", "item") {
        let id = required(SERVICE, item, "imageId")?;
        let name = child_text(item, "name")
            .filter(|n| !n.is_empty())
            .unwrap_or(id);
        let mut image = NodeImage::new(id, name);
        for field in [
            "imageLocation",
            "imageState",
            "imageOwnerId",
            "isPublic",
            "architecture",
            "imageType",
            "description",
            "rootDeviceType",
            "platform",
            "creationDate",
        ] {
            if let Some(v) = child_text(item, field).filter(|v| !v.is_empty()) {
                image.extra.insert(field.into(), v.into());
            }
        }
        images.push(image);
    }
    Ok(Page::new(images, next_token(root)))
}

/// The ISO 3166 country of an AWS region, where it is unambiguous.
pub fn region_country(region: &str) -> Option<&'static str> {
    let table: &[(&str, &str)] = &[
        ("us-gov-", "US"),
        ("us-", "US"),
        ("ca-", "CA"),
        ("mx-", "MX"),
        ("sa-east-1", "BR"),
        ("eu-west-1", "IE"),
        ("eu-west-2", "GB"),
        ("eu-west-3", "FR"),
        ("eu-central-1", "DE"),
        ("eu-central-2", "CH"),
        ("eu-north-1", "SE"),
        ("eu-south-1", "IT"),
        ("eu-south-2", "ES"),
        ("ap-northeast-1", "JP"),
        ("ap-northeast-3", "JP"),
        ("ap-northeast-2", "KR"),
        ("ap-southeast-1", "SG"),
        ("ap-southeast-2", "AU"),
        ("ap-southeast-3", "ID"),
        ("ap-southeast-4", "AU"),
        ("ap-southeast-5", "MY"),
        ("ap-south-1", "IN"),
        ("ap-south-2", "IN"),
        ("ap-east-1", "HK"),
        ("me-south-1", "BH"),
        ("me-central-1", "AE"),
        ("il-central-1", "IL"),
        ("af-south-1", "ZA"),
        ("cn-", "CN"),
    ];
    table
        .iter()
        .find(|(p, _)| region.starts_with(p))
        .map(|(_, c)| *c)
}

/// `DescribeAvailabilityZonesResponse`.
pub fn describe_availability_zones(body: &str) -> Result<Vec<NodeLocation>> {
    let doc = xml::document(SERVICE, body, &["DescribeAvailabilityZonesResponse"])?;
    list_items(doc.root_element(), "availabilityZoneInfo", "item")
        .into_iter()
        .map(|item| {
            let zone = required(SERVICE, item, "zoneName")?;
            let region = child_text(item, "regionName").unwrap_or("");
            let mut location = NodeLocation::new(zone, zone, region_country(region));
            for field in ["zoneState", "regionName", "zoneId", "zoneType"] {
                if let Some(v) = child_text(item, field) {
                    location.extra.insert(field.into(), v.into());
                }
            }
            Ok(location)
        })
        .collect()
}

fn volume_state(status: &str, attachment: Option<&str>) -> VolumeState {
    match (status, attachment) {
        (_, Some("attaching")) => VolumeState::Attaching,
        (_, Some("detaching")) => VolumeState::Detaching,
        ("creating", _) => VolumeState::Creating,
        ("available", _) => VolumeState::Available,
        ("in-use", _) => VolumeState::InUse,
        ("deleting", _) | ("deleted", _) => VolumeState::Deleting,
        ("error", _) => VolumeState::Error,
        _ => VolumeState::Unknown,
    }
}

/// A volume element (a `volumeSet/item`, or the root of `CreateVolumeResponse`).
pub fn volume(item: XmlNode<'_, '_>) -> Result<StorageVolume> {
    let id = required(SERVICE, item, "volumeId")?;
    let size = xml::required_parse::<u64>(SERVICE, item, "size")?;
    let attachment = list_items(item, "attachmentSet", "item").into_iter().next();
    let status = child_text(item, "status").unwrap_or("");
    let state = volume_state(status, attachment.and_then(|a| child_text(a, "status")));
    let name = tags(item)
        .into_iter()
        .find(|(k, _)| k == "Name")
        .map(|(_, v)| v)
        .unwrap_or_else(|| id.to_owned());
    let mut volume = StorageVolume::new(id, name, size, state);
    volume.location = child_text(item, "availabilityZone").map(str::to_owned);
    volume.created_at = child_text(item, "createTime").and_then(parse_rfc3339);
    if let Some(a) = attachment {
        let attached = child_text(a, "status").is_some_and(|s| s == "attached" || s == "attaching");
        if attached {
            volume.attached_to = child_text(a, "instanceId").map(str::to_owned);
        }
        if let Some(device) = child_text(a, "device") {
            volume.extra.insert("device".into(), device.into());
        }
    }
    for field in ["volumeType", "snapshotId", "iops", "encrypted"] {
        if let Some(v) = child_text(item, field).filter(|v| !v.is_empty()) {
            volume.extra.insert(field.into(), v.into());
        }
    }
    Ok(volume)
}

/// `DescribeVolumesResponse`.
pub fn describe_volumes(body: &str) -> Result<Page<StorageVolume>> {
    let doc = xml::document(SERVICE, body, &["DescribeVolumesResponse"])?;
    let root = doc.root_element();
    let volumes = list_items(root, "volumeSet", "item")
        .into_iter()
        .map(volume)
        .collect::<Result<_>>()?;
    Ok(Page::new(volumes, next_token(root)))
}

/// `CreateVolumeResponse`.
pub fn create_volume(body: &str) -> Result<StorageVolume> {
    let doc = xml::document(SERVICE, body, &["CreateVolumeResponse"])?;
    volume(doc.root_element())
}

/// A snapshot element (a `snapshotSet/item`, or the root of `CreateSnapshotResponse`).
pub fn snapshot(item: XmlNode<'_, '_>) -> Result<VolumeSnapshot> {
    let id = required(SERVICE, item, "snapshotId")?;
    let size = optional_parse::<u64>(SERVICE, item, "volumeSize")?.unwrap_or(0);
    let state = match child_text(item, "status").unwrap_or("") {
        "pending" => SnapshotState::Creating,
        "completed" => SnapshotState::Available,
        "error" => SnapshotState::Error,
        _ => SnapshotState::Unknown,
    };
    let mut snapshot = VolumeSnapshot::new(id, size, state);
    snapshot.volume_id = child_text(item, "volumeId").map(str::to_owned);
    snapshot.created_at = child_text(item, "startTime").and_then(parse_rfc3339);
    snapshot.name = tags(item)
        .into_iter()
        .find(|(k, _)| k == "Name")
        .map(|(_, v)| v)
        .or_else(|| {
            child_text(item, "description")
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
        });
    for field in ["progress", "ownerId", "description", "encrypted"] {
        if let Some(v) = child_text(item, field).filter(|v| !v.is_empty()) {
            snapshot.extra.insert(field.into(), v.into());
        }
    }
    Ok(snapshot)
}

/// `DescribeSnapshotsResponse`.
pub fn describe_snapshots(body: &str) -> Result<Page<VolumeSnapshot>> {
    let doc = xml::document(SERVICE, body, &["DescribeSnapshotsResponse"])?;
    let root = doc.root_element();
    let snapshots = list_items(root, "snapshotSet", "item")
        .into_iter()
        .map(snapshot)
        .collect::<Result<_>>()?;
    Ok(Page::new(snapshots, next_token(root)))
}

/// `CreateSnapshotResponse`.
pub fn create_snapshot(body: &str) -> Result<VolumeSnapshot> {
    let doc = xml::document(SERVICE, body, &["CreateSnapshotResponse"])?;
    snapshot(doc.root_element())
}

fn key_pair(item: XmlNode<'_, '_>) -> Result<KeyPair> {
    let mut key = KeyPair::new(required(SERVICE, item, "keyName")?);
    key.fingerprint = child_text(item, "keyFingerprint").map(str::to_owned);
    key.public_key = child_text(item, "publicKey")
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    key.private_key = child_text(item, "keyMaterial")
        .filter(|k| !k.is_empty())
        .map(Secret::new);
    for field in ["keyPairId", "keyType"] {
        if let Some(v) = child_text(item, field) {
            key.extra.insert(field.into(), v.into());
        }
    }
    Ok(key)
}

/// `DescribeKeyPairsResponse`.
pub fn describe_key_pairs(body: &str) -> Result<Vec<KeyPair>> {
    let doc = xml::document(SERVICE, body, &["DescribeKeyPairsResponse"])?;
    list_items(doc.root_element(), "keySet", "item")
        .into_iter()
        .map(key_pair)
        .collect()
}

/// `CreateKeyPairResponse` or `ImportKeyPairResponse`.
pub fn key_pair_result(body: &str) -> Result<KeyPair> {
    let doc = xml::document(
        SERVICE,
        body,
        &["CreateKeyPairResponse", "ImportKeyPairResponse"],
    )?;
    key_pair(doc.root_element())
}

/// A security group (an EC2 extra).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecurityGroup {
    /// `sg-...`.
    pub id: String,
    /// The group name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The VPC it belongs to, if any.
    pub vpc_id: Option<String>,
}

/// `DescribeSecurityGroupsResponse`.
pub fn describe_security_groups(body: &str) -> Result<Vec<SecurityGroup>> {
    let doc = xml::document(SERVICE, body, &["DescribeSecurityGroupsResponse"])?;
    list_items(doc.root_element(), "securityGroupInfo", "item")
        .into_iter()
        .map(|item| {
            Ok(SecurityGroup {
                id: required(SERVICE, item, "groupId")?.to_owned(),
                name: child_text(item, "groupName").unwrap_or("").to_owned(),
                description: child_text(item, "groupDescription")
                    .unwrap_or("")
                    .to_owned(),
                vpc_id: child_text(item, "vpcId")
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
            })
        })
        .collect()
}

/// An elastic IP address (an EC2 extra).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ElasticIp {
    /// The address.
    pub public_ip: IpAddr,
    /// Its allocation id (VPC addresses).
    pub allocation_id: Option<String>,
    /// The instance it is associated with, if any.
    pub instance_id: Option<String>,
    /// The association id, if associated.
    pub association_id: Option<String>,
}

fn elastic_ip(item: XmlNode<'_, '_>) -> Result<ElasticIp> {
    let text = required(SERVICE, item, "publicIp")?;
    let public_ip = text.trim().parse().map_err(|_| {
        Error::malformed(
            crate::PROVIDER,
            format!("EC2 response: `{text}` is not an IP address"),
        )
    })?;
    let opt = |name: &str| {
        child_text(item, name)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    Ok(ElasticIp {
        public_ip,
        allocation_id: opt("allocationId"),
        instance_id: opt("instanceId"),
        association_id: opt("associationId"),
    })
}

/// `DescribeAddressesResponse`.
pub fn describe_addresses(body: &str) -> Result<Vec<ElasticIp>> {
    let doc = xml::document(SERVICE, body, &["DescribeAddressesResponse"])?;
    list_items(doc.root_element(), "addressesSet", "item")
        .into_iter()
        .map(elastic_ip)
        .collect()
}

/// `AllocateAddressResponse`.
pub fn allocate_address(body: &str) -> Result<ElasticIp> {
    let doc = xml::document(SERVICE, body, &["AllocateAddressResponse"])?;
    elastic_ip(doc.root_element())
}

/// A single text field of a response root (`groupId`, `associationId`...).
pub fn field(body: &str, name: &str) -> Result<String> {
    let doc = xml::document(SERVICE, body, &["*Response"])?;
    xml::descendant(doc.root_element(), name)
        .and_then(xml::text)
        .map(str::to_owned)
        .ok_or_else(|| Error::malformed(crate::PROVIDER, format!("EC2 response has no <{name}>")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTANCES: &str = r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <dnsName>ec2-54-194-252-215.eu-west-1.compute.amazonaws.com</dnsName>
          <keyName>my_keypair</keyName>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <placement><availabilityZone>eu-west-1c</availabilityZone></placement>
          <subnetId>subnet-56f5f633</subnetId>
          <vpcId>vpc-11112222</vpcId>
          <privateIpAddress>192.168.1.88</privateIpAddress>
          <ipAddress>54.194.252.215</ipAddress>
          <groupSet><item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item></groupSet>
          <tagSet><item><key>Name</key><value>web-1</value></item><item><key>role</key><value>web</value></item></tagSet>
        </item>
        <item>
          <instanceId>i-0000000000000dead</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>48</code></instanceState>
          <instanceType>t2.micro</instanceType>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>eyJ2IjoiMiIsImMiOiJ</nextToken>
</DescribeInstancesResponse>"#;

    #[test]
    fn instances() {
        let page = describe_instances(INSTANCES).unwrap();
        insta::assert_json_snapshot!(page.items);
        assert_eq!(page.next.as_deref(), Some("eyJ2IjoiMiIsImMiOiJ"));
    }

    #[test]
    fn states_by_name_and_code() {
        assert_eq!(
            node_state(Some("shutting-down"), None),
            NodeState::Terminated
        );
        assert_eq!(node_state(None, Some(256 + 80)), NodeState::Stopped);
        assert_eq!(node_state(Some("weird"), None), NodeState::Unknown);
    }

    #[test]
    fn truncated_or_wrong_documents_are_errors_not_panics() {
        assert!(describe_instances("<DescribeInstancesResponse><reservationSet><item><instancesSet><item><imageId>x</imageId></item></instancesSet></item></reservationSet></DescribeInstancesResponse>").is_err());
        assert!(describe_instances(&INSTANCES[..INSTANCES.len() / 2]).is_err());
        assert!(describe_instance_types("<r><instanceTypeSet><item><instanceType>x</instanceType><memoryInfo><sizeInMiB>lots</sizeInMiB></memoryInfo></item></instanceTypeSet></r>").is_err());
        assert!(
            create_volume("<CreateVolumeResponse><volumeId>v</volumeId></CreateVolumeResponse>")
                .is_err()
        );
    }
}
