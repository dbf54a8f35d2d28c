//! The conformance suites: one per API, written once, run against every driver.
//!
//! Modelled on Go CDK's drivertest: a case exercises the portable handle the
//! way a user would, including the error paths, and checks only what the
//! driver declares; what it does not declare must answer `Unsupported`.
//!
//! The cases are test code: a panic (`unwrap`, `assert!`) is how they report
//! a failure, with the operation and the error in the message.
#![allow(clippy::unwrap_used)]

pub mod compute;
pub mod dns;
pub mod faults;
pub mod loadbalancer;
pub mod storage;
