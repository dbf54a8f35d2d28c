//! Classic Elastic Load Balancing responses to portable types.

use cloud_core::time::parse_rfc3339;
use cloud_core::{Algorithm, BalancerState, LoadBalancer, Member, Page, Protocol, Result};

use crate::xml::{self, child, child_text, list_items, required};

const SERVICE: &str = "ELB";

/// One `LoadBalancerDescriptions/member`, and the ids of its instances.
fn balancer(item: roxmltree::Node<'_, '_>) -> Result<(LoadBalancer, Vec<String>, Option<u16>)> {
    let name = required(SERVICE, item, "LoadBalancerName")?;
    let listeners = list_items(item, "ListenerDescriptions", "member");
    let first = listeners.first().and_then(|l| child(*l, "Listener"));
    let port = match first {
        Some(l) => xml::required_parse::<u16>(SERVICE, l, "LoadBalancerPort")?,
        None => 0,
    };
    let instance_port = match first {
        Some(l) => xml::optional_parse::<u16>(SERVICE, l, "InstancePort")?,
        None => None,
    };
    let mut lb = LoadBalancer::new(name, name, BalancerState::Running, port);
    lb.protocol = first
        .and_then(|l| child_text(l, "Protocol"))
        .map(Protocol::new);
    lb.algorithm = Some(Algorithm::RoundRobin);
    for (field, key) in [
        ("DNSName", "dns_name"),
        ("Scheme", "scheme"),
        ("VPCId", "vpc_id"),
        ("CanonicalHostedZoneNameID", "hosted_zone_id"),
    ] {
        if let Some(v) = child_text(item, field).filter(|v| !v.is_empty()) {
            lb.extra.insert(key.into(), v.into());
        }
    }
    if let Some(t) = child_text(item, "CreatedTime").and_then(parse_rfc3339) {
        lb.extra.insert(
            "created_at".into(),
            cloud_core::time::format_rfc3339(t).into(),
        );
    }
    let zones: Vec<serde_json::Value> = list_items(item, "AvailabilityZones", "member")
        .into_iter()
        .filter_map(|z| xml::text(z).map(|t| t.into()))
        .collect();
    lb.extra.insert("availability_zones".into(), zones.into());
    let listeners_json: Vec<serde_json::Value> = listeners
        .iter()
        .filter_map(|l| child(*l, "Listener"))
        .map(|l| {
            serde_json::json!({
                "protocol": child_text(l, "Protocol"),
                "port": child_text(l, "LoadBalancerPort"),
                "instance_protocol": child_text(l, "InstanceProtocol"),
                "instance_port": child_text(l, "InstancePort"),
            })
        })
        .collect();
    lb.extra.insert("listeners".into(), listeners_json.into());
    let instances = list_items(item, "Instances", "member")
        .into_iter()
        .map(|m| required(SERVICE, m, "InstanceId").map(str::to_owned))
        .collect::<Result<Vec<_>>>()?;
    Ok((lb, instances, instance_port))
}

/// A balancer with its members.
pub type Described = (LoadBalancer, Vec<Member>);

/// `DescribeLoadBalancersResponse`.
pub fn describe_load_balancers(body: &str) -> Result<Page<Described>> {
    let doc = xml::document(SERVICE, body, &["DescribeLoadBalancersResponse"])?;
    let root = doc.root_element();
    let result = child(root, "DescribeLoadBalancersResult").unwrap_or(root);
    let mut out = Vec::new();
    for item in list_items(result, "LoadBalancerDescriptions", "member") {
        let (lb, instances, instance_port) = balancer(item)?;
        let members = instances
            .into_iter()
            .map(|id| Member::node(id.clone(), instance_port.or(Some(lb.port))).with_id(id))
            .collect();
        out.push((lb, members));
    }
    let next = child_text(result, "NextMarker")
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    Ok(Page::new(out, next))
}

/// `DescribeInstanceHealthResponse`: instance id to state (`InService`...).
pub fn instance_health(body: &str) -> Result<Vec<(String, String)>> {
    let doc = xml::document(SERVICE, body, &["DescribeInstanceHealthResponse"])?;
    let root = doc.root_element();
    let result = child(root, "DescribeInstanceHealthResult").unwrap_or(root);
    list_items(result, "InstanceStates", "member")
        .into_iter()
        .map(|m| {
            Ok((
                required(SERVICE, m, "InstanceId")?.to_owned(),
                child_text(m, "State").unwrap_or("Unknown").to_owned(),
            ))
        })
        .collect()
}

/// The zone names of EC2's `DescribeAvailabilityZonesResponse`, which
/// ELB needs for a new balancer (read here so ELB builds without EC2).
pub(crate) fn availability_zone_names(body: &str) -> Result<Vec<String>> {
    let doc = xml::document("EC2", body, &["DescribeAvailabilityZonesResponse"])?;
    xml::list_items(doc.root_element(), "availabilityZoneInfo", "item")
        .into_iter()
        .map(|item| xml::required("EC2", item, "zoneName").map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESCRIBE: &str = r#"<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/">
  <DescribeLoadBalancersResult>
    <LoadBalancerDescriptions>
      <member>
        <LoadBalancerName>web</LoadBalancerName>
        <CreatedTime>2024-02-01T10:00:00.000Z</CreatedTime>
        <DNSName>web-1234.us-east-1.elb.amazonaws.com</DNSName>
        <Scheme>internet-facing</Scheme>
        <ListenerDescriptions>
          <member><Listener><Protocol>HTTP</Protocol><LoadBalancerPort>80</LoadBalancerPort><InstanceProtocol>HTTP</InstanceProtocol><InstancePort>8080</InstancePort></Listener><PolicyNames/></member>
        </ListenerDescriptions>
        <Instances><member><InstanceId>i-1</InstanceId></member><member><InstanceId>i-2</InstanceId></member></Instances>
        <AvailabilityZones><member>us-east-1a</member></AvailabilityZones>
      </member>
    </LoadBalancerDescriptions>
    <NextMarker>abc</NextMarker>
  </DescribeLoadBalancersResult>
  <ResponseMetadata><RequestId>83c88b9d-12b7-11e3-8b82-87b12EXAMPLE</RequestId></ResponseMetadata>
</DescribeLoadBalancersResponse>"#;

    #[test]
    fn balancers_with_members() {
        let page = describe_load_balancers(DESCRIBE).unwrap();
        insta::assert_json_snapshot!(page.items);
        assert_eq!(page.next.as_deref(), Some("abc"));
        assert!(describe_load_balancers("<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancerDescriptions><member><DNSName>x</DNSName></member></LoadBalancerDescriptions></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>").is_err());
    }
}
