//! Compute Engine's network load balancing as a [`LoadBalancerDriver`], in
//! the shape Libcloud's GCE driver offers: a balancer is a regional
//! forwarding rule (an external address and port) sending to a target
//! pool of instances of the same name, judged by an HTTP health check of
//! that name when the protocol is `http`.
//!
//! A balancer's id is `region/name`. Its members are instances (network
//! load balancing forwards packets to instances, on the balancer's port),
//! so a member is `Member::node(zone/name)`. Creating makes the health
//! check, the pool and the rule in turn, each an operation waited for, and
//! deletes what it made when a later step fails; destroying removes them
//! in the reverse order. Today's proxy load balancers (HTTP(S), SSL and TCP
//! proxies over backend services and URL maps) are not covered.

pub(crate) mod wire;

use async_trait::async_trait;
use cloud_core::http::Method;
use cloud_core::http::rest::About;
use cloud_core::{
    Algorithm, Api, Capabilities, Capability, CreateBalancer, Driver, Error, LoadBalancer,
    LoadBalancerDriver, Member, Page, PageRequest, Protocol, ResourceKind, Result,
};
use serde_json::json;

use self::wire::{ForwardingRule, TargetPool};
use crate::PROVIDER;
use crate::compute::wire::AggregatedList;
use crate::compute::wire::zonal_id;
use crate::compute::{GceCompute, check_name};

/// Everything but updates: forwarding rules and target pools keep their
/// name, ports and session affinity for life.
pub const CAPABILITIES: Capabilities =
    Capabilities::all(Api::LoadBalancer).without(Capability::UpdateBalancer);

/// The options `create_balancer` takes.
const OPTIONS: &[&str] = &[
    "region",
    "health_check_path",
    "health_check_port",
    "description",
];

/// Compute Engine network load balancing.
#[derive(Debug, Clone)]
pub struct GceLoadBalancer {
    compute: GceCompute,
}

/// The region of a zone (`us-central1-a` → `us-central1`).
fn region_of(zone: &str) -> &str {
    zone.rsplit_once('-').map_or(zone, |(region, _)| region)
}

impl GceLoadBalancer {
    pub(crate) fn new(compute: GceCompute) -> Self {
        GceLoadBalancer { compute }
    }

