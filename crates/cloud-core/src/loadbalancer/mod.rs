//! Load balancers: balancers, members, algorithms and protocols.

mod driver;
mod handle;
mod types;

pub use driver::LoadBalancerDriver;
pub use handle::LoadBalancers;
pub use types::{
    Algorithm, BalancerState, CreateBalancer, LoadBalancer, Member, Protocol, UpdateBalancer,
};
