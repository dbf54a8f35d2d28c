//! Classic Elastic Load Balancing as a [`LoadBalancerDriver`].
//!
//! Classic load balancers (the API of the original Libcloud driver) are the
//! default: a balancer is named by its name, members are EC2 instances, and
//! traffic is spread round-robin. Application Load Balancers (target groups
//! of IP addresses, listener rules) are not covered yet.

// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;

use std::sync::Arc;

use async_trait::async_trait;
use cloud_core::Driver;
use cloud_core::{
    Algorithm, Api, Capabilities, Capability, CreateBalancer, Error, LoadBalancer,
    LoadBalancerDriver, Member, Page, PageRequest, Protocol, ResourceKind, Result,
};

use crate::config::Shared;
use crate::error::Service;
use crate::query::{Params, QueryClient};

/// Classic ELB cannot rename a balancer or change its algorithm.
pub(crate) const CAPABILITIES: Capabilities =
    Capabilities::all(Api::LoadBalancer).without(Capability::UpdateBalancer);

const VERSION: &str = "2012-06-01";
const PROTOCOLS: [Protocol; 4] = [
    Protocol::HTTP,
    Protocol::HTTPS,
    Protocol::TCP,
    Protocol::SSL,
];

/// Options `create_balancer` understands.
pub const CREATE_BALANCER_OPTIONS: &[&str] = &[
    "ssl_certificate_id",
    "instance_protocol",
    "scheme",
    "subnets",
    "security_groups",
];

/// The classic ELB driver.
#[derive(Debug, Clone)]
pub struct ElbLoadBalancers {
    shared: Arc<Shared>,
    query: QueryClient,
    ec2: QueryClient,
}

fn check_name(name: &str) -> Result<()> {
    let ok = (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "ELB name `{name}` must be 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen"
        )))
    }
}

fn node_of(member: &Member) -> Result<&str> {
    member.node_id.as_deref().ok_or_else(|| {
        Error::invalid_input(
            "classic ELB balances EC2 instances: give members a node id (Member::node)",
        )
    })
}

impl ElbLoadBalancers {
    pub(crate) fn new(shared: Arc<Shared>) -> Result<Self> {
        let url = shared.endpoint(Service::Elb, &shared.region)?;
        let http = shared.http(Service::Elb, &shared.region)?;
        let ec2_url = shared.endpoint(Service::Ec2, &shared.region)?;
        let ec2_http = shared.http(Service::Ec2, &shared.region)?;
        Ok(ElbLoadBalancers {
            query: QueryClient::new(http, url, VERSION, Service::Elb),
            ec2: QueryClient::new(ec2_http, ec2_url, "2016-11-15", Service::Ec2),
            shared,
        })
    }

    async fn describe(&self, name: &str) -> Result<parse::Described> {
        check_name(name)?;
        let mut p = Params::new();
        p.add("LoadBalancerNames.member.1", name);
        let body = self
            .query
            .call(
                "DescribeLoadBalancers",
                &p,
                true,
                Some((ResourceKind::Balancer, name)),
            )
            .await?;
        parse::describe_load_balancers(&body)?
            .items
            .into_iter()
            .find(|(lb, _)| lb.id == name)
            .ok_or_else(|| {
                Error::not_found(ResourceKind::Balancer, name).with_provider(crate::PROVIDER)
            })
    }

    async fn zones(&self) -> Result<Vec<String>> {
        if !self.shared.balancer_zones.is_empty() {
            return Ok(self.shared.balancer_zones.clone());
        }
        let body = self
            .ec2
            .call("DescribeAvailabilityZones", &Params::new(), true, None)
            .await?;
        let zones = parse::availability_zone_names(&body)?;
        zones.into_iter().next().map(|z| vec![z]).ok_or_else(|| {
            Error::malformed(
                crate::PROVIDER,
                "EC2 lists no availability zone for the balancer",
            )
        })
    }

