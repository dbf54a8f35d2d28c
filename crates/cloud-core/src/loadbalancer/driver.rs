//! The narrow interface a load-balancer provider implements.

use async_trait::async_trait;

use super::types::{Algorithm, CreateBalancer, LoadBalancer, Member, Protocol, UpdateBalancer};
use crate::capability::Capability;
use crate::error::{Error, Result};
use crate::paging::{Page, PageRequest};

/// What a load-balancer provider implements. Users call the
/// [`LoadBalancers`](super::LoadBalancers) handle, which validates requests
/// and adds `attach_compute_node` and `wait_until_running`.
///
/// Every default body answers [`Unsupported`](crate::ErrorKind::Unsupported).
///
/// ```
/// use async_trait::async_trait;
/// use cloud_core::{Algorithm, Capabilities, Capability, LoadBalancerDriver, LoadBalancers, Result};
///
/// #[derive(Debug)]
/// struct RoundRobinOnly;
///
/// impl cloud_core::Driver for RoundRobinOnly {
///     fn provider(&self) -> &str { "rr" }
///     fn capabilities(&self) -> Capabilities { Capabilities::of(&[Capability::ListAlgorithms]) }
/// }
/// #[async_trait]
/// impl LoadBalancerDriver for RoundRobinOnly {
///     async fn list_supported_algorithms(&self) -> Result<Vec<Algorithm>> {
///         Ok(vec![Algorithm::RoundRobin])
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> cloud_core::Result<()> {
/// let lb = LoadBalancers::new(RoundRobinOnly);
/// assert_eq!(lb.list_supported_algorithms().await?, vec![Algorithm::RoundRobin]);
/// # Ok(()) }
/// ```
#[async_trait]
pub trait LoadBalancerDriver: crate::Driver {
    /// The protocols a balancer can listen with.
    async fn list_protocols(&self) -> Result<Vec<Protocol>> {
        Err(Error::unsupported(
            self.provider(),
            Capability::ListProtocols,
        ))
    }

    /// The algorithms a balancer can use.
    async fn list_supported_algorithms(&self) -> Result<Vec<Algorithm>> {
        Err(Error::unsupported(
            self.provider(),
            Capability::ListAlgorithms,
        ))
    }

    /// One page of balancers.
    async fn list_balancers(&self, page: PageRequest) -> Result<Page<LoadBalancer>> {
        let _ = page;
        Err(Error::unsupported(
            self.provider(),
            Capability::ListBalancers,
        ))
    }

    /// One balancer by id.
    async fn get_balancer(&self, id: &str) -> Result<LoadBalancer> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Capability::GetBalancer))
    }

    /// Creates a balancer with its initial members.
    async fn create_balancer(&self, request: &CreateBalancer) -> Result<LoadBalancer> {
        let _ = request;
        Err(Error::unsupported(
            self.provider(),
            Capability::CreateBalancer,
        ))
    }

    /// Changes a balancer's name, port, protocol or algorithm.
    async fn update_balancer(&self, id: &str, update: &UpdateBalancer) -> Result<LoadBalancer> {
        let _ = (id, update);
        Err(Error::unsupported(
            self.provider(),
            Capability::UpdateBalancer,
        ))
    }

    /// Destroys a balancer.
    async fn destroy_balancer(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(
            self.provider(),
            Capability::DestroyBalancer,
        ))
    }

    /// The members of a balancer (a bounded list).
    async fn list_members(&self, balancer: &str) -> Result<Vec<Member>> {
        let _ = balancer;
        Err(Error::unsupported(self.provider(), Capability::ListMembers))
    }

    /// Adds a member; the result carries its provider id.
    async fn attach_member(&self, balancer: &str, member: &Member) -> Result<Member> {
        let _ = (balancer, member);
        Err(Error::unsupported(
            self.provider(),
            Capability::AttachMember,
        ))
    }

    /// Removes a member by id.
    async fn detach_member(&self, balancer: &str, member_id: &str) -> Result<()> {
        let _ = (balancer, member_id);
        Err(Error::unsupported(
            self.provider(),
            Capability::DetachMember,
        ))
    }
}
