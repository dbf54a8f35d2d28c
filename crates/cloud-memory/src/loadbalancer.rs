//! In-memory load balancers: pending, then running; members by address or node.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use cloud_core::Driver;
use cloud_core::paging::page_of;
use cloud_core::{
    Algorithm, Api, BalancerState, Capabilities, CreateBalancer, Error, LoadBalancer,
    LoadBalancerDriver, Member, Page, PageRequest, Protocol, ResourceKind, Result, UpdateBalancer,
};

use serde::{Deserialize, Serialize};

use crate::MemoryCompute;
use crate::PROVIDER;
use crate::clock::Timed;
use crate::persist::Store;

pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(Api::LoadBalancer);
const PAGE_SIZE: u32 = 100;
const PROTOCOLS: [Protocol; 4] = [
    Protocol::HTTP,
    Protocol::HTTPS,
    Protocol::TCP,
    Protocol::UDP,
];

/// In-memory load-balancer driver. Balancers are `pending` for the
/// transition delay after being created or updated, then `running`.
///
/// Members given by node id (`Member::node`) must name a node of the
/// compute account linked with [`with_nodes`](Self::with_nodes); without
/// one, no node exists and such members are refused as not found.
#[derive(Debug, Clone)]
pub struct MemoryLoadBalancers {
    store: Store<State>,
    delay: Duration,
    nodes: Option<MemoryCompute>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    next_id: u64,
    balancers: BTreeMap<String, Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    balancer: LoadBalancer,
    state: Timed<BalancerState>,
    members: Vec<Member>,
}

impl State {
    fn id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("{kind}-{:06}", self.next_id)
    }

    fn entry(&self, id: &str) -> Result<&Entry> {
        self.balancers
            .get(id)
            .ok_or_else(|| Error::not_found(ResourceKind::Balancer, id).with_provider(PROVIDER))
    }

    fn entry_mut(&mut self, id: &str) -> Result<&mut Entry> {
        self.balancers
            .get_mut(id)
            .ok_or_else(|| Error::not_found(ResourceKind::Balancer, id).with_provider(PROVIDER))
    }
}

fn view(entry: &Entry) -> LoadBalancer {
    let mut balancer = entry.balancer.clone();
    balancer.state = entry.state.get();
    balancer
}

fn check_protocol(protocol: &Protocol) -> Result<()> {
    if PROTOCOLS.contains(protocol) {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "protocol `{protocol}` is not offered by provider `memory`"
        )))
    }
}

impl MemoryLoadBalancers {
    /// An empty account; balancers settle after `delay`.
    pub fn new(delay: Duration) -> Self {
        MemoryLoadBalancers {
            store: Store::memory(State::default()),
            delay,
            nodes: None,
        }
    }

    /// An account kept in the JSON file `path`, shared with other processes:
    /// each change is a locked read-modify-write of the file.
    pub fn open(path: impl Into<PathBuf>, delay: Duration) -> Result<Self> {
        Ok(MemoryLoadBalancers {
            store: Store::open(path)?,
            delay,
            nodes: None,
        })
    }

    /// Resolves node members against the nodes of `compute`: a member
    /// naming a node it does not hold is refused, and one without an
    /// address takes the node's first private address.
    #[must_use]
    pub fn with_nodes(mut self, compute: MemoryCompute) -> Self {
        self.nodes = Some(compute);
        self
    }

    /// `member` with its node checked and its address filled in.
    fn resolve(&self, member: &Member) -> Result<Member> {
        let Some(node_id) = &member.node_id else {
            return Ok(member.clone());
        };
        let node = match &self.nodes {
            Some(compute) => compute.find_node(node_id)?,
            None => None,
        };
        let Some(node) = node else {
            return Err(Error::not_found(ResourceKind::Node, node_id).with_provider(PROVIDER));
        };
        let mut resolved = member.clone();
        if resolved.ip.is_none() {
            resolved.ip = node.private_ips.first().copied();
        }
        Ok(resolved)
    }

