//! How the PowerDNS suites get a driver: replaying recorded exchanges
//! offline, or talking to a real PowerDNS Authoritative Server on loopback
//! (`cargo xtask servers powerdns`), recording the exchanges when
//! `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use cloud_core::Environment;
use cloud_powerdns::{PowerDns, PowerDnsBuilder};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::recordings::{Recordings, quick_retries};

/// The API key `tests/server.sh` gives the server (scrubbed from fixtures).
pub const API_KEY: &str = "cloudtest-powerdns";

const SOURCE: &str = "PowerDNS Authoritative Server 4.7 (Debian's pdns-server with the \
    LMDB backend) on loopback, started by tests/server.sh; recorded by cargo xtask \
    fixtures record powerdns";

const RECORDINGS: Recordings = Recordings {
    folder: "powerdns/api",
    provider: "powerdns",
    server: "powerdns",
    url_var: "CLOUD_TEST_POWERDNS_URL",
    source: SOURCE,
};

fn scrubber() -> Scrubber {
    Scrubber::new().secret(API_KEY)
}

/// A builder with test settings for `endpoint`.
pub fn builder(endpoint: &str) -> PowerDnsBuilder {
    PowerDnsBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .api_key(API_KEY)
        .endpoint(endpoint)
        .retry(quick_retries())
}

/// A driver replaying `fixtures/powerdns/api/<case>.json`.
pub fn replay(case: &str) -> PowerDns {
    builder("http://replay.invalid")
        .transport(RECORDINGS.replay(case, scrubber()))
        .build()
        .unwrap()
}

/// The server's URL, or `None` (skip) when it is not running.
pub fn live_url() -> Option<String> {
    RECORDINGS.live_url()
}

/// A driver on the server, recording `case` when `CLOUD_FIXTURES=record`.
pub fn live(case: &str) -> Option<PowerDns> {
    let (url, transport) = RECORDINGS.live(case, scrubber())?;
    Some(builder(&url).transport(transport).build().unwrap())
}

/// The DNS conformance fixture.
pub fn dns_fixture(dns: PowerDns) -> cloud_testkit::DnsFixture {
    cloud_testkit::DnsFixture::new(cloud_core::Dns::new(dns))
        .missing_zone_id("zone-does-not-exist.example")
}
