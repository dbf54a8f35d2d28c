//! How the AWS test suites get a client: replaying recorded exchanges
//! offline, or talking to a live local server (moto, s3s-fs), recording the
//! exchanges when `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cloud_aws::{Aws, AwsBuilder, AwsCredentials, Environment, MultipartConfig};
use cloud_core::http::{HttpClient, HyperTransport, RetryPolicy, TlsOptions, Transport};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::record::RecordingTransport;
use cloud_testkit::replay::ReplayTransport;
use cloud_testkit::servers::live_server;

/// The local servers the AWS suites run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Moto,
    S3s,
}

impl Server {
    pub fn name(self) -> &'static str {
        match self {
            Server::Moto => "moto",
            Server::S3s => "s3s",
        }
    }

    fn env_var(self) -> &'static str {
        match self {
            Server::Moto => "CLOUD_TEST_MOTO_URL",
            Server::S3s => "CLOUD_TEST_S3S_URL",
        }
    }

    /// The credentials the server expects (s3s-fs checks them; moto does not).
    pub fn credentials(self) -> AwsCredentials {
        match self {
            Server::Moto => AwsCredentials::new("testing", "testing"),
            Server::S3s => AwsCredentials::new(
                std::env::var("CLOUD_TEST_S3S_KEY").unwrap_or_else(|_| "cloudtest".into()),
                std::env::var("CLOUD_TEST_S3S_SECRET")
                    .unwrap_or_else(|_| "cloudtest-secret".into()),
            ),
        }
    }
}

/// Small parts, so multipart uploads are exercised by test-sized objects
/// (moto runs with `S3_UPLOAD_PART_MIN_SIZE` lowered to match).
pub fn small_parts() -> MultipartConfig {
    MultipartConfig {
        threshold: 128 * 1024,
        part_size: 64 * 1024,
        concurrency: 3,
    }
}

/// s3s-fs enforces S3's 5 MiB minimum part size.
pub fn s3s_parts() -> MultipartConfig {
    MultipartConfig {
        threshold: 8 * 1024 * 1024,
        part_size: 5 * 1024 * 1024,
        concurrency: 2,
    }
}

fn fixture_path(server: Server, api: &str, case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aws")
        .join(server.name())
        .join(api)
        .join(format!("{case}.json"))
}

fn scrubber(server: Server) -> Scrubber {
    let creds = server.credentials();
    Scrubber::new()
        .secret(creds.secret_access_key().expose())
        .match_header("x-amz-copy-source")
}

fn base(server: Server, case: &str) -> AwsBuilder {
    AwsBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials(server.credentials())
        .region("us-east-1")
        .image_owners(vec!["amazon".to_owned()])
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(20)),
        )
        .multipart(if server == Server::S3s {
            s3s_parts()
        } else {
            small_parts()
        })
        .unwrap()
        .sequential_tokens(format!("ct-{case}"))
}

/// What a test gets: the client, and a plain HTTP client on the same
/// transport for fetching signed URLs.
pub struct Setup {
    pub aws: Aws,
    pub http: HttpClient,
    pub server: Server,
}

fn setup(server: Server, builder: AwsBuilder, transport: Arc<dyn Transport>) -> Setup {
    let aws = builder.transport(transport.clone()).build().unwrap();
    let http = HttpClient::builder("test")
        .transport(transport)
        .allow_http(true)
        .build()
        .unwrap();
    Setup { aws, http, server }
}

/// A client replaying `fixtures/aws/<server>/<api>/<case>.json`.
pub fn replay(server: Server, api: &str, case: &str) -> Setup {
    let path = fixture_path(server, api, case);
    let transport = ReplayTransport::load(&path, scrubber(server))
        .unwrap_or_else(|e| panic!("{e}; record it with `cargo xtask fixtures record aws`"));
    let builder = base(server, case).endpoint("http://replay.invalid");
    setup(server, builder, Arc::new(transport))
}

