//! PowerDNS for `cloud`: the Authoritative Server's HTTP API as a portable
//! DNS driver.
//!
//! PowerDNS is the DNS server many hosting platforms run themselves, so it
//! has no public endpoint: give the URL of its webserver
//! (`http://127.0.0.1:8081`) and its API key (`X-API-Key`). Zones are the
//! server's zones (`Native` by default); records are the values of its
//! record sets, each written through the zone's `PATCH`. The API answers
//! every zone at once (it has no paging), and a zone's record sets at once.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_core::{CreateZone, Dns, RecordSpec, RecordType};
//! use cloud_powerdns::PowerDnsBuilder;
//!
//! let dns = Dns::new(
//!     PowerDnsBuilder::new()
//!         .endpoint("http://127.0.0.1:8081")
//!         .api_key("secret")
//!         .build()?,
//! );
//! let zone = dns.create_zone(&CreateZone::new("example.com")).await?;
//! dns.create_record(&zone.id, &RecordSpec::new("www", RecordType::A, "192.0.2.10").ttl(300))
//!     .await?;
//! println!("{}", dns.export_zone(&zone.id).await?);
//! # Ok(()) }
//! ```

mod config;
mod dns;
mod error;

use cloud_core::{Api, Capabilities, ProviderDescription};

pub use config::{CONFIG_OPTIONS, PowerDnsBuilder};
pub use dns::PowerDns;

/// The provider name in the registry.
pub const PROVIDER: &str = "powerdns";

/// What the driver offers: every DNS operation (a zone's TTL and contact
/// live in its SOA record, which the driver rewrites).
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(Api::Dns);

/// What this provider offers, for the registry and the provider matrix.
pub const DESCRIPTION: ProviderDescription = ProviderDescription {
    name: PROVIDER,
    title: "PowerDNS Authoritative Server (HTTP API): zones, record sets as records",
    feature: "powerdns",
    compute: None,
    storage: None,
    load_balancer: None,
    dns: Some(CAPABILITIES),
    extras: &[],
    options: CONFIG_OPTIONS,
};

/// The registry's entry.
pub const ENTRY: cloud_core::provider::Provider = cloud_core::provider::Provider::new(DESCRIPTION)
    .with_dns(|config| {
        Ok(cloud_core::Dns::new(
            PowerDnsBuilder::from_config(config)?.build()?,
        ))
    });
