//! The portable load-balancer handle users hold.

use std::sync::Arc;
use std::time::Duration;

use super::driver::LoadBalancerDriver;
use super::types::{
    Algorithm, BalancerState, CreateBalancer, LoadBalancer, Member, Protocol, UpdateBalancer,
};
use crate::capability::Capability;
#[cfg(feature = "compute")]
use crate::compute::Node;
use crate::error::{Error, ErrorKind, Result};
use crate::handle::call;
use crate::invoke::{check_id, list_pages};
use crate::paging::{ListStream, collect_all};
use crate::poll::{ChangeWait, Poll, poll_until};

/// A load-balancer service: any provider, one interface.
pub type LoadBalancers = crate::Handle<dyn LoadBalancerDriver>;

impl LoadBalancers {
    /// Wraps a driver.
    pub fn new(driver: impl LoadBalancerDriver + 'static) -> Self {
        Self::from_arc(Arc::new(driver))
    }

    /// The protocols a balancer can listen with.
    pub async fn list_protocols(&self) -> Result<Vec<Protocol>> {
        call!(self, ListProtocols, self.driver.list_protocols())
    }

    /// The algorithms a balancer can use.
    pub async fn list_supported_algorithms(&self) -> Result<Vec<Algorithm>> {
        call!(
            self,
            ListAlgorithms,
            self.driver.list_supported_algorithms()
        )
    }

    /// Every balancer, fetched page by page.
    pub fn list_balancers(&self) -> ListStream<LoadBalancer> {
        list_pages(
            self.driver.clone(),
            Capability::ListBalancers,
            self.page_size,
            |d, req| async move { d.list_balancers(req).await },
        )
    }

    /// Every balancer, collected.
    pub async fn list_balancers_vec(&self) -> Result<Vec<LoadBalancer>> {
        collect_all(self.list_balancers()).await
    }

    /// One balancer by id.
    pub async fn get_balancer(&self, id: &str) -> Result<LoadBalancer> {
        check_id("balancer id", id)?;
        call!(self, GetBalancer, self.driver.get_balancer(id))
    }

    /// Creates a balancer.
    pub async fn create_balancer(&self, request: &CreateBalancer) -> Result<LoadBalancer> {
        check_id("balancer name", &request.name)?;
        check_port(request.port)?;
        for member in &request.members {
            check_member(member)?;
        }
        call!(self, CreateBalancer, self.driver.create_balancer(request))
    }

    /// Changes a balancer.
    pub async fn update_balancer(&self, id: &str, update: &UpdateBalancer) -> Result<LoadBalancer> {
        check_id("balancer id", id)?;
        if update.is_empty() {
            return Err(Error::invalid_input("the update changes nothing"));
        }
        if let Some(name) = &update.name {
            check_id("balancer name", name)?;
        }
        if let Some(port) = update.port {
            check_port(port)?;
        }
        call!(
            self,
            UpdateBalancer,
            self.driver.update_balancer(id, update)
        )
    }

    /// Destroys a balancer.
    pub async fn destroy_balancer(&self, id: &str) -> Result<()> {
        check_id("balancer id", id)?;
        call!(self, DestroyBalancer, self.driver.destroy_balancer(id))
    }

    /// The members of a balancer.
    pub async fn list_members(&self, balancer: &str) -> Result<Vec<Member>> {
        check_id("balancer id", balancer)?;
        call!(self, ListMembers, self.driver.list_members(balancer))
    }

    /// Adds a member.
    pub async fn attach_member(&self, balancer: &str, member: &Member) -> Result<Member> {
        check_id("balancer id", balancer)?;
        check_member(member)?;
        call!(
            self,
            AttachMember,
            self.driver.attach_member(balancer, member)
        )
    }

    /// Adds a compute node as a member: by node id where the provider
    /// balances nodes (EC2), otherwise by its first public, then private, address.
    /// (With the `compute` feature.)
    #[cfg(feature = "compute")]
    pub async fn attach_compute_node(
        &self,
        balancer: &str,
        node: &Node,
        port: u16,
    ) -> Result<Member> {
        check_port(port)?;
        let ip = node
            .public_ips
            .first()
            .or(node.private_ips.first())
            .copied();
        let mut member = match ip {
            Some(ip) => Member::ip(ip, port),
            None => Member::node(node.id.clone(), Some(port)),
        };
        member.node_id = Some(node.id.clone());
        self.attach_member(balancer, &member).await
    }

    /// Removes a member.
    pub async fn detach_member(&self, balancer: &str, member_id: &str) -> Result<()> {
        check_id("balancer id", balancer)?;
        check_id("member id", member_id)?;
        call!(
            self,
            DetachMember,
            self.driver.detach_member(balancer, member_id)
        )
    }

    /// Polls until the balancer is running, and returns it. Fails with
    /// [`ErrorKind::Timeout`] when `timeout` passes, and at once if the
    /// balancer reaches an error or deleted state.
    pub async fn wait_until_running(
        &self,
        id: &str,
        timeout: Duration,
        poll_interval: Duration,
    ) -> Result<LoadBalancer> {
        let wait = ChangeWait::new(poll_interval, timeout).with_max_interval(poll_interval);
        let what = format!("balancer `{}` to run", crate::error::quote(id));
        poll_until(wait, &what, || async {
            let balancer = self.get_balancer(id).await?;
            match balancer.state {
                BalancerState::Running => Ok(Poll::Done(balancer)),
                BalancerState::Error | BalancerState::Deleted => Err(Error::new(
                    ErrorKind::Provider,
                    format!(
                        "balancer `{id}` entered state {} while waiting for it to run",
                        balancer.state
                    ),
                )),
                state => Ok(Poll::Pending(format!("it is {state}"))),
            }
        })
        .await
        .map_err(|e| e.with_provider(self.provider()))
    }
}

fn check_port(port: u16) -> Result<()> {
    if port == 0 {
        return Err(Error::invalid_input("port must be between 1 and 65535"));
    }
    Ok(())
}

fn check_member(member: &Member) -> Result<()> {
    if member.ip.is_none() && member.node_id.is_none() {
        return Err(Error::invalid_input(
            "a member needs an address or a node id",
        ));
    }
    if let Some(port) = member.port {
        check_port(port)?;
    }
    if let Some(node) = &member.node_id {
        check_id("member node id", node)?;
    }
    Ok(())
}
