//! Cloud Load Balancers JSON to the portable load-balancer types.

use std::net::IpAddr;

use cloud_core::{Algorithm, BalancerState, LoadBalancer, Member, Protocol};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::json::{copy_rest, id};

/// Rackspace's balancer status to the portable state (mimic writes
/// `PENDING-UPDATE` where the API says `PENDING_UPDATE`).
pub(crate) fn state(status: &str) -> BalancerState {
    match status.to_ascii_uppercase().replace('-', "_").as_str() {
        "ACTIVE" => BalancerState::Running,
        "BUILD" | "PENDING_UPDATE" => BalancerState::Pending,
        "PENDING_DELETE" | "DELETED" => BalancerState::Deleted,
        "ERROR" | "SUSPENDED" => BalancerState::Error,
        _ => BalancerState::Unknown,
    }
}

/// The API's algorithm names.
pub(crate) const ALGORITHMS: &[(Algorithm, &str)] = &[
    (Algorithm::RoundRobin, "ROUND_ROBIN"),
    (Algorithm::Random, "RANDOM"),
    (Algorithm::LeastConnections, "LEAST_CONNECTIONS"),
    (Algorithm::WeightedRoundRobin, "WEIGHTED_ROUND_ROBIN"),
    (
        Algorithm::WeightedLeastConnections,
        "WEIGHTED_LEAST_CONNECTIONS",
    ),
];

pub(crate) fn algorithm(name: &str) -> Option<Algorithm> {
    ALGORITHMS
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|(a, _)| *a)
}

pub(crate) fn algorithm_name(algorithm: Algorithm) -> Option<&'static str> {
    ALGORITHMS
        .iter()
        .find(|(a, _)| *a == algorithm)
        .map(|(_, n)| *n)
}

/// A balancer (`GET /loadbalancers[/{id}]`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireBalancer {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default, rename = "virtualIps")]
    virtual_ips: Option<Vec<WireVip>>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A virtual IP of a balancer (kept whole in `extra.virtualIps`).
#[derive(Debug, Deserialize, Serialize)]
struct WireVip {
    address: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A node (member) of a balancer.
#[derive(Debug, Deserialize)]
pub(crate) struct WireNode {
    #[serde(deserialize_with = "id")]
    id: String,
    address: IpAddr,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    weight: Option<u32>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// An entry of the protocol or algorithm catalogue: `{"name", ...}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Named {
    pub(crate) name: String,
}

impl WireBalancer {
    /// The portable balancer: its address the first public IPv4, else the
    /// first public IPv6, else the first private IPv4.
    pub(crate) fn balancer(self) -> LoadBalancer {
        let status = self.status.unwrap_or_default();
        let mut lb = LoadBalancer::new(
            self.id,
            self.name.unwrap_or_default(),
            state(&status),
            self.port.unwrap_or(0),
        );
        let listed = self.virtual_ips.is_some();
        let vips = self.virtual_ips.unwrap_or_default();
        let address = |want_public: bool, v4: bool| {
            vips.iter()
                .filter(|v| {
                    v.kind
                        .as_deref()
                        .is_some_and(|t| t.eq_ignore_ascii_case("PUBLIC"))
                        == want_public
                })
                .filter_map(|v| v.address.parse::<IpAddr>().ok())
                .find(|ip| ip.is_ipv4() == v4)
        };
        lb.ip = address(true, true)
            .or_else(|| address(true, false))
            .or_else(|| address(false, true));
        lb.protocol = self.protocol.as_deref().map(Protocol::new);
        lb.algorithm = self.algorithm.as_deref().and_then(algorithm);
        lb.extra.insert("status".into(), Value::String(status));
        if listed && let Ok(vips) = serde_json::to_value(&vips) {
            lb.extra.insert("virtualIps".into(), vips);
        }
        copy_rest(
            &mut lb.extra,
            &self.rest,
            &[
                "nodeCount",
                "created",
                "updated",
                "timeout",
                "halfClosed",
                "sourceAddresses",
            ],
        );
        lb
    }
}

impl WireNode {
    /// The portable member.
    pub(crate) fn member(self) -> Member {
        let mut member = Member::ip(self.address, self.port.unwrap_or(0)).with_id(self.id);
        member.weight = self.weight;
        copy_rest(
            &mut member.extra,
            &self.rest,
            &["condition", "status", "type"],
        );
        member
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(state("PENDING-UPDATE"), BalancerState::Pending);
        assert_eq!(state("ACTIVE"), BalancerState::Running);
        assert_eq!(
            algorithm("least_connections"),
            Some(Algorithm::LeastConnections)
        );
        assert_eq!(algorithm_name(Algorithm::SourceIp), None);
    }

    #[test]
    fn balancers_read_from_their_wire_type() {
        let balancer: WireBalancer = cloud_core::http::json::decode(
            "rackspace",
            "load balancer",
            "a balancer",
            serde_json::json!({
                "id": 71, "name": "web", "status": "ACTIVE", "port": 80, "protocol": "HTTP",
                "algorithm": "RANDOM", "nodeCount": 0,
                "virtualIps": [{"id": 1, "address": "10.0.0.2", "type": "SERVICENET", "ipVersion": "IPV4"},
                               {"id": 2, "address": "203.0.113.7", "type": "PUBLIC", "ipVersion": "IPV4"}]
            }),
        )
        .unwrap();
        let lb = balancer.balancer();
        assert_eq!(lb.id, "71");
        assert_eq!(lb.ip, Some("203.0.113.7".parse().unwrap()));
        assert_eq!(lb.algorithm, Some(Algorithm::Random));
        assert_eq!(lb.extra["virtualIps"][1]["ipVersion"], "IPV4");
        let err = cloud_core::http::json::decode::<WireNode, _>(
            "rackspace",
            "load balancer",
            "a node",
            serde_json::json!({"id": 1, "address": "10.0.0.9", "port": "eighty"}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("at `port`"), "{err}");
    }
}
