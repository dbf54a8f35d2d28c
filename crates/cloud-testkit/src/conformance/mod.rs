//! The conformance suites: one per API, written once, run against every driver.
//!
//! Modelled on Go CDK's drivertest: a case exercises the portable handle the
//! way a user would, including the error paths, and checks only what the
//! driver declares; what it does not declare must answer `Unsupported`.

pub mod compute;
pub mod dns;
pub mod loadbalancer;
pub mod storage;
