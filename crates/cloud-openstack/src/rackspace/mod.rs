//! Rackspace's own APIs, beside the OpenStack ones it also runs: Cloud Load
//! Balancers and Cloud DNS.

pub mod clb;
pub mod dns;
