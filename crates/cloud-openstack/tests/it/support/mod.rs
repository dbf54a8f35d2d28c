//! How the OpenStack test suites get a client: replaying recorded exchanges
//! offline, or talking to a live local server (Swift, Keystone, mimic),
//! recording the exchanges when `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cloud_core::Url;
use cloud_core::http::{HttpClient, HyperTransport, RetryPolicy, TlsOptions, Transport};
use cloud_core::{Environment, Secret};
use cloud_openstack::{Auth, ChangeWait, OpenStack, OpenStackBuilder, Scope, SloConfig};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::record::RecordingTransport;
use cloud_testkit::replay::ReplayTransport;
use cloud_testkit::servers::live_server;

/// The local servers the OpenStack suites run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// Swift with tempauth (v1.0).
    Swift,
    /// Keystone v3.
    Keystone,
    /// mimic: Rackspace identity v2.0, Cloud Servers, Cloud Load Balancers.
    Mimic,
    /// The reference emulator (`xtask/emulators/openstack_reference.py`)
    /// logged in to with Keystone v3: Designate, Octavia.
    ReferenceOpenStack,
    /// The reference emulator logged in to with a Rackspace API key: Cloud DNS.
    ReferenceRackspace,
}

/// The Rackspace user mimic is asked for (it accepts any).
pub const MIMIC_USER: &str = "cloudtest";
/// Its API key (mimic does not check it; still scrubbed from fixtures).
pub const MIMIC_API_KEY: &str = "cloudtest-api-key";
/// The reference emulator's user, password and API key.
pub const REFERENCE_USER: &str = "cloudtest";
pub const REFERENCE_PASSWORD: &str = "cloudtest-reference";
pub const REFERENCE_API_KEY: &str = "cloudtest-reference-key";

/// The subnet Octavia balancers take their address from.
pub const REFERENCE_SUBNET: &str = "f9a5c8e2-0000-4000-8000-000000000001";

/// The temp-URL key the Swift suite sets on its account.
pub const TEMP_URL_KEY: &str = "cloudtest-temp-url-key";

impl Server {
    pub fn name(self) -> &'static str {
        match self {
            Server::Swift => "swift",
            Server::Keystone => "keystone",
            Server::Mimic => "mimic",
            Server::ReferenceOpenStack | Server::ReferenceRackspace => "reference",
        }
    }

    fn env_var(self) -> &'static str {
        match self {
            Server::Swift => "CLOUD_TEST_SWIFT_URL",
            Server::Keystone => "CLOUD_TEST_KEYSTONE_URL",
            Server::Mimic => "CLOUD_TEST_MIMIC_URL",
            Server::ReferenceOpenStack | Server::ReferenceRackspace => "CLOUD_TEST_REFERENCE_URL",
        }
    }

    /// The identity path under the server's URL (the reference emulator
    /// serves both Keystone versions).
    fn identity_path(self) -> Option<&'static str> {
        match self {
            Server::ReferenceOpenStack => Some("identity/v3"),
            Server::ReferenceRackspace => Some("identity/v2.0"),
            _ => None,
        }
    }

    /// The identity path the replay addresses (the recorded host is not kept).
    fn replay_url(self) -> Url {
        let path = match self {
            Server::Swift => "auth/v1.0",
            Server::Keystone => "v3",
            Server::Mimic | Server::ReferenceRackspace => "identity/v2.0",
            Server::ReferenceOpenStack => "identity/v3",
        };
        Url::parse(&format!("http://replay.invalid/{path}")).unwrap()
    }

    fn password(self) -> String {
        match self {
            Server::Swift => "testing".into(),
            Server::Keystone => std::env::var("CLOUD_TEST_KEYSTONE_PASSWORD")
                .unwrap_or_else(|_| "cloudtest-admin".into()),
            Server::Mimic => MIMIC_API_KEY.into(),
            Server::ReferenceOpenStack => REFERENCE_PASSWORD.into(),
            Server::ReferenceRackspace => REFERENCE_API_KEY.into(),
        }
    }

    /// How the server is logged in to.
    pub fn auth(self, url: Url) -> Auth {
        match self {
            Server::Swift => Auth::V1 {
                url,
                user: "test:tester".into(),
                key: Secret::new(self.password()),
            },
            Server::Keystone => Auth::V3Password {
                url,
                user: "admin".into(),
                user_is_id: false,
                user_domain: None,
                password: Secret::new(self.password()),
                scope: Scope::project("admin", None),
            },
            Server::Mimic => Auth::V2ApiKey {
                url,
                username: MIMIC_USER.into(),
                api_key: Secret::new(self.password()),
            },
            Server::ReferenceOpenStack => Auth::V3Password {
                url,
                user: REFERENCE_USER.into(),
                user_is_id: false,
                user_domain: None,
                password: Secret::new(self.password()),
                scope: Scope::project(REFERENCE_USER, None),
            },
            Server::ReferenceRackspace => Auth::V2ApiKey {
                url,
                username: REFERENCE_USER.into(),
                api_key: Secret::new(self.password()),
            },
        }
    }

    fn builder(self) -> OpenStackBuilder {
        match self {
            // ORD: the one region where mimic offers every service.
            Server::Mimic => OpenStackBuilder::rackspace().region("ORD"),
            Server::ReferenceRackspace => OpenStackBuilder::rackspace(),
            Server::ReferenceOpenStack => {
                OpenStackBuilder::openstack().vip_subnet_id(REFERENCE_SUBNET)
            }
            _ => OpenStackBuilder::openstack(),
        }
    }
}

