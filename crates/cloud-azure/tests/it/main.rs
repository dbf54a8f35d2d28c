//! The crate's integration tests, one binary; each module was a test file
//! of its own.

#![allow(clippy::unwrap_used)]

mod support;

mod fault_proxy;
mod live;
mod replay;
mod specifics;