    async fn register(&self, name: &str, nodes: &[&str], action: &str) -> Result<()> {
        let mut p = Params::new();
        p.add("LoadBalancerName", name);
        for (i, id) in nodes.iter().enumerate() {
            p.add(format!("Instances.member.{}.InstanceId", i + 1), *id);
        }
        self.query
            .call(action, &p, true, Some((ResourceKind::Balancer, name)))
            .await?;
        Ok(())
    }

    /// Health of each member instance: `InService`, `OutOfService`... (an extra).
    pub async fn ex_member_health(&self, balancer: &str) -> Result<Vec<(String, String)>> {
        check_name(balancer)?;
        let mut p = Params::new();
        p.add("LoadBalancerName", balancer);
        let body = self
            .query
            .call(
                "DescribeInstanceHealth",
                &p,
                true,
                Some((ResourceKind::Balancer, balancer)),
            )
            .await?;
        parse::instance_health(&body)
    }

    /// Adds a listener: `protocol` on `port`, forwarding to `instance_port` (an extra).
    pub async fn ex_create_listener(
        &self,
        balancer: &str,
        protocol: &Protocol,
        port: u16,
        instance_port: u16,
    ) -> Result<()> {
        check_name(balancer)?;
        let mut p = Params::new();
        p.add("LoadBalancerName", balancer)
            .add(
                "Listeners.member.1.Protocol",
                protocol.as_str().to_ascii_uppercase(),
            )
            .add("Listeners.member.1.LoadBalancerPort", port.to_string())
            .add("Listeners.member.1.InstancePort", instance_port.to_string());
        self.query
            .call(
                "CreateLoadBalancerListeners",
                &p,
                false,
                Some((ResourceKind::Balancer, balancer)),
            )
            .await?;
        Ok(())
    }

    /// Removes the listener on `port` (an extra).
    pub async fn ex_delete_listener(&self, balancer: &str, port: u16) -> Result<()> {
        check_name(balancer)?;
        let mut p = Params::new();
        p.add("LoadBalancerName", balancer)
            .add("LoadBalancerPorts.member.1", port.to_string());
        self.query
            .call(
                "DeleteLoadBalancerListeners",
                &p,
                true,
                Some((ResourceKind::Balancer, balancer)),
            )
            .await?;
        Ok(())
    }
}

impl Driver for ElbLoadBalancers {
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
impl LoadBalancerDriver for ElbLoadBalancers {
    async fn list_protocols(&self) -> Result<Vec<Protocol>> {
        Ok(PROTOCOLS.to_vec())
    }

    async fn list_supported_algorithms(&self) -> Result<Vec<Algorithm>> {
        Ok(vec![Algorithm::RoundRobin])
    }

    async fn list_balancers(&self, page: PageRequest) -> Result<Page<LoadBalancer>> {
        let mut p = Params::new();
        if let Some(marker) = page.token {
            p.add("Marker", marker);
        }
        // The largest page unless asked: never one unpaginated call.
        p.add(
            "PageSize",
            page.size.unwrap_or(400).clamp(1, 400).to_string(),
        );
        let body = self
            .query
            .call("DescribeLoadBalancers", &p, true, None)
            .await?;
        let page = parse::describe_load_balancers(&body)?;
        Ok(Page::new(
            page.items.into_iter().map(|(lb, _)| lb).collect(),
            page.next,
        ))
    }

    async fn get_balancer(&self, id: &str) -> Result<LoadBalancer> {
        Ok(self.describe(id).await?.0)
    }

