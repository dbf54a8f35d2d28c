//! The crate's integration tests, one binary (linking one per file cost
//! CI more than the tests took); each module was a test file of its own.

#![allow(clippy::unwrap_used)]

mod support;

mod compute_live;
mod compute_replay;
mod dns_live;
mod dns_replay;
mod lb_live;
mod lb_replay;
mod live;
mod replay;
mod storage_servers;
mod token_exchange;
