//! How the OpenStack test suites get a client: replaying recorded exchanges
//! offline, or talking to a live local server (Swift, Keystone, mimic),
//! recording the exchanges when `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cloud_core::http::{HttpClient, HyperTransport, RetryPolicy, TlsOptions, Transport};
use cloud_core::{Environment, Secret};
use cloud_openstack::{Auth, OpenStack, OpenStackBuilder, Scope, SloConfig};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::record::RecordingTransport;
use cloud_testkit::replay::ReplayTransport;
use cloud_testkit::servers::live_server;
use url::Url;

/// The local servers the OpenStack suites run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// Swift with tempauth (v1.0).
    Swift,
    /// Keystone v3.
    Keystone,
    /// mimic: Rackspace identity v2.0, Cloud Servers, Cloud Load Balancers.
    Mimic,
}

/// The Rackspace user mimic is asked for (it accepts any).
pub const MIMIC_USER: &str = "cloudtest";
/// Its API key (mimic does not check it; still scrubbed from fixtures).
pub const MIMIC_API_KEY: &str = "cloudtest-api-key";
/// The temp-URL key the Swift suite sets on its account.
pub const TEMP_URL_KEY: &str = "cloudtest-temp-url-key";

impl Server {
    pub fn name(self) -> &'static str {
        match self {
            Server::Swift => "swift",
            Server::Keystone => "keystone",
            Server::Mimic => "mimic",
        }
    }

    fn env_var(self) -> &'static str {
        match self {
            Server::Swift => "CLOUD_TEST_SWIFT_URL",
            Server::Keystone => "CLOUD_TEST_KEYSTONE_URL",
            Server::Mimic => "CLOUD_TEST_MIMIC_URL",
        }
    }

    /// The identity path the replay addresses (the recorded host is not kept).
    fn replay_url(self) -> Url {
        let path = match self {
            Server::Swift => "auth/v1.0",
            Server::Keystone => "v3",
            Server::Mimic => "identity/v2.0",
        };
        Url::parse(&format!("http://replay.invalid/{path}")).unwrap()
    }

    fn password(self) -> String {
        match self {
            Server::Swift => "testing".into(),
            Server::Keystone => std::env::var("CLOUD_TEST_KEYSTONE_PASSWORD")
                .unwrap_or_else(|_| "cloudtest-admin".into()),
            Server::Mimic => MIMIC_API_KEY.into(),
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
        }
    }

    fn builder(self) -> OpenStackBuilder {
        match self {
            // ORD: the one region where mimic offers every service.
            Server::Mimic => OpenStackBuilder::rackspace().region("ORD"),
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

/// A client replaying a fixture written from the API reference
/// (`fixtures/openstack/documented/<api>/<name>.json`), for services no
/// server here runs. `server` picks the identity flavour to log in with.
pub fn documented(server: Server, api: &str, case: &str) -> Setup {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/openstack/documented")
        .join(api)
        .join(format!("{case}.json"));
    let transport = ReplayTransport::load(&path, scrubber(server)).unwrap();
    let transport: Arc<dyn Transport> = Arc::new(transport);
    let builder = base(server, server.replay_url(), case).transport(transport.clone());
    setup(server, builder, transport)
}

/// The live server's identity URL, or `None` (skip) when it is not running.
pub fn live_url(server: Server) -> Option<Url> {
    live_server(server.name(), server.env_var()).map(|u| Url::parse(&u).unwrap())
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
        let source = format!(
            "{} at 127.0.0.1 (recorded by cargo xtask fixtures record openstack)",
            server.name()
        );
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
