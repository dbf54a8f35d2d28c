//! How the PowerDNS suites get a driver: replaying recorded exchanges
//! offline, or talking to a real PowerDNS Authoritative Server on loopback
//! (`cargo xtask servers powerdns`), recording the exchanges when
//! `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cloud_core::Environment;
use cloud_core::http::RetryPolicy;
use cloud_powerdns::{PowerDns, PowerDnsBuilder};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::record::live_transport;
use cloud_testkit::replay::ReplayTransport;
use cloud_testkit::servers::live_server;

/// The API key `tests/server.sh` gives the server (scrubbed from fixtures).
pub const API_KEY: &str = "cloudtest-powerdns";

const SOURCE: &str = "PowerDNS Authoritative Server 4.7 (Debian's pdns-server with the \
    LMDB backend) on loopback, started by tests/server.sh; recorded by cargo xtask \
    fixtures record powerdns";

fn fixture_path(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/powerdns/api")
        .join(format!("{case}.json"))
}

fn scrubber() -> Scrubber {
    Scrubber::new().secret(API_KEY)
}

/// A builder with test settings for `endpoint`.
pub fn builder(endpoint: &str) -> PowerDnsBuilder {
    PowerDnsBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .api_key(API_KEY)
        .endpoint(endpoint)
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(20)),
        )
}

/// A driver replaying `fixtures/powerdns/api/<case>.json`.
pub fn replay(case: &str) -> PowerDns {
    let transport = ReplayTransport::load(&fixture_path(case), scrubber())
        .unwrap_or_else(|e| panic!("{e}; record it with `cargo xtask fixtures record powerdns`"));
    builder("http://replay.invalid")
        .transport(Arc::new(transport))
        .build()
        .unwrap()
}

/// The server's URL, or `None` (skip) when it is not running.
pub fn live_url() -> Option<String> {
    live_server("powerdns", "CLOUD_TEST_POWERDNS_URL")
}

/// A driver on the server, recording `case` when `CLOUD_FIXTURES=record`.
pub fn live(case: &str) -> Option<PowerDns> {
    let url = live_url()?;
    let transport = live_transport(fixture_path(case), SOURCE, scrubber());
    Some(builder(&url).transport(transport).build().unwrap())
}

/// The DNS conformance fixture.
pub fn dns_fixture(dns: PowerDns) -> cloud_testkit::DnsFixture {
    cloud_testkit::DnsFixture::new(cloud_core::Dns::new(dns))
        .missing_zone_id("zone-does-not-exist.example")
}
