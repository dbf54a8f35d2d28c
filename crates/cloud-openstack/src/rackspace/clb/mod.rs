//! Rackspace Cloud Load Balancers as a [`LoadBalancerDriver`].
//!
//! A balancer has one port, protocol and algorithm, a virtual IP, and nodes
//! (the members) addressed by IP; members given as servers are resolved to
//! their ServiceNet address through Nova. Each change leaves the balancer
//! `PENDING_UPDATE` for a moment, during which the API refuses the next one
//! (422 "immutable"): changes wait and retry. Deleted balancers linger with
//! status `DELETED`; they read as gone.

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
    Algorithm, Api as CoreApi, BalancerState, Capabilities, CreateBalancer, Error, LoadBalancer,
    LoadBalancerDriver, Member, Page, PageRequest, Protocol, ResourceKind, Result, UpdateBalancer,
};
use serde_json::{Map, Value, json};

use self::parse::{Named, WireBalancer, WireNode};
use crate::busy::while_busy;
use crate::config::Shared;
use crate::error::Api;
use crate::json::{list, one};
use crate::service::Service;
use cloud_core::http::rest::About;

/// Cloud Load Balancers: every load-balancer operation.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(CoreApi::LoadBalancer);

/// Options [`CreateBalancer::option`] understands here.
pub const CREATE_BALANCER_OPTIONS: &[&str] = &["virtual_ip_type", "virtual_ip_id", "timeout"];

const TYPES: &[&str] = &["rax:load-balancer"];
const PAGE_SIZE: u32 = 100;

/// The Cloud Load Balancers driver.
#[derive(Debug, Clone)]
pub struct RackspaceLoadBalancers {
    api: Service,
    shared: Arc<Shared>,
}

impl RackspaceLoadBalancers {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        RackspaceLoadBalancers {
            api: Service::new(shared.clone(), Api::LoadBalancer, TYPES),
            shared,
        }
    }

    fn path(id: &str) -> [&str; 2] {
        ["loadbalancers", id]
    }

    /// The API's node entry for `member`; servers become their address
    /// (ServiceNet first, as Rackspace recommends for traffic inside a region).
    async fn node_entry(&self, member: &Member, default_port: u16) -> Result<Value> {
        let ip = crate::nova::member_address(&self.shared, member).await?;
        let mut node = Map::new();
        node.insert("address".into(), json!(ip.to_string()));
        node.insert("port".into(), json!(member.port.unwrap_or(default_port)));
        node.insert("condition".into(), json!("ENABLED"));
        if let Some(weight) = member.weight {
            node.insert("weight".into(), json!(weight));
        }
        Ok(Value::Object(node))
    }

    fn algorithm_name(algorithm: Algorithm) -> Result<&'static str> {
        parse::algorithm_name(algorithm).ok_or_else(|| {
            Error::invalid_input(format!(
                "Cloud Load Balancers has no `{}` algorithm",
                algorithm.as_str()
            ))
        })
    }

    fn one(&self, body: Value) -> Result<LoadBalancer> {
        Ok(one::<WireBalancer>(&self.api, body, "loadBalancer")?.balancer())
    }
}

impl Driver for RackspaceLoadBalancers {
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
impl LoadBalancerDriver for RackspaceLoadBalancers {
    async fn list_protocols(&self) -> Result<Vec<Protocol>> {
        let body = self.api.get(&["loadbalancers", "protocols"], None).await?;
        Ok(list::<Named>(&self.api, body, "protocols")?
            .iter()
            .map(|p| Protocol::new(&p.name))
            .collect())
    }

    async fn list_supported_algorithms(&self) -> Result<Vec<Algorithm>> {
        let body = self.api.get(&["loadbalancers", "algorithms"], None).await?;
        Ok(list::<Named>(&self.api, body, "algorithms")?
            .iter()
            .filter_map(|a| parse::algorithm(&a.name))
            .collect())
    }

    async fn list_balancers(&self, page: PageRequest) -> Result<Page<LoadBalancer>> {
        let query = page.marker_query(PAGE_SIZE, PAGE_SIZE);
        let body = self
            .api
            .get_query(&["loadbalancers"], &query.pairs(), None)
            .await?;
        let all: Vec<LoadBalancer> = list::<WireBalancer>(&self.api, body, "loadBalancers")?
            .into_iter()
            .map(WireBalancer::balancer)
            .collect();
        // A server that ignores `limit` (mimic) sends everything at once.
        let next = query.next(&all, |b| &b.id);
        let live = all
            .into_iter()
            .filter(|b| b.state != BalancerState::Deleted)
            .collect();
        Ok(Page::new(live, next))
    }

