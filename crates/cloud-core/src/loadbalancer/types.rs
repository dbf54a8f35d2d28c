//! The portable load-balancer vocabulary.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::Extra;

/// The state of a load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BalancerState {
    /// Serving traffic.
    Running,
    /// Being built or updated.
    Pending,
    /// Being deleted or gone.
    Deleted,
    /// Failed at the provider.
    Error,
    /// A state this library does not know.
    Unknown,
}

impl BalancerState {
    /// The snake_case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            BalancerState::Running => "running",
            BalancerState::Pending => "pending",
            BalancerState::Deleted => "deleted",
            BalancerState::Error => "error",
            BalancerState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for BalancerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a balancer spreads requests over its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Algorithm {
    /// Each member in turn.
    RoundRobin,
    /// A random member.
    Random,
    /// The member with the fewest open connections.
    LeastConnections,
    /// Round robin, weighted.
    WeightedRoundRobin,
    /// Least connections, weighted.
    WeightedLeastConnections,
    /// The same client address always reaches the same member.
    SourceIp,
    /// The member answering fastest.
    ShortestResponse,
}

impl Algorithm {
    /// The snake_case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "round_robin",
            Algorithm::Random => "random",
            Algorithm::LeastConnections => "least_connections",
            Algorithm::WeightedRoundRobin => "weighted_round_robin",
            Algorithm::WeightedLeastConnections => "weighted_least_connections",
            Algorithm::SourceIp => "source_ip",
            Algorithm::ShortestResponse => "shortest_response",
        }
    }

    /// Every algorithm.
    pub const ALL: [Algorithm; 7] = [
        Algorithm::RoundRobin,
        Algorithm::Random,
        Algorithm::LeastConnections,
        Algorithm::WeightedRoundRobin,
        Algorithm::WeightedLeastConnections,
        Algorithm::SourceIp,
        Algorithm::ShortestResponse,
    ];
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        let wanted = s.to_ascii_lowercase().replace('-', "_");
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == wanted)
            .ok_or_else(|| crate::Error::invalid_input(format!("unknown algorithm `{s}`")))
    }
}

/// A protocol a balancer listens on, in lowercase (`http`, `https`, `tcp`...).
///
/// Providers offer different sets (Rackspace lists over a dozen), so this is
/// an open set of names with constants for the common ones.
///
/// ```
/// use cloud_core::Protocol;
///
/// assert_eq!(Protocol::new("HTTP"), Protocol::HTTP);
/// assert_eq!(Protocol::HTTPS.as_str(), "https");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Protocol(Cow<'static, str>);

impl Protocol {
    /// Plain HTTP.
    pub const HTTP: Protocol = Protocol(Cow::Borrowed("http"));
    /// HTTP over TLS, terminated at the balancer.
    pub const HTTPS: Protocol = Protocol(Cow::Borrowed("https"));
    /// Raw TCP.
    pub const TCP: Protocol = Protocol(Cow::Borrowed("tcp"));
    /// TCP over TLS, terminated at the balancer.
    pub const SSL: Protocol = Protocol(Cow::Borrowed("ssl"));
    /// UDP.
    pub const UDP: Protocol = Protocol(Cow::Borrowed("udp"));

    /// A protocol by name (lowercased).
    pub fn new(name: &str) -> Self {
        Protocol(Cow::Owned(name.to_ascii_lowercase()))
    }

    /// The lowercase name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A load balancer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoadBalancer {
    /// The provider's identifier.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The normalised state.
    pub state: BalancerState,
    /// The public address, when it has one (some providers give a host name instead, in `extra`).
    pub ip: Option<IpAddr>,
    /// The port it listens on.
    pub port: u16,
    /// The protocol it listens with, when known.
    pub protocol: Option<Protocol>,
    /// How it spreads traffic, when known.
    pub algorithm: Option<Algorithm>,
    /// Provider-specific attributes (DNS name, listeners, health checks...).
    pub extra: Extra,
}

