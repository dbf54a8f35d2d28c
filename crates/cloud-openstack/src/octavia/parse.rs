//! Octavia v2 JSON to the portable load-balancer types.

use std::net::IpAddr;

use cloud_core::http::json::null_as_default;
use cloud_core::{Algorithm, BalancerState, LoadBalancer, Member, Protocol};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::copy_rest;

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

/// A load balancer (`lbaas/loadbalancers[/{id}]`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireBalancer {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    provisioning_status: Option<String>,
    #[serde(default)]
    vip_address: Option<IpAddr>,
    #[serde(default, deserialize_with = "null_as_default")]
    listeners: Vec<IdRef>,
    #[serde(default, deserialize_with = "null_as_default")]
    pools: Vec<IdRef>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A reference to another entry: `{"id": ...}`.
#[derive(Debug, Deserialize)]
struct IdRef {
    id: String,
}

/// A listener: the balancer's port and protocol.
#[derive(Debug, Deserialize)]
pub(crate) struct WireListener {
    id: String,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    protocol_port: Option<u16>,
    #[serde(default)]
    default_pool_id: Option<String>,
}

/// A pool: the balancer's algorithm.
#[derive(Debug, Deserialize)]
pub(crate) struct WirePool {
    id: String,
    #[serde(default)]
    lb_algorithm: Option<String>,
}

/// A pool member.
#[derive(Debug, Deserialize)]
pub(crate) struct WireMember {
    id: String,
    address: IpAddr,
    #[serde(default)]
    protocol_port: Option<u16>,
    #[serde(default)]
    weight: Option<u32>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A page of balancers, with the link to the next one.
#[derive(Debug, Deserialize)]
pub(crate) struct BalancerPage {
    pub(crate) loadbalancers: Vec<WireBalancer>,
    #[serde(default, deserialize_with = "null_as_default")]
    loadbalancers_links: Vec<Link>,
}

#[derive(Debug, Deserialize)]
struct Link {
    #[serde(default)]
    rel: Option<String>,
}

impl WireBalancer {
    /// Its provisioning status as a state.
    pub(crate) fn state(&self) -> BalancerState {
        state(self.provisioning_status.as_deref().unwrap_or_default())
    }

    /// Its first listener's id.
    pub(crate) fn listener_id(&self) -> Option<&str> {
        self.listeners.first().map(|r| r.id.as_str())
    }

    /// Its first pool's id (where members live).
    pub(crate) fn pool_id(&self) -> Option<&str> {
        self.pools.first().map(|r| r.id.as_str())
    }

    /// The balancer; its port, protocol and algorithm come from its first
    /// listener and that listener's pool, when given.
    pub(crate) fn balancer(
        self,
        listener: Option<&WireListener>,
        pool: Option<&WirePool>,
    ) -> LoadBalancer {
        let state = self.state();
        let port = listener.and_then(|l| l.protocol_port).unwrap_or(0);
        let mut lb = LoadBalancer::new(self.id, self.name.unwrap_or_default(), state, port);
        lb.ip = self.vip_address;
        lb.protocol = listener
            .and_then(|l| l.protocol.as_deref())
            .map(Protocol::new);
        lb.algorithm = pool
            .and_then(|p| p.lb_algorithm.as_deref())
            .and_then(algorithm);
        if let Some(status) = self.provisioning_status {
            lb.extra
                .insert("provisioning_status".into(), Value::String(status));
        }
        copy_rest(
            &mut lb.extra,
            &self.rest,
            &[
                "operating_status",
                "vip_subnet_id",
                "vip_network_id",
                "vip_port_id",
                "description",
                "provider",
                "availability_zone",
                "created_at",
                "updated_at",
            ],
        );
        if let Some(l) = listener {
            lb.extra.insert("listener_id".into(), l.id.clone().into());
        }
        if let Some(p) = pool {
            lb.extra.insert("pool_id".into(), p.id.clone().into());
        }
        lb
    }
}

impl WireListener {
    /// The pool the listener sends to.
    pub(crate) fn default_pool_id(&self) -> Option<&str> {
        self.default_pool_id.as_deref()
    }
}

impl WireMember {
    /// The portable member.
    pub(crate) fn member(self) -> Member {
        let mut member = Member::ip(self.address, self.protocol_port.unwrap_or(0)).with_id(self.id);
        member.weight = self.weight;
        copy_rest(
            &mut member.extra,
            &self.rest,
            &[
                "name",
                "provisioning_status",
                "operating_status",
                "subnet_id",
            ],
        );
        member
    }
}

impl BalancerPage {
    /// The marker for the next page: the last id, when the API links one.
    pub(crate) fn next_marker(&self) -> Option<String> {
        self.loadbalancers_links
            .iter()
            .any(|l| l.rel.as_deref() == Some("next"))
            .then(|| self.loadbalancers.last().map(|b| b.id.clone()))
            .flatten()
    }
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
        let body = serde_json::json!({"loadbalancers": [{"id": "a"}, {"id": "b", "listeners": null}],
            "loadbalancers_links": [{"rel": "next", "href": "x"}]});
        let page: BalancerPage =
            cloud_core::http::json::decode("openstack", "load balancer", "balancers", body)
                .unwrap();
        assert_eq!(page.next_marker().as_deref(), Some("b"));
        let err = cloud_core::http::json::decode::<WireMember, _>(
            "openstack",
            "load balancer",
            "a member",
            serde_json::json!({"id": "m", "address": "not-an-ip"}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("at `address`"), "{err}");
    }
}