    async fn create_balancer(&self, request: &CreateBalancer) -> Result<LoadBalancer> {
        check_name(&request.name)?;
        if let Some(unknown) = request
            .options
            .keys()
            .find(|k| !CREATE_BALANCER_OPTIONS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for classic ELB (known: {})",
                CREATE_BALANCER_OPTIONS.join(", ")
            )));
        }
        if request.algorithm != Algorithm::RoundRobin {
            return Err(Error::invalid_input(format!(
                "classic ELB only balances round-robin, not {}",
                request.algorithm
            )));
        }
        if !PROTOCOLS.contains(&request.protocol) {
            return Err(Error::invalid_input(format!(
                "classic ELB does not listen with {}",
                request.protocol
            )));
        }
        let nodes = request
            .members
            .iter()
            .map(node_of)
            .collect::<Result<Vec<_>>>()?;
        let instance_port = request
            .members
            .iter()
            .find_map(|m| m.port)
            .unwrap_or(request.port);
        let protocol = request.protocol.as_str().to_ascii_uppercase();
        let mut p = Params::new();
        p.add("LoadBalancerName", request.name.as_str())
            .add("Listeners.member.1.Protocol", protocol.as_str())
            .add(
                "Listeners.member.1.LoadBalancerPort",
                request.port.to_string(),
            )
            .add("Listeners.member.1.InstancePort", instance_port.to_string());
        let instance_protocol = request
            .options
            .get("instance_protocol")
            .cloned()
            .unwrap_or_else(|| match protocol.as_str() {
                "HTTPS" => "HTTP".to_owned(),
                "SSL" => "TCP".to_owned(),
                other => other.to_owned(),
            });
        p.add("Listeners.member.1.InstanceProtocol", instance_protocol);
        if let Some(cert) = request.options.get("ssl_certificate_id") {
            p.add("Listeners.member.1.SSLCertificateId", cert.as_str());
        }
        if let Some(scheme) = request.options.get("scheme") {
            p.add("Scheme", scheme.as_str());
        }
        match request.options.get("subnets") {
            Some(subnets) => {
                p.list("Subnets.member", subnets.split(',').map(str::trim));
            }
            None => {
                p.list("AvailabilityZones.member", self.zones().await?);
            }
        }
        if let Some(groups) = request.options.get("security_groups") {
            p.list("SecurityGroups.member", groups.split(',').map(str::trim));
        }
        self.query
            .call(
                "CreateLoadBalancer",
                &p,
                false,
                Some((ResourceKind::Balancer, &request.name)),
            )
            .await?;
        if !nodes.is_empty()
            && let Err(e) = self
                .register(&request.name, &nodes, "RegisterInstancesWithLoadBalancer")
                .await
        {
            // Do not leave a half-made balancer behind.
            let _ = self.destroy_balancer(&request.name).await;
            return Err(e);
        }
        self.get_balancer(&request.name).await
    }

    async fn destroy_balancer(&self, id: &str) -> Result<()> {
        // DeleteLoadBalancer succeeds for a missing name; look first so callers get NotFound.
        self.describe(id).await?;
        let mut p = Params::new();
        p.add("LoadBalancerName", id);
        self.query
            .call(
                "DeleteLoadBalancer",
                &p,
                true,
                Some((ResourceKind::Balancer, id)),
            )
            .await?;
        Ok(())
    }

    async fn list_members(&self, balancer: &str) -> Result<Vec<Member>> {
        Ok(self.describe(balancer).await?.1)
    }

    async fn attach_member(&self, balancer: &str, member: &Member) -> Result<Member> {
        check_name(balancer)?;
        let node = node_of(member)?;
        self.register(balancer, &[node], "RegisterInstancesWithLoadBalancer")
            .await?;
        let mut added = member.clone().with_id(node);
        added.ip = None;
        Ok(added)
    }

    async fn detach_member(&self, balancer: &str, member_id: &str) -> Result<()> {
        let (_, members) = self.describe(balancer).await?;
        if !members.iter().any(|m| m.id == member_id) {
            return Err(
                Error::not_found(ResourceKind::Member, member_id).with_provider(crate::PROVIDER)
            );
        }
        self.register(
            balancer,
            &[member_id],
            "DeregisterInstancesFromLoadBalancer",
        )
        .await
    }
}