impl LoadBalancer {
    /// A balancer with only the required fields set.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        state: BalancerState,
        port: u16,
    ) -> Self {
        LoadBalancer {
            id: id.into(),
            name: name.into(),
            state,
            ip: None,
            port,
            protocol: None,
            algorithm: None,
            extra: Extra::new(),
        }
    }
}

/// A backend behind a balancer: an address and port, or a compute node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Member {
    /// The provider's identifier (empty in a request to attach one).
    pub id: String,
    /// The member's address, when it is addressed by IP.
    pub ip: Option<IpAddr>,
    /// The port traffic goes to, when the provider tracks one per member.
    pub port: Option<u16>,
    /// The compute node, when the member is a node (EC2 instance, server).
    pub node_id: Option<String>,
    /// The weight for weighted algorithms.
    pub weight: Option<u32>,
    /// Provider-specific attributes (health, condition...).
    pub extra: Extra,
}

impl Member {
    /// A member reached at `ip:port`.
    pub fn ip(ip: IpAddr, port: u16) -> Self {
        Member {
            id: String::new(),
            ip: Some(ip),
            port: Some(port),
            node_id: None,
            weight: None,
            extra: Extra::new(),
        }
    }

    /// A member that is a compute node, by id.
    pub fn node(node_id: impl Into<String>, port: Option<u16>) -> Self {
        Member {
            id: String::new(),
            ip: None,
            port,
            node_id: Some(node_id.into()),
            weight: None,
            extra: Extra::new(),
        }
    }

    /// Sets the weight.
    #[must_use]
    pub fn with_weight(mut self, weight: u32) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Sets the provider id (drivers use this when returning members).
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }
}

/// What to create: the request behind [`LoadBalancerDriver::create_balancer`](super::LoadBalancerDriver::create_balancer).
///
/// ```
/// use cloud_core::{Algorithm, CreateBalancer, Member, Protocol};
///
/// let request = CreateBalancer::new("web", 80)
///     .protocol(Protocol::HTTP)
///     .algorithm(Algorithm::RoundRobin)
///     .member(Member::ip("192.0.2.10".parse().unwrap(), 8080));
/// assert_eq!(request.members.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateBalancer {
    /// The display name.
    pub name: String,
    /// The port to listen on.
    pub port: u16,
    /// The protocol to listen with.
    pub protocol: Protocol,
    /// How to spread traffic.
    pub algorithm: Algorithm,
    /// The initial members.
    pub members: Vec<Member>,
    /// Provider-specific options; drivers refuse names they do not know.
    pub options: std::collections::BTreeMap<String, String>,
}

impl CreateBalancer {
    /// An HTTP, round-robin balancer named `name` on `port`, with no members.
    pub fn new(name: impl Into<String>, port: u16) -> Self {
        CreateBalancer {
            name: name.into(),
            port,
            protocol: Protocol::HTTP,
            algorithm: Algorithm::RoundRobin,
            members: Vec::new(),
            options: Default::default(),
        }
    }

    /// The protocol to listen with.
    #[must_use]
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// How to spread traffic.
    #[must_use]
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Adds an initial member.
    #[must_use]
    pub fn member(mut self, member: Member) -> Self {
        self.members.push(member);
        self
    }

    /// A provider-specific option.
    #[must_use]
    pub fn option(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.insert(name.into(), value.into());
        self
    }
}

/// What to change on a balancer; unset fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct UpdateBalancer {
    /// A new name.
    pub name: Option<String>,
    /// A new port.
    pub port: Option<u16>,
    /// A new protocol.
    pub protocol: Option<Protocol>,
    /// A new algorithm.
    pub algorithm: Option<Algorithm>,
}

impl UpdateBalancer {
    /// No changes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Renames the balancer.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Changes the port.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Changes the protocol.
    #[must_use]
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Changes the algorithm.
    #[must_use]
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = Some(algorithm);
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.port.is_none()
            && self.protocol.is_none()
            && self.algorithm.is_none()
    }
}