/// Small segments, so SLO uploads are exercised by test-sized objects.
pub fn small_segments() -> SloConfig {
    SloConfig {
        threshold: 256 * 1024,
        segment_size: 64 * 1024,
        concurrency: 3,
    }
}

fn fixture_path(server: Server, api: &str, case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/openstack")
        .join(server.name())
        .join(api)
        .join(format!("{case}.json"))
}

/// Where a recording says it came from.
fn source(server: Server) -> String {
    match server {
        Server::ReferenceOpenStack | Server::ReferenceRackspace => "the reference emulator \
            xtask/emulators/openstack_reference.py, written from the public API references; \
            not a real cloud (recorded by cargo xtask fixtures record openstack)"
            .into(),
        _ => format!(
            "{} at 127.0.0.1 (recorded by cargo xtask fixtures record openstack)",
            server.name()
        ),
    }
}

fn scrubber(server: Server) -> Scrubber {
    let scrubber = Scrubber::new().match_header("x-account-meta-temp-url-key");
    match server {
        // `testing` is also an ordinary word; tempauth's key travels in a
        // header that is always redacted.
        Server::Swift => scrubber,
        _ => scrubber.secret(server.password()),
    }
}

/// A builder for `server` at `url`, with test-friendly settings and
/// generated names that start with `case`.
pub fn base(server: Server, url: Url, case: &str) -> OpenStackBuilder {
    server
        .builder()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .auth(server.auth(url))
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(20)),
        )
        .slo(small_segments())
        .unwrap()
        .sequential_tokens(format!("ct-{case}"))
        // The emulator and the replays finish changes at once: poll quickly.
        .change_wait(ChangeWait::new(
            Duration::from_millis(5),
            Duration::from_secs(30),
        ))
}

/// What a test gets: the client, and a plain HTTP client on the same
/// transport for fetching signed URLs.
pub struct Setup {
    pub cloud: OpenStack,
    pub http: HttpClient,
    pub transport: Arc<dyn Transport>,
    pub server: Server,
}

/// Builds the client; `transport` also carries the plain HTTP client's
/// requests (the builder has its own, usually the same).
fn setup(server: Server, builder: OpenStackBuilder, transport: Arc<dyn Transport>) -> Setup {
    let cloud = builder.build().unwrap();
    let http = HttpClient::builder("test")
        .transport(transport.clone())
        .allow_http(true)
        .build()
        .unwrap();
    Setup {
        cloud,
        http,
        transport,
        server,
    }
}