    fn add_member(state: &mut State, balancer: &str, member: &Member) -> Result<Member> {
        let id = state.id("member");
        let entry = state.entry_mut(balancer)?;
        let duplicate = entry
            .members
            .iter()
            .any(|m| m.ip == member.ip && m.port == member.port && m.node_id == member.node_id);
        if duplicate {
            let what = match (member.ip, member.port) {
                (Some(ip), Some(port)) => format!("{ip}:{port}"),
                _ => member.node_id.clone().unwrap_or_default(),
            };
            return Err(Error::already_exists(ResourceKind::Member, what).with_provider(PROVIDER));
        }
        let mut added = member.clone().with_id(id);
        added.weight = added.weight.or(Some(1));
        entry.members.push(added.clone());
        Ok(added)
    }
}

impl Driver for MemoryLoadBalancers {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
}

#[async_trait]
impl LoadBalancerDriver for MemoryLoadBalancers {
    async fn list_protocols(&self) -> Result<Vec<Protocol>> {
        Ok(PROTOCOLS.to_vec())
    }

    async fn list_supported_algorithms(&self) -> Result<Vec<Algorithm>> {
        Ok(Algorithm::ALL.to_vec())
    }

    async fn list_balancers(&self, page: PageRequest) -> Result<Page<LoadBalancer>> {
        let all: Vec<_> = self
            .store
            .read(|s| Ok(s.balancers.values().map(view).collect()))?;
        page_of(&all, &page, PAGE_SIZE)
    }

    async fn get_balancer(&self, id: &str) -> Result<LoadBalancer> {
        self.store.read(|s| Ok(view(s.entry(id)?)))
    }

    async fn create_balancer(&self, request: &CreateBalancer) -> Result<LoadBalancer> {
        if let Some(name) = request.options.keys().next() {
            return Err(Error::invalid_input(format!(
                "unknown option `{name}` for provider `memory`"
            )));
        }
        check_protocol(&request.protocol)?;
        let members = request
            .members
            .iter()
            .map(|m| self.resolve(m))
            .collect::<Result<Vec<_>>>()?;
        let delay = self.delay;
        self.store.update(|state| {
            let id = state.id("lb");
            let n = state.next_id;
            let mut balancer =
                LoadBalancer::new(&id, &request.name, BalancerState::Pending, request.port);
            balancer.ip = Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, (n % 254 + 1) as u8)));
            balancer.protocol = Some(request.protocol.clone());
            balancer.algorithm = Some(request.algorithm);
            state.balancers.insert(
                id.clone(),
                Entry {
                    balancer,
                    state: Timed::transition(BalancerState::Pending, BalancerState::Running, delay),
                    members: Vec::new(),
                },
            );
            for member in &members {
                if let Err(e) = Self::add_member(state, &id, member) {
                    state.balancers.remove(&id);
                    return Err(e);
                }
            }
            let created = view(state.entry(&id)?);
            Ok(created)
        })
    }

    async fn update_balancer(&self, id: &str, update: &UpdateBalancer) -> Result<LoadBalancer> {
        if let Some(p) = &update.protocol {
            check_protocol(p)?;
        }
        let delay = self.delay;
        self.store.update(|state| {
            let entry = state.entry_mut(id)?;
            let b = &mut entry.balancer;
            if let Some(name) = &update.name {
                b.name = name.clone();
            }
            if let Some(port) = update.port {
                b.port = port;
            }
            if let Some(p) = &update.protocol {
                b.protocol = Some(p.clone());
            }
            if let Some(a) = update.algorithm {
                b.algorithm = Some(a);
            }
            entry.state = Timed::transition(BalancerState::Pending, BalancerState::Running, delay);
            let updated = view(entry);
            Ok(updated)
        })
    }

    async fn destroy_balancer(&self, id: &str) -> Result<()> {
        self.store.update(|state| {
            state.entry(id)?;
            state.balancers.remove(id);
            Ok(())
        })
    }

    async fn list_members(&self, balancer: &str) -> Result<Vec<Member>> {
        self.store.read(|s| Ok(s.entry(balancer)?.members.clone()))
    }

    async fn attach_member(&self, balancer: &str, member: &Member) -> Result<Member> {
        let member = self.resolve(member)?;
        self.store
            .update(|state| Self::add_member(state, balancer, &member))
    }

    async fn detach_member(&self, balancer: &str, member_id: &str) -> Result<()> {
        self.store.update(|state| {
            let entry = state.entry_mut(balancer)?;
            let before = entry.members.len();
            entry.members.retain(|m| m.id != member_id);
            if entry.members.len() == before {
                return Err(
                    Error::not_found(ResourceKind::Member, member_id).with_provider(PROVIDER)
                );
            }
            Ok(())
        })
    }
}
