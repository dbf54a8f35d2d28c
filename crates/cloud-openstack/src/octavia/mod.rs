//! OpenStack Octavia (load-balancer API v2) as a [`LoadBalancerDriver`].
//!
//! Octavia splits what the portable API calls a balancer into a load
//! balancer (the virtual IP), a listener (port and protocol), a pool (the
//! algorithm) and members. A portable balancer is one of each: created in
//! one fully populated request, read back from its first listener and that
//! listener's default pool, and deleted with everything under it
//! (`cascade`). While a change is provisioning the API refuses the next
//! (409 "immutable"): changes wait and retry. Octavia has no call that lists
//! protocols or algorithms, so those two operations are not offered.

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
    Api as CoreApi, BalancerState, Capabilities, Capability, CreateBalancer, Error, LoadBalancer,
    LoadBalancerDriver, Member, Page, PageRequest, ResourceKind, Result, UpdateBalancer,
};
use serde_json::{Map, Value, json};

use self::parse::{BalancerPage, WireBalancer, WireListener, WireMember, WirePool};
use crate::busy::while_busy;
use crate::config::Shared;
use crate::error::Api;
use crate::json::{list, one};
use crate::service::Service;
use cloud_core::http::rest::About;

/// Octavia: everything but the protocol and algorithm catalogues.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(CoreApi::LoadBalancer)
    .without(Capability::ListProtocols)
    .without(Capability::ListAlgorithms);

/// Options [`CreateBalancer::option`] understands here.
pub const CREATE_BALANCER_OPTIONS: &[&str] = &[
    "vip_subnet_id",
    "vip_network_id",
    "vip_port_id",
    "description",
    "availability_zone",
    "flavor_id",
];

const VIP_OPTIONS: &[&str] = &["vip_subnet_id", "vip_network_id", "vip_port_id"];
const TYPES: &[&str] = &["load-balancer"];
const PAGE_SIZE: u32 = 100;

/// The Octavia driver.
#[derive(Debug, Clone)]
pub struct OctaviaLoadBalancers {
    api: Service,
    shared: Arc<Shared>,
}

fn balancer_path(id: &str) -> [&str; 3] {
    ["lbaas", "loadbalancers", id]
}

fn members_path(pool: &str) -> [&str; 4] {
    ["lbaas", "pools", pool, "members"]
}

impl OctaviaLoadBalancers {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        OctaviaLoadBalancers {
            api: Service::new(shared.clone(), Api::LoadBalancer, TYPES).with_version("v2"),
            shared,
        }
    }

    fn not_found(&self, id: &str) -> Error {
        Error::not_found(ResourceKind::Balancer, id).with_provider(self.api.provider())
    }

    /// The load balancer object, gone ones (deleted, being deleted) as not found.
    async fn raw(&self, id: &str) -> Result<WireBalancer> {
        let body = self
            .api
            .get(
                &balancer_path(id),
                Some(About::reading(ResourceKind::Balancer, id)),
            )
            .await?;
        let balancer: WireBalancer = one(&self.api, body, "loadbalancer")?;
        if balancer.state() == BalancerState::Deleted {
            return Err(self.not_found(id));
        }
        Ok(balancer)
    }

    /// One entry of the API (`lbaas/listeners/{id}` and the like).
    async fn entry<T: serde::de::DeserializeOwned>(
        &self,
        kind: &str,
        key: &str,
        id: &str,
    ) -> Result<T> {
        let body = self
            .api
            .get(
                &["lbaas", kind, id],
                Some(About::reading(ResourceKind::Balancer, id)),
            )
            .await?;
        one(&self.api, body, key)
    }

    /// The portable balancer for a load balancer object: its first listener
    /// and that listener's pool fill in port, protocol and algorithm.
    async fn describe(&self, balancer: WireBalancer) -> Result<LoadBalancer> {
        let listener: Option<WireListener> = match balancer.listener_id() {
            Some(id) => Some(self.entry("listeners", "listener", id).await?),
            None => None,
        };
        let pool_id = listener
            .as_ref()
            .and_then(WireListener::default_pool_id)
            .or_else(|| balancer.pool_id())
            .map(str::to_owned);
        let pool: Option<WirePool> = match pool_id {
            Some(id) => Some(self.entry("pools", "pool", &id).await?),
            None => None,
        };
        Ok(balancer.balancer(listener.as_ref(), pool.as_ref()))
    }

    /// The pool members live in.
    async fn pool_of(&self, balancer: &str) -> Result<String> {
        let value = self.raw(balancer).await?;
        value.pool_id().map(str::to_owned).ok_or_else(|| {
            Error::invalid_input(format!(
                "load balancer `{balancer}` has no pool to hold members"
            ))
        })
    }

    /// The API's member entry: servers are resolved to an address through Nova.
    async fn member_entry(&self, member: &Member, default_port: u16) -> Result<Value> {
        let ip = crate::nova::member_address(&self.shared, member).await?;
        let mut entry = Map::new();
        entry.insert("address".into(), json!(ip.to_string()));
        entry.insert(
            "protocol_port".into(),
            json!(member.port.unwrap_or(default_port)),
        );
        if let Some(weight) = member.weight {
            entry.insert("weight".into(), json!(weight));
        }
        Ok(Value::Object(entry))
    }
}

