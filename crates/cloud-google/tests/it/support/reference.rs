//! How the suites of the APIs without a local server (Cloud DNS, Compute
//! Engine)
//! get a client: on the Google reference emulator
//! (`xtask/emulators/google_reference.py`), signed in with the test
//! service account through the emulator's token endpoint, recording the
//! API exchanges when `CLOUD_FIXTURES=record`; or replaying them offline.
//!
//! The token exchange itself is never recorded (its signed assertion
//! differs on every run): it goes to the emulator live, and on replay a
//! stand-in answers it with a token, as the emulator would.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cloud_core::Environment;
use cloud_core::http::{
    Body, HyperTransport, Request, Response, ResponseBody, TlsOptions, Transport,
};
use cloud_core::poll::ChangeWait;
use cloud_google::{Google, GoogleBuilder, GoogleCredentials};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::recordings::{Recordings, quick_retries};

use super::PROJECT;

const SOURCE: &str = "the Google reference emulator (xtask/emulators/google_reference.py, \
    written from Google's API references and checked against the answers recorded in \
    Apache Libcloud's Google fixtures), recorded by cargo xtask fixtures record google";

/// Cloud DNS's recordings.
pub const DNS: Recordings = Recordings {
    folder: "google/dns",
    provider: "google",
    server: "google-reference",
    url_var: "CLOUD_TEST_GOOGLE_REFERENCE_URL",
    source: SOURCE,
};

/// Compute Engine's recordings.
pub const COMPUTE: Recordings = Recordings {
    folder: "google/compute",
    ..DNS
};

/// Network load balancing's recordings.
pub const LOAD_BALANCING: Recordings = Recordings {
    folder: "google/lb",
    ..DNS
};

/// The zone the compute suites work in.
pub const ZONE: &str = "us-central1-a";

/// Sends token requests (`POST /token`) to `tokens` and the rest to `apis`.
#[derive(Debug)]
struct TokenSplit {
    tokens: Arc<dyn Transport>,
    apis: Arc<dyn Transport>,
}

#[async_trait]
impl Transport for TokenSplit {
    async fn send(&self, request: Request<Body>) -> cloud_core::Result<Response<ResponseBody>> {
        if request.uri().path() == "/token" {
            self.tokens.send(request).await
        } else {
            self.apis.send(request).await
        }
    }
}

/// Grants every token request, standing in for the emulator on replay.
#[derive(Debug)]
struct GrantingTokens;

#[async_trait]
impl Transport for GrantingTokens {
    async fn send(&self, _request: Request<Body>) -> cloud_core::Result<Response<ResponseBody>> {
        let body =
            r#"{"access_token": "ya29.replayed", "expires_in": 3599, "token_type": "Bearer"}"#;
        Ok(Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(ResponseBody::from_bytes(cloud_core::Bytes::from_static(
                body.as_bytes(),
            )))
            .unwrap())
    }
}

/// The test service account, its token URI at `base`.
fn credentials(base: &str) -> GoogleCredentials {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/service-account.json"
    );
    let mut key: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    key["token_uri"] = format!("{base}/token").into();
    GoogleCredentials::from_json(&key.to_string(), "the test key").unwrap()
}

/// Quick looks at pending changes: the emulator finishes one on its
/// second look, so every wait polls at least once.
pub fn quick_wait() -> ChangeWait {
    ChangeWait::new(Duration::from_millis(10), Duration::from_secs(10))
}

/// A client of the emulator (or its stand-in) at `base`, over `transport`.
fn client(base: &str, transport: Arc<dyn Transport>) -> Google {
    GoogleBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials(credentials(base))
        .project(PROJECT)
        .endpoint(base)
        .dns_change_wait(quick_wait())
        .operation_wait(quick_wait())
        .zone(ZONE)
        .retry(quick_retries())
        .transport(transport)
        .build()
        .unwrap()
}

