//! Cloud Load Balancers JSON to the portable load-balancer types.

use std::net::IpAddr;

use cloud_core::{Algorithm, BalancerState, LoadBalancer, Member, Protocol, Result};
use serde_json::Value;

use crate::json::text;
use crate::service::Service;

/// The id of an entry (numbers at Rackspace), as text.
pub(crate) fn id(value: &Value) -> Option<String> {
    match value.get("id")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

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

/// A balancer from `GET /loadbalancers[/{id}]`.
pub(crate) fn balancer(service: &Service, value: &Value) -> Result<LoadBalancer> {
    let id = id(value).ok_or_else(|| service.malformed("a load balancer without an id"))?;
    let status = text(value, "/status").unwrap_or_default();
    let port = value
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(0);
    let mut lb = LoadBalancer::new(
        id,
        text(value, "/name").unwrap_or_default(),
        state(&status),
        port,
    );
    let vips = value.get("virtualIps").and_then(Value::as_array);
    let address = |want_public: bool, v4: bool| {
        vips.into_iter()
            .flatten()
            .filter(|v| {
                text(v, "/type").is_some_and(|t| t.eq_ignore_ascii_case("PUBLIC")) == want_public
            })
            .filter_map(|v| text(v, "/address")?.parse::<IpAddr>().ok())
            .find(|ip| ip.is_ipv4() == v4)
    };
    lb.ip = address(true, true)
        .or_else(|| address(true, false))
        .or_else(|| address(false, true));
    lb.protocol = text(value, "/protocol").map(|p| Protocol::new(&p));
    lb.algorithm = text(value, "/algorithm").and_then(|a| algorithm(&a));
    lb.extra.insert("status".into(), Value::String(status));
    for key in [
        "virtualIps",
        "nodeCount",
        "created",
        "updated",
        "timeout",
        "halfClosed",
        "sourceAddresses",
    ] {
        if let Some(v) = value.get(key) {
            lb.extra.insert(key.into(), v.clone());
        }
    }
    Ok(lb)
}

/// A node (member) of a balancer.
pub(crate) fn member(service: &Service, value: &Value) -> Result<Member> {
    let id = id(value).ok_or_else(|| service.malformed("a node without an id"))?;
    let ip = text(value, "/address")
        .and_then(|a| a.parse::<IpAddr>().ok())
        .ok_or_else(|| service.malformed("a node without an IP address"))?;
    let port = value
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(0);
    let mut member = Member::ip(ip, port).with_id(id);
    member.weight = value
        .get("weight")
        .and_then(Value::as_u64)
        .and_then(|w| u32::try_from(w).ok());
    for key in ["condition", "status", "type"] {
        if let Some(v) = value.get(key) {
            member.extra.insert(key.into(), v.clone());
        }
    }
    Ok(member)
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
}