/// A client replaying a hand-written error fixture from `fixtures/aws/errors/`.
pub fn documented(name: &str) -> Setup {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aws/errors")
        .join(format!("{name}.json"));
    let transport = ReplayTransport::load(&path, scrubber(Server::Moto)).unwrap();
    setup(
        Server::Moto,
        base(Server::Moto, name).endpoint("http://replay.invalid"),
        Arc::new(transport),
    )
}

/// Like [`documented`], but addressing AWS's own hosts (virtual-hosted S3,
/// region redirects), which the replay never contacts.
pub fn documented_on_aws(name: &str) -> Setup {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aws/errors")
        .join(format!("{name}.json"));
    let transport = ReplayTransport::load(&path, scrubber(Server::Moto)).unwrap();
    setup(Server::Moto, base(Server::Moto, name), Arc::new(transport))
}

/// A client on the live server, recording when `CLOUD_FIXTURES=record`;
/// `None` (skip) when the server is not running locally.
pub fn live(server: Server, api: &str, case: &str) -> Option<Setup> {
    let url = live_server(server.name(), server.env_var())?;
    let real: Arc<dyn Transport> =
        Arc::new(HyperTransport::new(Duration::from_secs(5), &TlsOptions::new()).unwrap());
    let recording = std::env::var("CLOUD_FIXTURES").is_ok_and(|m| m == "record");
    let (builder, transport): (AwsBuilder, Arc<dyn Transport>) = if recording {
        let source = format!(
            "{} at {} (recorded by cargo xtask fixtures record aws)",
            server.name(),
            "127.0.0.1"
        );
        let recorder = RecordingTransport::new(
            real,
            fixture_path(server, api, case),
            &source,
            scrubber(server),
        );
        (base(server, case), Arc::new(recorder))
    } else {
        // Live runs may repeat against one server: keep idempotency tokens unique.
        let unique = format!("ct-{case}-{}", cloud_core::unique::unique_token());
        (base(server, case).sequential_tokens(unique), real)
    };
    Some(setup(server, builder.endpoint(url), transport))
}

/// A client on the live server (never recording), adjusted by `tweak`.
pub fn live_with(server: Server, tweak: impl FnOnce(AwsBuilder) -> AwsBuilder) -> Option<Setup> {
    live_through(server, |real| real, tweak)
}

/// Like [`live_with`], with the real transport wrapped by `wrap` (to watch
/// what goes out).
pub fn live_through(
    server: Server,
    wrap: impl FnOnce(Arc<dyn Transport>) -> Arc<dyn Transport>,
    tweak: impl FnOnce(AwsBuilder) -> AwsBuilder,
) -> Option<Setup> {
    let url = live_server(server.name(), server.env_var())?;
    let real: Arc<dyn Transport> = wrap(Arc::new(
        HyperTransport::new(Duration::from_secs(5), &TlsOptions::new()).unwrap(),
    ));
    let unique = format!("ct-{}", cloud_core::unique::unique_token());
    let builder = tweak(
        base(server, "large")
            .sequential_tokens(unique)
            .endpoint(url),
    );
    Some(setup(server, builder, real))
}

/// The image moto boots for every test node (one of its built-in AMIs).
pub const MOTO_IMAGE: &str = "ami-12c6146b";

/// The storage fixture for a setup.
pub fn storage_fixture(setup: Setup) -> cloud_testkit::StorageFixture {
    let storage = cloud_core::Storage::new(setup.aws.s3().unwrap());
    let fixture = cloud_testkit::StorageFixture::new(storage);
    let fixture = if setup.server == Server::S3s {
        fixture
            .skip(
                "container_not_empty",
                "s3s-fs 0.14 deletes buckets that still hold objects",
            )
            .skip(
                "missing",
                "s3s-fs 0.14 accepts uploads into buckets that do not exist",
            )
            .skip(
                "ranges",
                "s3s-fs 0.14 answers 500 to a suffix range longer than the object",
            )
            .skip("conditional", "s3s-fs 0.14 ignores If-Match on GET")
    } else {
        fixture
    };
    fixture
        .large_object_bytes(200 * 1024)
        .invalid_container_name("UPPER-case")
        .invalid_container_name("ab")
        .invalid_container_name("under_score")
        .unreadable_object_name("a/../b")
        .http(setup.http)
}

