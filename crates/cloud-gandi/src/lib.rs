//! Gandi for `cloud`: LiveDNS (the v5 REST API) as a portable DNS driver.
//!
//! Zones are the domains LiveDNS serves (a zone's id is its domain name),
//! records are the values of LiveDNS's record sets, and zone snapshots,
//! automatic snapshots and name servers are extras on [`GandiDns`].
//! Authentication is a personal access token (or Gandi's deprecated API
//! key).
//!
//! Gandi's cloud servers (GandiCloud VPS) are not here: they are said to run
//! on OpenStack, but no Gandi documentation reachable while this crate was
//! written gives the Keystone endpoint, regions or login a preset of the
//! OpenStack crate would need, so none is offered (docs/gandi.md).
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_core::{Dns, RecordSpec, RecordType};
//! use cloud_gandi::GandiBuilder;
//!
//! // The token from GANDI_PERSONAL_ACCESS_TOKEN, or given here.
//! let dns = Dns::new(GandiBuilder::new().build()?);
//! let record = dns
//!     .create_record("example.com", &RecordSpec::new("www", RecordType::A, "192.0.2.10").ttl(300))
//!     .await?;
//! println!("{}", record.id);
//! # Ok(()) }
//! ```

mod config;
mod error;
pub mod livedns;

use cloud_core::{Api, ExtraOperation, ProviderDescription};

pub use config::{CONFIG_OPTIONS, DEFAULT_ENDPOINT, GandiBuilder};
pub use livedns::{GandiDns, RECORD_TYPES, Snapshot};

/// The provider name in the registry.
pub const PROVIDER: &str = "gandi";

/// What this provider offers, for the registry and the provider matrix.
pub const DESCRIPTION: ProviderDescription = ProviderDescription {
    name: PROVIDER,
    title: "Gandi LiveDNS (v5): domains as zones, record sets as records",
    feature: "gandi",
    compute: None,
    storage: None,
    load_balancer: None,
    dns: Some(livedns::CAPABILITIES),
    extras: &[
        ExtraOperation {
            api: Api::Dns,
            name: "ex_list_snapshots",
            description: "Lists a zone's snapshots",
        },
        ExtraOperation {
            api: Api::Dns,
            name: "ex_create_snapshot",
            description: "Takes a snapshot of a zone",
        },
        ExtraOperation {
            api: Api::Dns,
            name: "ex_get_snapshot",
            description: "Reads one snapshot with its records",
        },
        ExtraOperation {
            api: Api::Dns,
            name: "ex_delete_snapshot",
            description: "Deletes a snapshot",
        },
        ExtraOperation {
            api: Api::Dns,
            name: "ex_set_automatic_snapshots",
            description: "Turns snapshots before each change on or off",
        },
        ExtraOperation {
            api: Api::Dns,
            name: "ex_nameservers",
            description: "The name servers a zone is served from",
        },
    ],
    options: CONFIG_OPTIONS,
};

/// The registry's entry.
pub const ENTRY: cloud_core::provider::Provider = cloud_core::provider::Provider::new(DESCRIPTION)
    .with_dns(|c| Ok(cloud_core::Dns::new(GandiBuilder::from_config(c)?.build()?)));
