//! Octavia v2 JSON to the portable load-balancer types.

use std::net::IpAddr;

use cloud_core::{Algorithm, BalancerState, LoadBalancer, Member, Protocol, Result};
use serde_json::Value;

use crate::json::text;
use crate::service::Service;

/// Octavia's provisioning status to the portable state.
pub(crate) fn state(status: &str) -> BalancerState {
    match status {
        "ACTIVE" => BalancerState::Running,
        "PENDING_CREATE" | "PENDING_UPDATE" => BalancerState::Pending,
        "PENDING_DELETE" | "DELETED" => BalancerState::Deleted,
        "ERROR" => BalancerState::Error,
        _ => BalancerState::Unknown,
    }
}

/// The API's algorithm names.
pub(crate) const ALGORITHMS: &[(Algorithm, &str)] = &[
    (Algorithm::RoundRobin, "ROUND_ROBIN"),
    (Algorithm::LeastConnections, "LEAST_CONNECTIONS"),
    (Algorithm::SourceIp, "SOURCE_IP"),
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

/// The listener protocols Octavia knows.
pub(crate) const LISTENER_PROTOCOLS: &[&str] =
    &["HTTP", "HTTPS", "TCP", "TERMINATED_HTTPS", "UDP", "SCTP"];

/// The protocol of the pool behind a listener: TLS ends at the balancer
/// for `TERMINATED_HTTPS`, so its pool speaks HTTP.
pub(crate) fn pool_protocol(listener: &str) -> &str {
    if listener == "TERMINATED_HTTPS" {
        "HTTP"
    } else {
        listener
    }
}

/// The id of the first entry of a list of `{"id": ...}` references.
pub(crate) fn first_ref(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)?
        .as_array()?
        .first()
        .and_then(|r| text(r, "/id"))
}

/// A balancer; its port, protocol and algorithm come from its first
/// listener and that listener's pool, when given.
pub(crate) fn balancer(
    service: &Service,
    value: &Value,
    listener: Option<&Value>,
    pool: Option<&Value>,
) -> Result<LoadBalancer> {
    let id =
        text(value, "/id").ok_or_else(|| service.malformed("a load balancer without an id"))?;
    let status = text(value, "/provisioning_status").unwrap_or_default();
    let port = listener
        .and_then(|l| l.get("protocol_port"))
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(0);
    let mut lb = LoadBalancer::new(
        id,
        text(value, "/name").unwrap_or_default(),
        state(&status),
        port,
    );
    lb.ip = text(value, "/vip_address").and_then(|a| a.parse::<IpAddr>().ok());
    lb.protocol = listener
        .and_then(|l| text(l, "/protocol"))
        .map(|p| Protocol::new(&p));
    lb.algorithm = pool
        .and_then(|p| text(p, "/lb_algorithm"))
        .and_then(|a| algorithm(&a));
    for key in [
        "provisioning_status",
        "operating_status",
        "vip_subnet_id",
        "vip_network_id",
        "vip_port_id",
        "description",
        "provider",
        "availability_zone",
        "created_at",
        "updated_at",
    ] {
        if let Some(v) = value.get(key).filter(|v| !v.is_null()) {
            lb.extra.insert(key.into(), v.clone());
        }
    }
    if let Some(l) = listener.and_then(|l| text(l, "/id")) {
        lb.extra.insert("listener_id".into(), l.into());
    }
    if let Some(p) = pool.and_then(|p| text(p, "/id")) {
        lb.extra.insert("pool_id".into(), p.into());
    }
    Ok(lb)
}

/// A pool member.
pub(crate) fn member(service: &Service, value: &Value) -> Result<Member> {
    let id = text(value, "/id").ok_or_else(|| service.malformed("a member without an id"))?;
    let ip = text(value, "/address")
        .and_then(|a| a.parse::<IpAddr>().ok())
        .ok_or_else(|| service.malformed("a member without an IP address"))?;
    let port = value
        .get("protocol_port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(0);
    let mut member = Member::ip(ip, port).with_id(id);
    member.weight = value
        .get("weight")
        .and_then(Value::as_u64)
        .and_then(|w| u32::try_from(w).ok());
    for key in [
        "name",
        "provisioning_status",
        "operating_status",
        "subnet_id",
    ] {
        if let Some(v) = value.get(key).filter(|v| !v.is_null()) {
            member.extra.insert(key.into(), v.clone());
        }
    }
    Ok(member)
}

/// The marker for the page after `body`: the last id, when the API links a
/// next page.
pub(crate) fn next_marker(body: &Value, list: &str) -> Option<String> {
    let links = body.get(format!("{list}_links"))?.as_array()?;
    links
        .iter()
        .any(|l| text(l, "/rel").as_deref() == Some("next"))
        .then(|| {
            body.get(list)?
                .as_array()?
                .last()
                .and_then(|v| text(v, "/id"))
        })
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_states() {
        assert_eq!(state("PENDING_CREATE"), BalancerState::Pending);
        assert_eq!(state("ACTIVE"), BalancerState::Running);
        assert_eq!(algorithm("source_ip"), Some(Algorithm::SourceIp));
        assert_eq!(algorithm_name(Algorithm::Random), None);
        assert_eq!(pool_protocol("TERMINATED_HTTPS"), "HTTP");
        let body = serde_json::json!({"loadbalancers": [{"id": "a"}, {"id": "b"}],
            "loadbalancers_links": [{"rel": "next", "href": "x"}]});
        assert_eq!(next_marker(&body, "loadbalancers").as_deref(), Some("b"));
    }
}