/// A client replaying `recordings`' `case`.
pub fn replay(recordings: &Recordings, case: &str) -> Google {
    let transport = Arc::new(TokenSplit {
        tokens: Arc::new(GrantingTokens),
        apis: recordings.replay(case, Scrubber::new()),
    });
    client("http://replay.invalid", transport)
}

/// [`replay`] matching requests whatever their `param` query parameter
/// (one a live run makes unique, as an idempotency token's `requestId`).
pub fn replay_ignoring(recordings: &Recordings, case: &str, param: &str) -> Google {
    let replayed =
        cloud_testkit::replay::ReplayTransport::load(&recordings.path(case), Scrubber::new())
            .unwrap_or_else(|e| panic!("{e}; record it with `cargo xtask fixtures record google`"))
            .ignore_query_param(param);
    let transport = Arc::new(TokenSplit {
        tokens: Arc::new(GrantingTokens),
        apis: Arc::new(replayed),
    });
    client("http://replay.invalid", transport)
}

/// The emulator's URL, or `None` (skip) when it is not running.
pub fn live_url(recordings: &Recordings) -> Option<String> {
    recordings.live_url()
}

fn plain_transport() -> Arc<dyn Transport> {
    Arc::new(HyperTransport::new(Duration::from_secs(5), &TlsOptions::new()).unwrap())
}

/// A client of the emulator, recording `case` when `CLOUD_FIXTURES=record`.
pub fn live(recordings: &Recordings, case: &str) -> Option<Google> {
    let (url, apis) = recordings.live(case, Scrubber::new())?;
    let tokens = plain_transport();
    Some(client(&url, Arc::new(TokenSplit { tokens, apis })))
}

/// A client of the emulator that records nothing (tests whose exchanges
/// depend on timing).
pub fn unrecorded(recordings: &Recordings) -> Option<Google> {
    let url = recordings.live_url()?;
    Some(client(&url, plain_transport()))
}

/// The compute conformance fixture: small instances of Debian 12 (an
/// image family, resolved by Compute Engine).
pub fn compute_fixture(google: &Google) -> cloud_testkit::ComputeFixture {
    cloud_testkit::ComputeFixture::new(cloud_core::Compute::new(google.compute()))
        .node_template(
            "e2-micro",
            "projects/debian-cloud/global/images/family/debian-12",
        )
        .missing_node_id(format!("{ZONE}/node-does-not-exist"))
        .timing(Duration::from_secs(10), Duration::from_millis(10))
}

/// The load-balancer conformance fixture: its members are three
/// instances (target pools balance instances), made first when missing.
pub async fn lb_fixture(google: &Google) -> cloud_testkit::LoadBalancerFixture {
    let compute = cloud_core::Compute::new(google.compute());
    let mut members = Vec::new();
    for i in 0..3 {
        let name = format!("ct-lb-{i}");
        let image = "projects/debian-cloud/global/images/family/debian-12";
        match compute
            .create_node(&cloud_core::CreateNode::new(&name, "e2-micro", image))
            .await
        {
            Ok(_) => {}
            Err(e) if matches!(e.kind(), cloud_core::ErrorKind::AlreadyExists { .. }) => {}
            Err(e) => panic!("member {name}: {e}"),
        }
        members.push(cloud_core::Member::node(format!("{ZONE}/{name}"), None));
    }
    let mut fixture = cloud_testkit::LoadBalancerFixture::new(cloud_core::LoadBalancers::new(
        google.load_balancer(),
    ))
    .members(members)
    .missing_balancer_id("us-central1/balancer-does-not-exist");
    fixture.ready_timeout = Duration::from_secs(10);
    fixture.poll_interval = Duration::from_millis(10);
    fixture
}

/// The DNS conformance fixture.
pub fn dns_fixture(google: &Google) -> cloud_testkit::DnsFixture {
    cloud_testkit::DnsFixture::new(cloud_core::Dns::new(google.dns()))
}