/// A client replaying `fixtures/openstack/<server>/<api>/<case>.json`.
pub fn replay(server: Server, api: &str, case: &str) -> Setup {
    let path = fixture_path(server, api, case);
    let transport = ReplayTransport::load(&path, scrubber(server))
        .unwrap_or_else(|e| panic!("{e}; record it with `cargo xtask fixtures record openstack`"));
    let transport: Arc<dyn Transport> = Arc::new(transport);
    let builder = base(server, server.replay_url(), case).transport(transport.clone());
    setup(server, builder, transport)
}

/// The live server's identity URL, or `None` (skip) when it is not running.
pub fn live_url(server: Server) -> Option<Url> {
    let url = Url::parse(&live_server(server.name(), server.env_var())?).unwrap();
    Some(match server.identity_path() {
        Some(path) => join(&url, path),
        None => url,
    })
}

/// The reference emulator's base URL, when it runs.
pub fn reference_base() -> Option<Url> {
    std::env::var("CLOUD_TEST_REFERENCE_URL")
        .ok()
        .map(|u| Url::parse(&u).unwrap())
}

/// Makes the reference emulator fail the next `count` requests under
/// `path` with `status` (and a `Retry-After`), outside any recording.
pub async fn inject_fault(path: &str, status: u16, count: u32, retry_after: Option<u32>) {
    let base = reference_base().expect("the reference emulator runs");
    let http = HttpClient::builder("test")
        .transport(real_transport())
        .allow_http(true)
        .build()
        .unwrap();
    let body = serde_json::json!({
        "path": path, "status": status, "count": count, "retry_after": retry_after
    });
    let request = cloud_core::http::HttpRequest::new(
        cloud_core::http::Method::POST,
        join(&base, "_reference/faults"),
    )
    .header("content-type", "application/json")
    .unwrap()
    .body(cloud_core::http::Body::from_bytes(body.to_string()));
    let response = http.send(request).await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
}

fn real_transport() -> Arc<dyn Transport> {
    Arc::new(HyperTransport::new(Duration::from_secs(5), &TlsOptions::new()).unwrap())
}

/// Whether this run records fixtures (`CLOUD_FIXTURES=record`).
pub fn recording() -> bool {
    std::env::var("CLOUD_FIXTURES").is_ok_and(|m| m == "record")
}

/// A client on the live server, recording when `CLOUD_FIXTURES=record`;
/// `None` (skip) when the server is not running locally.
pub fn live(server: Server, api: &str, case: &str) -> Option<Setup> {
    let url = live_url(server)?;
    let real = real_transport();
    let recording = recording();
    let transport: Arc<dyn Transport> = if recording {
        let source = source(server);
        Arc::new(RecordingTransport::new(
            real,
            fixture_path(server, api, case),
            &source,
            scrubber(server),
        ))
    } else {
        real
    };
    let builder = if recording {
        base(server, url, case)
    } else {
        // Live runs may repeat against one server: keep generated names unique.
        let unique = format!("ct-{case}-{}", cloud_core::unique::unique_token());
        base(server, url, case).sequential_tokens(unique)
    };
    Some(setup(
        server,
        builder.transport(transport.clone()),
        transport,
    ))
}

/// A client on the live server (never recording), adjusted by `tweak`.
pub fn live_with(
    server: Server,
    tweak: impl FnOnce(OpenStackBuilder) -> OpenStackBuilder,
) -> Option<Setup> {
    let url = live_url(server)?;
    let unique = format!("ct-{}", cloud_core::unique::unique_token());
    let real = real_transport();
    let builder = tweak(
        base(server, url, "live")
            .sequential_tokens(unique)
            .transport(real.clone()),
    );
    Some(setup(server, builder, real))
}

/// The storage fixture for a Swift setup; the signed-URL case first sets
/// the account's temp-URL key (an extra), as a user would.
pub async fn swift_storage_fixture(setup: Setup, case: &str) -> cloud_testkit::StorageFixture {
    let swift = setup.cloud.swift();
    if case == "signed_urls" {
        swift.ex_set_temp_url_key(TEMP_URL_KEY).await.unwrap();
    }
    let storage = cloud_core::Storage::new(swift);
    cloud_testkit::StorageFixture::new(storage)
        .large_object_bytes(320 * 1024)
        .invalid_container_name("x".repeat(257))
        .http(setup.http)
}

