//! What Compute Engine answers for network load balancing, as serde types:
//! forwarding rules, target pools and their aggregated lists.

use std::net::IpAddr;

use cloud_core::{Algorithm, BalancerState, Extra, LoadBalancer, Protocol};
use serde::Deserialize;

use crate::compute::wire::last_segment;

/// A regional forwarding rule: an address and port range sent to a target.
#[derive(Debug, Deserialize)]
pub(crate) struct ForwardingRule {
    pub(crate) name: String,
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) target: Option<String>,
    #[serde(default, rename = "IPAddress")]
    pub(crate) ip_address: Option<String>,
    #[serde(default, rename = "IPProtocol")]
    pub(crate) ip_protocol: Option<String>,
    #[serde(default, rename = "portRange")]
    pub(crate) port_range: Option<String>,
    #[serde(default, rename = "loadBalancingScheme")]
    pub(crate) scheme: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// A target pool: instances and the health checks that judge them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TargetPool {
    pub(crate) name: String,
    pub(crate) self_link: String,
    #[serde(default)]
    pub(crate) instances: Vec<String>,
    #[serde(default)]
    pub(crate) health_checks: Vec<String>,
    #[serde(default)]
    pub(crate) session_affinity: Option<String>,
}

/// A session affinity as the portable algorithm: without affinity a
/// target pool spreads connections by a hash of the 5-tuple (`random`),
/// with `CLIENT_IP` by the client's address (`source_ip`).
pub(crate) fn algorithm(affinity: Option<&str>) -> Option<Algorithm> {
    match affinity.unwrap_or("NONE") {
        "NONE" => Some(Algorithm::Random),
        "CLIENT_IP" | "CLIENT_IP_PROTO" => Some(Algorithm::SourceIp),
        _ => None,
    }
}

impl ForwardingRule {
    /// Whether it sends to a target pool (network load balancing), not a
    /// proxy or backend service.
    pub(crate) fn targets_pool(&self) -> bool {
        self.target
            .as_deref()
            .is_some_and(|t| t.contains("/targetPools/"))
    }

    /// The portable balancer, its algorithm and HTTP-ness from `pool`:
    /// a pool judged by an HTTP health check balances `http`.
    pub(crate) fn balancer(&self, pool: Option<&TargetPool>) -> LoadBalancer {
        let region = last_segment(&self.region);
        let port = self
            .port_range
            .as_deref()
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let mut balancer = LoadBalancer::new(
            format!("{region}/{}", self.name),
            &self.name,
            BalancerState::Running,
            port,
        );
        balancer.ip = self
            .ip_address
            .as_deref()
            .and_then(|a| a.parse::<IpAddr>().ok());
        let checked = pool.is_some_and(|p| !p.health_checks.is_empty());
        balancer.protocol = match self.ip_protocol.as_deref() {
            Some("TCP") if checked => Some(Protocol::HTTP),
            Some(other) => Some(Protocol::new(other)),
            None => None,
        };
        balancer.algorithm = pool.and_then(|p| algorithm(p.session_affinity.as_deref()));
        let mut extra = Extra::new();
        extra.insert("region".into(), region.into());
        if let Some(range) = &self.port_range {
            extra.insert("port_range".into(), range.clone().into());
        }
        if let Some(scheme) = &self.scheme {
            extra.insert("scheme".into(), scheme.clone().into());
        }
        if let Some(target) = &self.target {
            extra.insert("target_pool".into(), last_segment(target).into());
        }
        if let Some(d) = self.description.as_ref().filter(|d| !d.is_empty()) {
            extra.insert("description".into(), d.clone().into());
        }
        if let Some(pool) = pool {
            let checks: Vec<&str> = pool.health_checks.iter().map(|c| last_segment(c)).collect();
            if !checks.is_empty() {
                extra.insert("health_checks".into(), checks.into());
            }
        }
        balancer.extra = extra;
        balancer
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The forwarding rule and target pool recorded in Apache Libcloud's
    /// fixtures (libcloud/test/compute/fixtures/gce), read field by field.
    #[test]
    fn recorded_answers_read() {
        let rule: ForwardingRule = serde_json::from_value(json!({
            "IPAddress": "173.255.119.224", "IPProtocol": "TCP",
            "creationTimestamp": "2013-09-03T00:17:25.544-07:00", "id": "10901665092293158938",
            "kind": "compute#forwardingRule", "name": "lcforwardingrule",
            "description": "test forwarding rule", "portRange": "8000-8500",
            "region": "https://www.googleapis.com/compute/v1/projects/project_name/regions/us-central1",
            "selfLink": "https://www.googleapis.com/compute/v1/projects/project_name/regions/us-central1/forwardingRules/lcforwardingrule",
            "target": "https://www.googleapis.com/compute/v1/projects/project_name/regions/us-central1/targetPools/lctargetpool"
        }))
        .unwrap();
        let pool: TargetPool = serde_json::from_value(json!({
            "creationTimestamp": "2013-09-03T00:51:05.300-07:00",
            "healthChecks": ["https://www.googleapis.com/compute/v1/projects/project_name/global/httpHealthChecks/libcloud-lb-demo-healthcheck"],
            "id": "13598380121688918358",
            "instances": ["https://www.googleapis.com/compute/v1/projects/project_name/zones/us-central1-b/instances/libcloud-lb-demo-www-000"],
            "kind": "compute#targetPool", "name": "lctargetpool",
            "region": "https://www.googleapis.com/compute/v1/projects/project_name/regions/us-central1",
            "selfLink": "https://www.googleapis.com/compute/v1/projects/project_name/regions/us-central1/targetPools/lctargetpool"
        }))
        .unwrap();
        assert!(rule.targets_pool());
        insta::assert_json_snapshot!(rule.balancer(Some(&pool)));
        let bare = rule.balancer(None);
        assert_eq!(bare.protocol, Some(Protocol::TCP));
        assert_eq!(bare.algorithm, None);
    }
}
