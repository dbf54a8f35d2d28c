//! In-memory load balancers: pending, then running; members by address or node.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use cloud_core::paging::page_of;
use cloud_core::{
    Algorithm, Api, BalancerState, Capabilities, CreateBalancer, Error, LoadBalancer,
    LoadBalancerDriver, Member, Page, PageRequest, Protocol, ResourceKind, Result, UpdateBalancer,
};

use serde::{Deserialize, Serialize};

use crate::PROVIDER;
use crate::clock::Timed;
use crate::persist::StateFile;

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
#[derive(Debug, Clone)]
pub struct MemoryLoadBalancer {
    state: Arc<Mutex<State>>,
    delay: Duration,
    file: Option<StateFile>,
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

    fn entry(&mut self, id: &str) -> Result<&mut Entry> {
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

impl MemoryLoadBalancer {
    /// An empty account; balancers settle after `delay`.
    pub fn new(delay: Duration) -> Self {
        MemoryLoadBalancer {
            state: Arc::new(Mutex::new(State::default())),
            delay,
            file: None,
        }
    }

    /// An account kept in the JSON file `path`, shared with other processes.
    pub fn open(path: impl Into<PathBuf>, delay: Duration) -> Result<Self> {
        let file = StateFile::new(path);
        let mut lb = Self::new(delay);
        if let Some(state) = file.load::<State>()? {
            lb.state = Arc::new(Mutex::new(state));
        }
        lb.file = Some(file);
        Ok(lb)
    }

    fn persist(&self, state: &State) -> Result<()> {
        match &self.file {
            Some(file) => file.save(state),
            None => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn add_member(state: &mut State, balancer: &str, member: &Member) -> Result<Member> {
        let id = state.id("member");
        let entry = state.entry(balancer)?;
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

#[async_trait]
impl LoadBalancerDriver for MemoryLoadBalancer {
    fn provider(&self) -> &str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    async fn list_protocols(&self) -> Result<Vec<Protocol>> {
        Ok(PROTOCOLS.to_vec())
    }

    async fn list_supported_algorithms(&self) -> Result<Vec<Algorithm>> {
        Ok(Algorithm::ALL.to_vec())
    }

    async fn list_balancers(&self, page: PageRequest) -> Result<Page<LoadBalancer>> {
        let all: Vec<_> = self.lock().balancers.values().map(view).collect();
        page_of(&all, &page, PAGE_SIZE)
    }

    async fn get_balancer(&self, id: &str) -> Result<LoadBalancer> {
        Ok(view(self.lock().entry(id)?))
    }

    async fn create_balancer(&self, request: &CreateBalancer) -> Result<LoadBalancer> {
        if let Some(name) = request.options.keys().next() {
            return Err(Error::invalid_input(format!(
                "unknown option `{name}` for provider `memory`"
            )));
        }
        check_protocol(&request.protocol)?;
        let delay = self.delay;
        let mut state = self.lock();
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
        for member in &request.members {
            if let Err(e) = Self::add_member(&mut state, &id, member) {
                state.balancers.remove(&id);
                return Err(e);
            }
        }
        let created = view(state.entry(&id)?);
        self.persist(&state)?;
        Ok(created)
    }

    async fn update_balancer(&self, id: &str, update: &UpdateBalancer) -> Result<LoadBalancer> {
        if let Some(p) = &update.protocol {
            check_protocol(p)?;
        }
        let delay = self.delay;
        let mut state = self.lock();
        let entry = state.entry(id)?;
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
        self.persist(&state)?;
        Ok(updated)
    }

    async fn destroy_balancer(&self, id: &str) -> Result<()> {
        let mut state = self.lock();
        state.entry(id)?;
        state.balancers.remove(id);
        self.persist(&state)
    }

    async fn list_members(&self, balancer: &str) -> Result<Vec<Member>> {
        Ok(self.lock().entry(balancer)?.members.clone())
    }

    async fn attach_member(&self, balancer: &str, member: &Member) -> Result<Member> {
        let mut state = self.lock();
        let added = Self::add_member(&mut state, balancer, member)?;
        self.persist(&state)?;
        Ok(added)
    }

    async fn detach_member(&self, balancer: &str, member_id: &str) -> Result<()> {
        let mut state = self.lock();
        let entry = state.entry(balancer)?;
        let before = entry.members.len();
        entry.members.retain(|m| m.id != member_id);
        if entry.members.len() == before {
            return Err(Error::not_found(ResourceKind::Member, member_id).with_provider(PROVIDER));
        }
        self.persist(&state)
    }
}