/// `base` with `path` appended.
pub fn join(base: &Url, path: &str) -> Url {
    Url::parse(&format!(
        "{}/{}",
        base.as_str().trim_end_matches('/'),
        path.trim_start_matches('/')
    ))
    .unwrap()
}

/// The compute fixture for a mimic setup (Rackspace Cloud Servers).
pub fn mimic_compute_fixture(setup: Setup) -> cloud_testkit::ComputeFixture {
    let compute = cloud_core::Compute::new(setup.cloud.nova());
    cloud_testkit::ComputeFixture::new(compute)
        .missing_node_id("ct-no-such-server")
        .timing(Duration::from_secs(30), Duration::from_millis(250))
        .skip(
            "volumes_and_snapshots",
            "mimic 2.2's Cinder only lists volumes (covered by the documented Cinder fixtures)",
        )
        .skip(
            "key_pairs",
            "mimic 2.2 keeps duplicate key pairs and has no GET os-keypairs/NAME (covered by the documented Nova fixtures)",
        )
}

/// The load-balancer fixture for a mimic setup (Rackspace Cloud Load
/// Balancers). mimic 2.2 has no protocol, algorithm or update calls: those
/// steps are covered by the documented fixtures instead.
pub fn mimic_loadbalancer_fixture(setup: Setup) -> cloud_testkit::LoadBalancerFixture {
    use cloud_core::Capability;
    let lb = cloud_core::LoadBalancers::new(setup.cloud.cloud_load_balancers());
    let lacks = "mimic 2.2 does not implement it (covered by the documented fixtures)";
    cloud_testkit::LoadBalancerFixture::new(lb)
        .missing_balancer_id("999999")
        .timing(Duration::from_secs(30), Duration::from_millis(250))
        .untested(Capability::ListProtocols, lacks)
        .untested(Capability::ListAlgorithms, lacks)
        .untested(Capability::UpdateBalancer, lacks)
}

/// The DNS fixture for Designate on the reference emulator.
pub fn designate_dns_fixture(setup: Setup) -> cloud_testkit::DnsFixture {
    cloud_testkit::DnsFixture::new(cloud_core::Dns::new(setup.cloud.designate()))
        .missing_zone_id("00000000-0000-4000-8000-000000000000")
}

/// The DNS fixture for Rackspace Cloud DNS on the reference emulator.
pub fn cloud_dns_fixture(setup: Setup) -> cloud_testkit::DnsFixture {
    cloud_testkit::DnsFixture::new(cloud_core::Dns::new(setup.cloud.cloud_dns()))
        .missing_zone_id("999999")
}

/// The load-balancer fixture for Octavia on the reference emulator.
pub fn octavia_loadbalancer_fixture(setup: Setup) -> cloud_testkit::LoadBalancerFixture {
    cloud_testkit::LoadBalancerFixture::new(cloud_core::LoadBalancers::new(setup.cloud.octavia()))
        .missing_balancer_id("00000000-0000-4000-8000-000000000000")
        .timing(Duration::from_secs(30), Duration::from_millis(5))
}

/// A client for `server` that reaches it through a fault-injecting proxy
/// (the proxy rewrites the storage URL tempauth hands out, so every later
/// request comes through it too), with the fault suite's settings; `None`
/// (skip) when the server is not running locally.
pub async fn through_proxy(
    server: Server,
    case: &str,
) -> Option<(OpenStack, cloud_testkit::fault_proxy::FaultProxy)> {
    use cloud_testkit::conformance::faults::settings;
    let url = live_url(server)?;
    let origin = url.origin();
    let proxy = cloud_testkit::fault_proxy::FaultProxy::start(&origin)
        .await
        .unwrap();
    let mut through = Url::parse(&proxy.url()).unwrap();
    through.set_path(url.path());
    let unique = format!("ct-{case}-{}", cloud_core::unique::unique_token());
    let cloud = base(server, through, case)
        .sequential_tokens(unique)
        .client_options(
            cloud_core::http::ClientOptions::new()
                .retry(settings::retry())
                .timeouts(settings::timeouts()),
        )
        .build()
        .unwrap();
    Some((cloud, proxy))
}