impl Driver for OctaviaLoadBalancers {
    fn provider(&self) -> &str {
        self.api.provider()
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.shared.session.redactor())
    }
}

#[async_trait]
impl LoadBalancerDriver for OctaviaLoadBalancers {
    async fn list_balancers(&self, page: PageRequest) -> Result<Page<LoadBalancer>> {
        let query = page.marker_query(PAGE_SIZE, 1000);
        let body = self
            .api
            .get_query(&["lbaas", "loadbalancers"], &query.pairs(), None)
            .await?;
        let page: BalancerPage = self.api.decode(body, "the load balancers")?;
        let next = page.next_marker();
        let mut balancers = Vec::new();
        for balancer in page.loadbalancers {
            if balancer.state() != BalancerState::Deleted {
                balancers.push(self.describe(balancer).await?);
            }
        }
        Ok(Page::new(balancers, next))
    }

    async fn get_balancer(&self, id: &str) -> Result<LoadBalancer> {
        let balancer = self.raw(id).await?;
        self.describe(balancer).await
    }

    async fn create_balancer(&self, request: &CreateBalancer) -> Result<LoadBalancer> {
        if let Some(unknown) = request
            .options
            .keys()
            .find(|k| !CREATE_BALANCER_OPTIONS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for Octavia (known: {})",
                CREATE_BALANCER_OPTIONS.join(", ")
            )));
        }
        let algorithm = parse::algorithm_name(request.algorithm).ok_or_else(|| {
            Error::invalid_input(format!(
                "Octavia has no `{}` algorithm",
                request.algorithm.as_str()
            ))
        })?;
        let protocol = request.protocol.as_str().to_ascii_uppercase();
        if !parse::LISTENER_PROTOCOLS.contains(&protocol.as_str()) {
            return Err(Error::invalid_input(format!(
                "Octavia has no `{protocol}` listener protocol (known: {})",
                parse::LISTENER_PROTOCOLS.join(", ")
            )));
        }
        let mut lb = Map::new();
        lb.insert("name".into(), json!(request.name));
        let mut placed = false;
        for key in CREATE_BALANCER_OPTIONS {
            if let Some(value) = request.options.get(*key) {
                lb.insert((*key).into(), json!(value));
                placed |= VIP_OPTIONS.contains(key);
            }
        }
        if !placed {
            let (key, value) = self.shared.vip.clone().ok_or_else(|| {
                Error::invalid_input(
                    "Octavia needs the balancer's network: give the vip_subnet_id, vip_network_id \
                     or vip_port_id option, or set one on the builder",
                )
            })?;
            lb.insert(key.into(), json!(value));
        }
        let mut members = Vec::new();
        for member in &request.members {
            members.push(self.member_entry(member, request.port).await?);
        }
        lb.insert(
            "listeners".into(),
            json!([{
                "name": format!("{}-listener", request.name),
                "protocol": protocol,
                "protocol_port": request.port,
                "default_pool": {
                    "name": format!("{}-pool", request.name),
                    "protocol": parse::pool_protocol(&protocol),
                    "lb_algorithm": algorithm,
                    "members": members,
                },
            }]),
        );
        let answer = self
            .api
            .post(
                &["lbaas", "loadbalancers"],
                &json!({ "loadbalancer": lb }),
                None,
            )
            .await?;
        let value: WireBalancer = one(&self.api, answer.body, "loadbalancer")?;
        // The answer lists the new listener and pool by id only: what they
        // hold is what was asked for.
        let mut created = value.balancer(None, None);
        created.port = request.port;
        created.protocol = Some(request.protocol.clone());
        created.algorithm = Some(request.algorithm);
        Ok(created)
    }

    async fn update_balancer(&self, id: &str, update: &UpdateBalancer) -> Result<LoadBalancer> {
        if update.port.is_some() || update.protocol.is_some() {
            return Err(Error::invalid_input(
                "Octavia cannot change a listener's port or protocol; create a new balancer",
            ));
        }
        if let Some(name) = &update.name {
            let body = json!({ "loadbalancer": { "name": name } });
            let path = balancer_path(id);
            while_busy(|| {
                self.api.put(
                    &path,
                    &body,
                    Some(About::reading(ResourceKind::Balancer, id)),
                )
            })
            .await?;
        }
        if let Some(algorithm) = update.algorithm {
            let name = parse::algorithm_name(algorithm).ok_or_else(|| {
                Error::invalid_input(format!("Octavia has no `{}` algorithm", algorithm.as_str()))
            })?;
            let pool = self.pool_of(id).await?;
            let body = json!({ "pool": { "lb_algorithm": name } });
            let path = ["lbaas", "pools", &pool];
            while_busy(|| {
                self.api.put(
                    &path,
                    &body,
                    Some(About::reading(ResourceKind::Balancer, id)),
                )
            })
            .await?;
        }
        self.get_balancer(id).await
    }

    async fn destroy_balancer(&self, id: &str) -> Result<()> {
        let path = balancer_path(id);
        let query = &[("cascade", "true")];
        while_busy(|| {
            self.api.delete_query(
                &path,
                query,
                Some(About::reading(ResourceKind::Balancer, id)),
            )
        })
        .await?;
        Ok(())
    }

    async fn list_members(&self, balancer: &str) -> Result<Vec<Member>> {
        let value = self.raw(balancer).await?;
        let Some(pool) = value.pool_id() else {
            return Ok(Vec::new());
        };
        let body = self
            .api
            .get(
                &members_path(pool),
                Some(About::reading(ResourceKind::Balancer, balancer)),
            )
            .await?;
        Ok(list::<WireMember>(&self.api, body, "members")?
            .into_iter()
            .map(WireMember::member)
            .collect())
    }

    async fn attach_member(&self, balancer: &str, member: &Member) -> Result<Member> {
        let current = self.get_balancer(balancer).await?;
        let pool = self.pool_of(balancer).await?;
        let body = json!({ "member": self.member_entry(member, current.port).await? });
        let path = members_path(&pool);
        let answer = while_busy(|| {
            self.api.post(
                &path,
                &body,
                Some(About::creating(ResourceKind::Member, balancer)),
            )
        })
        .await?;
        let mut attached = one::<WireMember>(&self.api, answer.body, "member")?.member();
        attached.node_id.clone_from(&member.node_id);
        Ok(attached)
    }

    async fn detach_member(&self, balancer: &str, member_id: &str) -> Result<()> {
        let pool = self.pool_of(balancer).await?;
        let path = ["lbaas", "pools", &pool, "members", member_id];
        while_busy(|| {
            self.api
                .delete(&path, Some(About::reading(ResourceKind::Member, member_id)))
        })
        .await?;
        Ok(())
    }
}