    /// The region and name of balancer `id` (`region/name`, or a bare name
    /// in the region of the client's zone), each checked.
    fn regional<'a>(&'a self, id: &'a str) -> Result<(&'a str, &'a str)> {
        let (region, name) = match id.split_once('/') {
            Some(pair) => pair,
            None => (region_of(self.compute.default_zone()?), id),
        };
        check_name("region", region)?;
        check_name("balancer", name)?;
        Ok((region, name))
    }

    async fn rule(&self, id: &str) -> Result<ForwardingRule> {
        let (region, name) = self.regional(id)?;
        let url = self
            .compute
            .url(&["regions", region, "forwardingRules", name], &[])
            .await?;
        let about = About::reading(ResourceKind::Balancer, id);
        let rule: ForwardingRule = self
            .compute
            .get(url, Some(about), "forwarding rule")
            .await?;
        if !rule.targets_pool() {
            return Err(
                Error::not_found(ResourceKind::Balancer, id).with_message(format!(
                    "forwarding rule `{id}` does not send to a target pool (a proxy load balancer, \
                 which this driver does not cover)"
                )),
            );
        }
        Ok(rule)
    }

    async fn pool_of(&self, id: &str, rule: &ForwardingRule) -> Result<TargetPool> {
        let target = rule.target.as_deref().unwrap_or_default();
        let at = target.find("projects/").unwrap_or(0);
        let segments: Vec<&str> = target[at..].split('/').skip(2).collect();
        let url = self.compute.url(&segments, &[]).await?;
        let about = About::reading(ResourceKind::Balancer, id);
        self.compute.get(url, Some(about), "target pool").await
    }

    /// The instance URL path of a member (`Member::node(zone/name)`).
    async fn instance_path(&self, member: &Member) -> Result<String> {
        let Some(node) = member.node_id.as_deref() else {
            return Err(Error::invalid_input(
                "Compute Engine target pools balance instances: give members as \
                 Member::node(\"zone/name\"), not addresses",
            ));
        };
        let (zone, name) = match node.split_once('/') {
            Some(pair) => pair,
            None => (self.compute.default_zone()?, node),
        };
        check_name("zone", zone)?;
        check_name("instance", name)?;
        let project = self.compute.project().await?;
        Ok(format!("projects/{project}/zones/{zone}/instances/{name}"))
    }

    /// A member of a pool, from its instance URL.
    fn member(instance: &str) -> Member {
        let id = zonal_id(instance);
        Member::node(id.clone(), None).with_id(id)
    }

    /// Creates the health check, pool and rule of `request` in `region`,
    /// undoing what was made when a step fails.
    async fn build(&self, region: &str, request: &CreateBalancer) -> Result<()> {
        let name = request.name.as_str();
        let about = About::creating(ResourceKind::Balancer, name);
        let mut instances = Vec::new();
        for member in &request.members {
            instances.push(json!({"instance": self.instance_path(member).await?}));
        }
        let protocol = request.protocol.as_str();
        let checked = protocol == Protocol::HTTP.as_str();
        if checked {
            let port = match request.options.get("health_check_port") {
                Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    Error::invalid_input(format!(
                        "health_check_port `{}` is not a port",
                        cloud_core::error::quote(p)
                    ))
                })?,
                None => request.port,
            };
            let path = request
                .options
                .get("health_check_path")
                .map_or("/", String::as_str);
            let body = json!({"name": name, "port": port, "requestPath": path});
            let url = self
                .compute
                .url(&["global", "httpHealthChecks"], &[])
                .await?;
            self.compute
                .change(Method::POST, url, Some(&body), about)
                .await?;
        }
        let project = self.compute.project().await?;
        // The algorithm was checked: `source_ip`, or the pool's own spread.
        let affinity = if request.algorithm == Algorithm::SourceIp {
            "CLIENT_IP"
        } else {
            "NONE"
        };
        let mut pool = json!({"name": name, "instances": instances, "sessionAffinity": affinity});
        if checked {
            pool["healthChecks"] =
                json!([format!("projects/{project}/global/httpHealthChecks/{name}")]);
        }
        let url = self
            .compute
            .url(&["regions", region, "targetPools"], &[])
            .await?;
        if let Err(e) = self
            .compute
            .change(Method::POST, url, Some(&pool), about)
            .await
        {
            self.undo(region, name, checked, false).await;
            return Err(e);
        }
        let mut rule = json!({
            "name": name,
            "IPProtocol": if protocol == "udp" { "UDP" } else { "TCP" },
            "portRange": format!("{0}-{0}", request.port),
            "target": format!("projects/{project}/regions/{region}/targetPools/{name}"),
            "loadBalancingScheme": "EXTERNAL",
        });
        if let Some(description) = request.options.get("description") {
            rule["description"] = json!(description);
        }
        let url = self
            .compute
            .url(&["regions", region, "forwardingRules"], &[])
            .await?;
        if let Err(e) = self
            .compute
            .change(Method::POST, url, Some(&rule), about)
            .await
        {
            self.undo(region, name, checked, true).await;
            return Err(e);
        }
        Ok(())
    }

    /// Deletes the pool (when made) and health check (when made) of a
    /// balancer whose creation failed; their own failures are logged, the
    /// creation's error is what the caller sees.
    async fn undo(&self, region: &str, name: &str, checked: bool, pool: bool) {
        let about = About::reading(ResourceKind::Balancer, name);
        let made: [(bool, &[&str]); 2] = [
            (pool, &["regions", region, "targetPools", name]),
            (checked, &["global", "httpHealthChecks", name]),
        ];
        for (_, segments) in made.iter().filter(|(made, _)| *made) {
            if let Err(e) = self.compute.delete(segments, about).await {
                tracing::warn!(
                    target: "cloud_google",
                    error = %e,
                    "left behind by a failed balancer creation: {}",
                    segments.join("/")
                );
            }
        }
    }
}

impl Driver for GceLoadBalancer {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        self.compute.redactor()
    }
}

#[async_trait]
impl LoadBalancerDriver for GceLoadBalancer {
    /// TCP and UDP forwarding; `http` is TCP judged by an HTTP health check.
    async fn list_protocols(&self) -> Result<Vec<Protocol>> {
        Ok(vec![Protocol::TCP, Protocol::UDP, Protocol::HTTP])
    }

    /// A 5-tuple hash (`random`) or the client's address (`source_ip`).
    async fn list_supported_algorithms(&self) -> Result<Vec<Algorithm>> {
        Ok(vec![Algorithm::Random, Algorithm::SourceIp])
    }

