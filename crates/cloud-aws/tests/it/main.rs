//! The crate's integration tests, one binary (linking one per file cost
//! CI more than the tests took); each module was a test file of its own.

#![allow(clippy::unwrap_used)]

mod credentials_emulator;
mod support;

mod credentials;
mod errors;
mod extras;
mod fault_proxy;
mod live;
mod multipart_failures;
mod proxy;
mod replay;
mod single_put;
mod wrong_shape;