/// The compute fixture for a setup.
pub fn compute_fixture(setup: Setup) -> cloud_testkit::ComputeFixture {
    let compute = cloud_core::Compute::new(setup.aws.ec2().unwrap());
    cloud_testkit::ComputeFixture::new(compute)
        .node_template("t2.micro", MOTO_IMAGE)
        .missing_node_id("i-0123456789abcdef0")
        .timing(Duration::from_secs(60), Duration::from_millis(100))
}

/// The load-balancer fixture: classic ELB balances instances, so three are
/// started first and used as members.
pub async fn loadbalancer_fixture(setup: Setup, case: &str) -> cloud_testkit::LoadBalancerFixture {
    let compute = cloud_core::Compute::new(setup.aws.ec2().unwrap());
    let mut members = Vec::new();
    for i in 0..3 {
        let request =
            cloud_core::CreateNode::new(format!("ct-{case}-member-{i}"), "t2.micro", MOTO_IMAGE);
        let node = compute.create_node(&request).await.unwrap();
        members.push(cloud_core::Member::node(node.id, Some(8080)));
    }
    let lb = cloud_core::LoadBalancers::new(setup.aws.elb().unwrap());
    cloud_testkit::LoadBalancerFixture::new(lb)
        .members(members)
        .missing_balancer_id("ct-does-not-exist")
}

/// The DNS fixture for a setup.
pub fn dns_fixture(setup: Setup) -> cloud_testkit::DnsFixture {
    let dns = cloud_core::Dns::new(setup.aws.route53().unwrap());
    cloud_testkit::DnsFixture::new(dns).missing_zone_id("Z0000000000000000000")
}

/// Multipart uploads still open in `bucket`: from the server, or for
/// s3s-fs (which lacks ListMultipartUploads) from the part files in its
/// data folder.
pub async fn open_uploads(server: Server, s3: &cloud_aws::S3Storage, bucket: &str) -> usize {
    match s3.ex_list_multipart_uploads(bucket).await {
        Ok(list) => list.len(),
        Err(e) if e.code() == Some("NotImplemented") && server == Server::S3s => {
            let dir = std::env::var("CLOUD_TEST_S3S_DIR")
                .map(PathBuf::from)
                .expect("CLOUD_TEST_S3S_DIR names the s3s-fs data folder");
            std::fs::read_dir(dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with(".upload_id-"))
                .count()
        }
        Err(e) => panic!("listing multipart uploads: {e}"),
    }
}

/// A client for `server` that talks to it through a fault-injecting proxy,
/// with the fault suite's retry policy and `timeouts`; `None` (skip) when
/// the server is not running locally.
pub async fn through_proxy(
    server: Server,
    case: &str,
    timeouts: cloud_core::http::Timeouts,
) -> Option<(Aws, cloud_testkit::fault_proxy::FaultProxy)> {
    use cloud_testkit::conformance::faults::settings;
    let url = live_server(server.name(), server.env_var())?;
    let proxy = cloud_testkit::fault_proxy::FaultProxy::start(&url)
        .await
        .unwrap();
    let unique = format!("ct-{case}-{}", cloud_core::unique::unique_token());
    let aws = base(server, case)
        .sequential_tokens(unique)
        .endpoint(proxy.url())
        .client_options(
            cloud_core::http::ClientOptions::new()
                .retry(settings::retry())
                .timeouts(timeouts),
        )
        .build()
        .unwrap();
    Some((aws, proxy))
}