    /// Every region's forwarding rules to target pools, each with its pool
    /// (read in one aggregated list per page).
    async fn list_balancers(&self, page: PageRequest) -> Result<Page<LoadBalancer>> {
        let rules: AggregatedList = self
            .compute
            .list_page(
                None,
                &["aggregated", "forwardingRules"],
                &page,
                "forwarding rules",
            )
            .await?;
        let mut pools = Vec::new();
        let mut pool_page = PageRequest::first();
        loop {
            let list: AggregatedList = self
                .compute
                .list_page(
                    None,
                    &["aggregated", "targetPools"],
                    &pool_page,
                    "target pools",
                )
                .await?;
            pools.extend(list.items.into_values().flat_map(|s| s.target_pools));
            match list.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => pool_page = pool_page.after(Some(next)),
                None => break,
            }
        }
        let balancers = rules
            .items
            .values()
            .flat_map(|s| s.forwarding_rules.iter())
            .filter(|r| r.targets_pool())
            .map(|r| {
                let pool = pools
                    .iter()
                    .find(|p| Some(&p.self_link) == r.target.as_ref());
                r.balancer(pool)
            })
            .collect();
        Ok(Page::new(
            balancers,
            rules.next_page_token.filter(|t| !t.is_empty()),
        ))
    }

    async fn get_balancer(&self, id: &str) -> Result<LoadBalancer> {
        let rule = self.rule(id).await?;
        let pool = self.pool_of(id, &rule).await?;
        Ok(rule.balancer(Some(&pool)))
    }

    /// Options: `region` (default: the client's zone's), `health_check_path`
    /// and `health_check_port` (for `http`), `description`.
    async fn create_balancer(&self, request: &CreateBalancer) -> Result<LoadBalancer> {
        if let Some(unknown) = request
            .options
            .keys()
            .find(|k| !OPTIONS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for Compute Engine balancers (known: {})",
                OPTIONS.join(", ")
            )));
        }
        check_name("balancer", &request.name)?;
        if request.port == 0 {
            return Err(Error::invalid_input("port must be between 1 and 65535"));
        }
        if !matches!(request.protocol.as_str(), "tcp" | "udp" | "http") {
            return Err(Error::invalid_input(format!(
                "Compute Engine network load balancing forwards tcp and udp (http: tcp with an \
                 HTTP health check), not {}; HTTPS and SSL go through proxy load balancers, \
                 which this driver does not cover",
                request.protocol
            )));
        }
        // Round robin, the portable default, is taken as the pool's own
        // spread (a 5-tuple hash): Compute Engine has no round robin.
        if !matches!(
            request.algorithm,
            Algorithm::RoundRobin | Algorithm::Random | Algorithm::SourceIp
        ) {
            return Err(Error::invalid_input(format!(
                "Compute Engine target pools spread connections by a 5-tuple hash (random; \
                 round_robin, the default, is taken as it) or the client's address \
                 (source_ip), not {}",
                request.algorithm
            )));
        }
        for member in &request.members {
            self.instance_path(member).await?;
            if member.port.is_some_and(|p| p != request.port) {
                return Err(Error::invalid_input(
                    "network load balancing sends to the balancer's port on each instance; a \
                     member cannot have a port of its own",
                ));
            }
        }
        let region = match request.options.get("region") {
            Some(region) => region.as_str(),
            None => region_of(self.compute.default_zone()?),
        };
        check_name("region", region)?;
        self.build(region, request).await?;
        self.get_balancer(&format!("{region}/{}", request.name))
            .await
    }

    /// Deletes the forwarding rule, then the pool, then the health check
    /// made with it (one named like the balancer; shared ones stay).
    async fn destroy_balancer(&self, id: &str) -> Result<()> {
        let rule = self.rule(id).await?;
        let pool = self.pool_of(id, &rule).await?;
        let (region, name) = self.regional(id)?;
        let about = About::reading(ResourceKind::Balancer, id);
        self.compute
            .delete(&["regions", region, "forwardingRules", name], about)
            .await?;
        self.compute
            .delete(&["regions", region, "targetPools", &pool.name], about)
            .await?;
        for check in &pool.health_checks {
            let check = crate::compute::wire::last_segment(check);
            if check == name {
                self.compute
                    .delete(&["global", "httpHealthChecks", check], about)
                    .await?;
            }
        }
        Ok(())
    }

    async fn list_members(&self, balancer: &str) -> Result<Vec<Member>> {
        let rule = self.rule(balancer).await?;
        let pool = self.pool_of(balancer, &rule).await?;
        Ok(pool.instances.iter().map(|i| Self::member(i)).collect())
    }

    async fn attach_member(&self, balancer: &str, member: &Member) -> Result<Member> {
        let path = self.instance_path(member).await?;
        let rule = self.rule(balancer).await?;
        let pool = self.pool_of(balancer, &rule).await?;
        let (region, _) = self.regional(balancer)?;
        let url = self
            .compute
            .url(
                &["regions", region, "targetPools", &pool.name, "addInstance"],
                &[],
            )
            .await?;
        let body = json!({"instances": [{"instance": path}]});
        let about = About::reading(ResourceKind::Balancer, balancer);
        self.compute
            .change(Method::POST, url, Some(&body), about)
            .await?;
        Ok(Self::member(&path))
    }

    async fn detach_member(&self, balancer: &str, member_id: &str) -> Result<()> {
        let rule = self.rule(balancer).await?;
        let pool = self.pool_of(balancer, &rule).await?;
        let Some(instance) = pool.instances.iter().find(|i| zonal_id(i) == member_id) else {
            return Err(Error::not_found(ResourceKind::Member, member_id));
        };
        let (region, _) = self.regional(balancer)?;
        let url = self
            .compute
            .url(
                &[
                    "regions",
                    region,
                    "targetPools",
                    &pool.name,
                    "removeInstance",
                ],
                &[],
            )
            .await?;
        let body = json!({"instances": [{"instance": instance}]});
        let about = About::reading(ResourceKind::Balancer, balancer);
        self.compute
            .change(Method::POST, url, Some(&body), about)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_of_zones() {
        assert_eq!(region_of("us-central1-a"), "us-central1");
        assert_eq!(region_of("europe-west1-b"), "europe-west1");
    }
}