    async fn get_balancer(&self, id: &str) -> Result<LoadBalancer> {
        let body = self
            .api
            .get(
                &Self::path(id),
                Some(About::reading(ResourceKind::Balancer, id)),
            )
            .await?;
        let lb = self.one(body)?;
        if lb.state == BalancerState::Deleted {
            return Err(Error::not_found(ResourceKind::Balancer, id).with_provider(self.provider()));
        }
        Ok(lb)
    }

    async fn create_balancer(&self, request: &CreateBalancer) -> Result<LoadBalancer> {
        if let Some(unknown) = request
            .options
            .keys()
            .find(|k| !CREATE_BALANCER_OPTIONS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for Cloud Load Balancers (known: {})",
                CREATE_BALANCER_OPTIONS.join(", ")
            )));
        }
        let algorithm = Self::algorithm_name(request.algorithm)?;
        let mut nodes = Vec::new();
        for member in &request.members {
            nodes.push(self.node_entry(member, request.port).await?);
        }
        let vip = match (
            request.options.get("virtual_ip_id"),
            request.options.get("virtual_ip_type"),
        ) {
            (Some(id), _) => json!({ "id": id }),
            (None, Some(kind)) => json!({ "type": kind.to_ascii_uppercase() }),
            (None, None) => json!({ "type": "PUBLIC" }),
        };
        let mut lb = Map::new();
        lb.insert("name".into(), json!(request.name));
        lb.insert("port".into(), json!(request.port));
        lb.insert(
            "protocol".into(),
            json!(request.protocol.as_str().to_ascii_uppercase()),
        );
        lb.insert("algorithm".into(), json!(algorithm));
        lb.insert("virtualIps".into(), json!([vip]));
        lb.insert("nodes".into(), Value::Array(nodes));
        if let Some(timeout) = request.options.get("timeout") {
            let seconds: u32 = timeout.parse().map_err(|_| {
                Error::invalid_input(format!("timeout must be seconds, not `{timeout}`"))
            })?;
            lb.insert("timeout".into(), json!(seconds));
        }
        let answer = self
            .api
            .post(&["loadbalancers"], &json!({ "loadBalancer": lb }), None)
            .await?;
        self.one(answer.body)
    }

    async fn update_balancer(&self, id: &str, update: &UpdateBalancer) -> Result<LoadBalancer> {
        let mut lb = Map::new();
        if let Some(name) = &update.name {
            lb.insert("name".into(), json!(name));
        }
        if let Some(port) = update.port {
            lb.insert("port".into(), json!(port));
        }
        if let Some(protocol) = &update.protocol {
            lb.insert(
                "protocol".into(),
                json!(protocol.as_str().to_ascii_uppercase()),
            );
        }
        if let Some(algorithm) = update.algorithm {
            lb.insert("algorithm".into(), json!(Self::algorithm_name(algorithm)?));
        }
        let body = json!({ "loadBalancer": lb });
        let path = Self::path(id);
        while_busy(|| {
            self.api.put(
                &path,
                &body,
                Some(About::reading(ResourceKind::Balancer, id)),
            )
        })
        .await?;
        self.get_balancer(id).await
    }

    async fn destroy_balancer(&self, id: &str) -> Result<()> {
        let path = Self::path(id);
        while_busy(|| {
            self.api
                .delete(&path, Some(About::reading(ResourceKind::Balancer, id)))
        })
        .await?;
        Ok(())
    }

    async fn list_members(&self, balancer: &str) -> Result<Vec<Member>> {
        let body = self
            .api
            .get(
                &["loadbalancers", balancer, "nodes"],
                Some(About::reading(ResourceKind::Balancer, balancer)),
            )
            .await?;
        Ok(list::<WireNode>(&self.api, body, "nodes")?
            .into_iter()
            .map(WireNode::member)
            .collect())
    }

    async fn attach_member(&self, balancer: &str, member: &Member) -> Result<Member> {
        let current = self.get_balancer(balancer).await?;
        let node = self.node_entry(member, current.port).await?;
        let body = json!({ "nodes": [node] });
        let path = ["loadbalancers", balancer, "nodes"];
        let answer = while_busy(|| {
            self.api.post(
                &path,
                &body,
                Some(About::creating(ResourceKind::Balancer, balancer)),
            )
        })
        .await?;
        let created = list::<WireNode>(&self.api, answer.body, "nodes")?
            .into_iter()
            .next()
            .ok_or_else(|| self.api.malformed("no node in the answer"))?;
        let mut attached = created.member();
        attached.node_id.clone_from(&member.node_id);
        Ok(attached)
    }

    async fn detach_member(&self, balancer: &str, member_id: &str) -> Result<()> {
        let path = ["loadbalancers", balancer, "nodes", member_id];
        while_busy(|| {
            self.api
                .delete(&path, Some(About::reading(ResourceKind::Member, member_id)))
        })
        .await?;
        Ok(())
    }
}
