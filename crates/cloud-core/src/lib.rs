//! The core of `cloud`: one async interface over many cloud providers.
//!
//! This crate holds what every provider shares and nothing provider-specific:
//!
//! - the portable types and handles of the four APIs: [`Compute`],
//!   [`Storage`], [`LoadBalancers`] and [`Dns`], each over a narrow driver
//!   trait ([`ComputeDriver`], [`StorageDriver`], [`LoadBalancerDriver`],
//!   [`DnsDriver`]) that provider crates implement;
//! - [`Capabilities`], which every driver declares and which the provider
//!   matrix is generated from;
//! - one [`Error`] type whose [`ErrorKind`] callers match on;
//! - [`Secret`], which never prints, and [`credential`]: credentials that
//!   expire, cached and renewed ahead of expiry;
//! - behind the `http` feature, the shared HTTP machinery ([`http`]):
//!   transport, retries with backoff, timeouts, body streaming.
//!
//! Each API is a feature (`storage`, `compute`, `loadbalancer`, `dns`, all
//! on by default); provider crates enable only the APIs they implement.
//!
//! Users hold handles; drivers stay narrow. A new convenience on a handle
//! never breaks a driver, and a driver can never be called for an operation
//! it did not declare.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_core::{ErrorKind, Storage};
//! # #[derive(Debug)] struct Nothing;
//! # impl cloud_core::Driver for Nothing {
//! #     fn provider(&self) -> &str { "nothing" }
//! #     fn capabilities(&self) -> cloud_core::Capabilities { cloud_core::Capabilities::NONE }
//! # }
//! # #[async_trait::async_trait]
//! # impl cloud_core::StorageDriver for Nothing {
//! # }
//! # let driver = Nothing;
//! let storage = Storage::new(driver);
//! match storage.create_container("bad/name").await {
//!     Err(e) if *e.kind() == ErrorKind::InvalidInput => {} // refused before any request
//!     other => panic!("{other:?}"),
//! }
//! # Ok(()) }
//! ```

pub mod byte_stream;
pub mod capability;
pub mod cleanup;
#[cfg(feature = "compute")]
pub mod compute;
pub mod config;
pub mod credential;
#[cfg(feature = "dns")]
pub mod dns;
pub mod driver;
pub mod error;
#[cfg(feature = "loadbalancer")]
pub mod loadbalancer;
pub mod markup;
pub mod paging;
pub mod poll;
pub mod provider;
pub mod secret;
pub mod staging;
#[cfg(feature = "storage")]
pub mod storage;
pub mod time;
pub mod unique;
pub mod url;

#[cfg(feature = "http")]
pub mod http;

#[cfg(any(
    feature = "storage",
    feature = "compute",
    feature = "loadbalancer",
    feature = "dns"
))]
mod invoke;

#[cfg(any(
    feature = "storage",
    feature = "compute",
    feature = "loadbalancer",
    feature = "dns"
))]
mod handle;
#[cfg(any(
    feature = "storage",
    feature = "compute",
    feature = "loadbalancer",
    feature = "dns"
))]
pub use handle::Handle;

/// Provider-specific attributes of a resource (Libcloud's `extra`).
pub type Extra = std::collections::BTreeMap<String, serde_json::Value>;

pub use self::url::Url;
pub use byte_stream::ByteStream;
pub use capability::{Api, Capabilities, Capability, ExtraOperation, ProviderDescription};
#[cfg(feature = "compute")]
pub use compute::{
    Compute, ComputeDriver, CreateNode, CreateVolume, KeyPair, Node, NodeAuth, NodeImage,
    NodeLocation, NodeSize, NodeState, SnapshotState, StorageVolume, VolumeSnapshot, VolumeState,
};
pub use config::{ConfigOption, Environment, ProviderConfig};
#[cfg(feature = "dns")]
pub use dns::{
    CreateZone, Dns, DnsDriver, Record, RecordSpec, RecordType, UpdateZone, Zone, ZoneType,
};
pub use driver::Driver;
pub use error::{BoxError, Error, ErrorKind, ResourceKind, Result};
#[cfg(feature = "loadbalancer")]
pub use loadbalancer::{
    Algorithm, BalancerState, CreateBalancer, LoadBalancer, LoadBalancerDriver, LoadBalancers,
    Member, Protocol, UpdateBalancer,
};
pub use paging::{ListStream, Page, PageRequest, paginate};
pub use secret::Secret;
#[cfg(feature = "storage")]
pub use storage::{
    ByteRange, Container, Download, DownloadOptions, ListEntry, ListObjectsRequest, ListOptions,
    Object, PendingUpload, Storage, StorageDriver, UploadOptions, UrlMethod, WriteCondition,
};

/// Re-exported so drivers and users name the same versions.
pub use async_trait::async_trait;
pub use bytes::Bytes;

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}

    #[test]
    fn handles_are_send_sync_and_cheap_to_clone() {
        #[cfg(feature = "compute")]
        assert_send_sync::<crate::Compute>();
        #[cfg(feature = "storage")]
        assert_send_sync::<crate::Storage>();
        #[cfg(feature = "loadbalancer")]
        assert_send_sync::<crate::LoadBalancers>();
        #[cfg(feature = "dns")]
        assert_send_sync::<crate::Dns>();
        assert_send_sync::<crate::ProviderConfig>();
        #[cfg(feature = "http")]
        assert_send_sync::<crate::http::HttpClient>();
    }
}
