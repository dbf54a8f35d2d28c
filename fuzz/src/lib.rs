//! What each fuzz target does with its input, as plain functions so that
//! `cargo test` (in this folder) can replay the kept corpus and every past
//! crash on a stable toolchain without libFuzzer.
//!
//! The provider targets answer every request a driver sends with the fuzz
//! input: the first byte picks an HTTP status, the rest is the body. Each
//! call gets exactly one scripted response; any further request fails, so
//! page-following loops end. Whatever arrives, a call may fail with a typed
//! error but must never panic.

#![allow(missing_docs)]

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cloud_aws::{Aws, AwsBuilder, AwsCredentials, Environment};
use cloud_core::compute::ComputeDriver;
use cloud_core::dns::{DnsDriver, parse_zone_file, record_line};
use cloud_core::http::RetryPolicy;
use cloud_core::loadbalancer::LoadBalancerDriver;
use cloud_core::storage::StorageDriver;
use cloud_core::{
    CreateNode, CreateVolume, DownloadOptions, ListObjectsRequest, PageRequest, Record, Secret,
    Storage, UploadOptions, Url,
};
use cloud_openstack::{Auth, OpenStack, OpenStackBuilder};
use cloud_testkit::canned::{Canned, CannedTransport};
use futures::StreamExt;

/// Statuses the first input byte chooses from: mostly success, and the
/// error statuses drivers read bodies for.
const STATUSES: [u16; 12] = [200, 200, 200, 201, 202, 204, 400, 403, 404, 409, 412, 503];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime")
    })
}

/// The status and body an input stands for.
fn response(data: &[u8]) -> (u16, &[u8]) {
    match data.split_first() {
        Some((first, rest)) => (STATUSES[usize::from(*first) % STATUSES.len()], rest),
        None => (200, &[]),
    }
}

/// Runs one driver call against one scripted response.
fn call<F: Future>(transport: &CannedTransport, canned: Canned, future: F) {
    transport.reset();
    transport.push(canned);
    let _ = runtime().block_on(future);
}

fn no_retries() -> RetryPolicy {
    RetryPolicy::new().max_attempts(1)
}

fn aws(transport: &Arc<CannedTransport>) -> Aws {
    AwsBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials(AwsCredentials::new("AKIDFUZZ", "fuzz-secret"))
        .region("us-east-1")
        .endpoint("http://fuzz.invalid")
        .retry(no_retries())
        .transport(transport.clone())
        .build()
        .expect("an offline AWS client")
}

fn canned(data: &[u8], headers: &[(&str, &str)]) -> Canned {
    let (status, body) = response(data);
    headers
        .iter()
        .fold(Canned::new(status, body.to_vec()), |c, (k, v)| {
            c.header(k, v)
        })
}

const XML: &[(&str, &str)] = &[("content-type", "text/xml")];

pub fn aws_ec2(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let Ok(ec2) = aws(&transport).ec2() else {
        return;
    };
    let t = &*transport;
    let c = || canned(data, XML);
    call(t, c(), ec2.list_nodes(PageRequest::first()));
    call(t, c(), ec2.get_node("i-0123456789abcdef0"));
    call(t, c(), ec2.list_sizes());
    call(t, c(), ec2.list_images(PageRequest::first()));
    call(t, c(), ec2.get_image("ami-12c6146b"));
    call(t, c(), ec2.list_locations());
    call(t, c(), ec2.list_volumes(PageRequest::first()));
    call(t, c(), ec2.list_snapshots(PageRequest::first()));
    call(t, c(), ec2.list_key_pairs(PageRequest::first()));
    call(t, c(), ec2.create_key_pair("fuzz"));
    call(
        t,
        c(),
        ec2.create_node(&CreateNode::new("fuzz", "t3.micro", "ami-12c6146b")),
    );
    call(t, c(), ec2.create_volume(&CreateVolume::new("fuzz", 1)));
    call(t, c(), ec2.create_snapshot("vol-1", None));
    call(t, c(), ec2.ex_list_security_groups());
    call(t, c(), ec2.ex_list_elastic_ips());
    call(t, c(), ec2.ex_allocate_elastic_ip());
}

/// Drains a download so the body's length checks run too.
async fn download_all(storage: &dyn StorageDriver, options: DownloadOptions) {
    if let Ok(download) = storage.download("bucket", "key", &options).await {
        let mut body = download.body;
        while let Some(chunk) = body.next().await {
            if chunk.is_err() {
                break;
            }
        }
    }
}

/// The storage calls whose answers drivers parse.
fn storage_calls(t: &CannedTransport, driver: &dyn StorageDriver, c: &dyn Fn() -> Canned) {
    call(t, c(), driver.list_containers(PageRequest::first()));
    call(t, c(), driver.get_container("bucket"));
    call(t, c(), driver.create_container("bucket"));
    call(t, c(), driver.delete_container("bucket"));
    let listing = ListObjectsRequest::new(None, Some("/".into()), PageRequest::first());
    call(t, c(), driver.list_objects("bucket", &listing));
    call(t, c(), driver.get_object("bucket", "key"));
    call(t, c(), download_all(driver, DownloadOptions::new()));
    let range = cloud_core::ByteRange::from_offset(2);
    call(
        t,
        c(),
        download_all(driver, DownloadOptions::new().range(range)),
    );
    call(t, c(), driver.delete_object("bucket", "key"));
}

pub fn aws_s3(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let Ok(s3) = aws(&transport).s3() else {
        return;
    };
    let headers: &[(&str, &str)] = &[
        ("content-type", "application/xml"),
        ("etag", "\"9b2cf535f27731c974343645a3985328\""),
        ("last-modified", "Wed, 21 Oct 2026 07:28:00 GMT"),
        ("x-amz-request-id", "FUZZ"),
    ];
    let t = &*transport;
    storage_calls(t, &s3, &|| canned(data, headers));
    let c = || canned(data, headers);
    call(t, c(), s3.ex_list_multipart_uploads("bucket"));
    call(t, c(), s3.ex_delete_objects("bucket", &["a", "b"]));
    call(t, c(), s3.ex_bucket_region("bucket"));
    // A small upload through the handle (Content-MD5, ETag check).
    let storage = Storage::new(s3);
    call(
        t,
        c(),
        storage.upload_bytes("bucket", "key", b"hello".to_vec(), &UploadOptions::new()),
    );
}

pub fn aws_elb(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let Ok(elb) = aws(&transport).elb() else {
        return;
    };
    let t = &*transport;
    let c = || canned(data, XML);
    call(t, c(), elb.list_protocols());
    call(t, c(), elb.list_balancers(PageRequest::first()));
    call(t, c(), elb.get_balancer("fuzz"));
    call(t, c(), elb.list_members("fuzz"));
    call(t, c(), elb.ex_member_health("fuzz"));
    call(t, c(), elb.destroy_balancer("fuzz"));
}

pub fn aws_route53(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let Ok(dns) = aws(&transport).route53() else {
        return;
    };
    let t = &*transport;
    let c = || canned(data, XML);
    call(t, c(), dns.list_zones(PageRequest::first()));
    call(t, c(), dns.get_zone("Z1FUZZ"));
    call(t, c(), dns.list_records("Z1FUZZ", PageRequest::first()));
    call(t, c(), dns.get_record("Z1FUZZ", "www.example.com.:A"));
    call(t, c(), dns.delete_zone("Z1FUZZ"));
}

pub fn gandi(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let dns = cloud_gandi::GandiBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .personal_access_token("pat_fuzz")
        .endpoint("http://fuzz.invalid/v5/livedns")
        .retry(no_retries())
        .transport(transport.clone())
        .build()
        .expect("an offline Gandi client");
    let t = &*transport;
    let headers: &[(&str, &str)] = &[("content-type", "application/json"), ("total-count", "3")];
    let c = || canned(data, headers);
    call(t, c(), dns.list_zones(PageRequest::first()));
    call(t, c(), dns.get_zone("example.com"));
    call(
        t,
        c(),
        dns.list_records("example.com", PageRequest::first()),
    );
    call(
        t,
        c(),
        dns.get_record("example.com", "MX:@:10 mail.example.com."),
    );
    call(
        t,
        c(),
        dns.create_record(
            "example.com",
            &cloud_core::RecordSpec::new("www", cloud_core::RecordType::A, "192.0.2.1"),
        ),
    );
    call(t, c(), dns.ex_list_snapshots("example.com"));
    call(t, c(), dns.ex_get_snapshot("example.com", "s1"));
    call(t, c(), dns.ex_create_snapshot("example.com", None));
    call(t, c(), dns.ex_nameservers("example.com"));
}

pub fn google(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let gcs = cloud_google::GoogleBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .anonymous()
        .project("fuzz-project")
        .endpoint("http://fuzz.invalid")
        .retry(no_retries())
        .transport(transport.clone())
        .build()
        .expect("an offline Google client")
        .storage();
    let headers: &[(&str, &str)] = &[
        ("content-type", "application/json"),
        ("x-goog-generation", "1700000000000001"),
        (
            "x-goog-hash",
            "crc32c=mnG7TA==,md5=XUFAKrxLKna5cZ2REBfFkg==",
        ),
        ("x-goog-stored-content-length", "5"),
        (
            "location",
            "http://fuzz.invalid/upload/storage/v1/b/bucket/o?upload_id=f",
        ),
        ("range", "bytes=0-4"),
    ];
    let t = &*transport;
    storage_calls(t, &gcs, &|| canned(data, headers));
    let c = || canned(data, headers);
    call(t, c(), gcs.copy_object("bucket", "key", "other", "copy"));
    call(t, c(), gcs.ex_object_resource("bucket", "key"));
    // One request each: the multipart upload, and a resumable session's
    // opening (its chunks then find no answer).
    let storage = Storage::new(gcs);
    call(
        t,
        c(),
        storage.upload_bytes("bucket", "key", b"hello".to_vec(), &UploadOptions::new()),
    );
    call(
        t,
        c(),
        storage.upload_bytes("bucket", "big", vec![7u8; 9 << 20], &UploadOptions::new()),
    );
}

/// Azure Blob Storage: listings, properties, block lists and error bodies,
/// a small upload and a staged one (its blocks then find no answer).
pub fn azure(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let blob = cloud_azure::AzureBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials(cloud_azure::StorageCredentials::shared_key(
            cloud_azure::DEVELOPMENT_ACCOUNT,
            cloud_azure::DEVELOPMENT_KEY,
        ))
        .blob_endpoint("http://fuzz.invalid/devstoreaccount1")
        // Small blocks, so a staged upload costs little per execution.
        .upload_config(cloud_azure::BlockUploadConfig::new(64 << 10, 64 << 10, 2))
        .retry(no_retries())
        .transport(transport.clone())
        .build()
        .expect("an offline Azure client")
        .blob_storage();
    let headers: &[(&str, &str)] = &[
        ("content-type", "application/xml"),
        ("etag", "\"0x8DBFUZZ\""),
        ("last-modified", "Wed, 21 Oct 2026 07:28:00 GMT"),
        ("x-ms-request-id", "FUZZ"),
        ("x-ms-copy-status", "success"),
    ];
    let t = &*transport;
    storage_calls(t, &blob, &|| canned(data, headers));
    let c = || canned(data, headers);
    call(t, c(), blob.copy_object("bucket", "key", "other", "copy"));
    call(t, c(), blob.ex_uncommitted_blocks("bucket", "key"));
    let storage = Storage::new(blob);
    call(
        t,
        c(),
        storage.upload_bytes("bucket", "key", b"hello".to_vec(), &UploadOptions::new()),
    );
    call(
        t,
        c(),
        storage.upload_bytes("bucket", "big", vec![7u8; 200 << 10], &UploadOptions::new()),
    );
}

/// Compute Engine, its network load balancing and Cloud DNS: every
/// answer they parse, each call given the input as its first answer (an
/// operation that is not done yet then finds no second one).
pub fn google_apis(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let quick =
        cloud_core::poll::ChangeWait::new(Duration::from_millis(1), Duration::from_millis(5));
    let google = cloud_google::GoogleBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .anonymous()
        .project("fuzz-project")
        .zone("us-central1-a")
        .endpoint("http://fuzz.invalid")
        .operation_wait(quick)
        .dns_change_wait(quick)
        .retry(no_retries())
        .transport(transport.clone())
        .build()
        .expect("an offline Google client");
    let t = &*transport;
    let c = || canned(data, JSON);
    let gce = google.compute();
    call(t, c(), gce.list_nodes(PageRequest::first()));
    call(t, c(), gce.get_node("us-central1-a/n1"));
    call(t, c(), gce.stop_node("n1"));
    call(t, c(), gce.list_sizes());
    call(t, c(), gce.list_images(PageRequest::first()));
    call(
        t,
        c(),
        gce.get_image("projects/debian-cloud/global/images/family/debian-12"),
    );
    call(t, c(), gce.list_locations());
    call(t, c(), gce.list_volumes(PageRequest::first()));
    call(t, c(), gce.detach_volume("us-central1-a/d1"));
    call(t, c(), gce.list_snapshots(PageRequest::first()));
    call(t, c(), gce.list_key_pairs(PageRequest::first()));
    let lb = google.load_balancer();
    call(t, c(), lb.list_balancers(PageRequest::first()));
    call(t, c(), lb.get_balancer("us-central1/b1"));
    call(t, c(), lb.list_members("us-central1/b1"));
    let dns = google.dns();
    call(t, c(), dns.list_zones(PageRequest::first()));
    call(t, c(), dns.get_zone("example-com"));
    call(
        t,
        c(),
        dns.list_records("example-com", PageRequest::first()),
    );
    call(
        t,
        c(),
        dns.create_record(
            "example-com",
            &cloud_core::RecordSpec::new("www", cloud_core::RecordType::A, "192.0.2.1"),
        ),
    );
}

pub fn cloudsigma(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let cs = cloud_cloudsigma::CloudSigmaBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials("fuzz@example.com", "fuzz")
        .endpoint("http://fuzz.invalid/api/2.0/")
        .change_wait(cloud_cloudsigma::ChangeWait::new(
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .retry(no_retries())
        .transport(transport.clone())
        .build()
        .expect("an offline CloudSigma client");
    let t = &*transport;
    let c = || canned(data, JSON);
    call(t, c(), cs.list_nodes(PageRequest::first()));
    call(t, c(), cs.get_node("s1"));
    call(t, c(), cs.list_sizes());
    call(t, c(), cs.list_images(PageRequest::first()));
    call(t, c(), cs.get_image("d1"));
    call(
        t,
        c(),
        cs.create_node(&CreateNode::new("fuzz", "small", "d1")),
    );
    call(t, c(), cs.destroy_node("s1"));
    call(t, c(), cs.list_volumes(PageRequest::first()));
    call(t, c(), cs.create_volume(&CreateVolume::new("fuzz", 1)));
    call(t, c(), cs.detach_volume("d1"));
    call(t, c(), cs.list_snapshots(PageRequest::first()));
    call(t, c(), cs.create_snapshot("d1", Some("fuzz")));
    call(t, c(), cs.list_key_pairs(PageRequest::first()));
    call(t, c(), cs.get_key_pair("k1"));
    call(t, c(), cs.ex_balance());
    call(t, c(), cs.ex_list_subscriptions());
    call(t, c(), cs.ex_list_firewall_policies());
    call(t, c(), cs.ex_list_tags());
}

fn identity_url(path: &str) -> Url {
    Url::parse(&format!("http://fuzz.invalid/{path}")).expect("a literal URL")
}

fn openstack(builder: OpenStackBuilder, auth: Auth, transport: &Arc<CannedTransport>) -> OpenStack {
    builder
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .auth(auth)
        .allow_http(true)
        .retry(no_retries())
        .change_wait(cloud_openstack::ChangeWait::new(
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .transport(transport.clone())
        .build()
        .expect("an offline OpenStack client")
}

fn v3_password() -> Auth {
    Auth::V3Password {
        url: identity_url("v3"),
        user: "fuzz".into(),
        user_is_id: false,
        user_domain: None,
        password: Secret::new("fuzz-password"),
        scope: cloud_openstack::Scope::project("fuzz", None),
    }
}

/// Fuzzes the token response (v3, then v2.0) and the catalog in it: each
/// login is followed by a Swift call, which looks its endpoint up.
pub fn keystone(data: &[u8]) {
    let (status, body) = response(data);
    let login = || {
        Canned::new(status, body.to_vec())
            .header("x-subject-token", "fuzz-token")
            .header("content-type", "application/json")
    };
    let listing = || Canned::new(200, "[]");
    for (builder, auth) in [
        (OpenStackBuilder::openstack(), v3_password()),
        (
            OpenStackBuilder::rackspace(),
            Auth::V2ApiKey {
                url: identity_url("v2.0"),
                username: "fuzz".into(),
                api_key: Secret::new("fuzz-key"),
            },
        ),
    ] {
        let transport = Arc::new(CannedTransport::new());
        let cloud = openstack(builder, auth, &transport);
        let swift = cloud.swift();
        transport.push(login());
        transport.push(listing());
        let _ = runtime().block_on(swift.list_containers(PageRequest::first()));
    }
}

/// A v3 token whose catalog points every service at `fuzz.invalid`.
fn logged_in(transport: &Arc<CannedTransport>) -> OpenStack {
    let cloud = openstack(OpenStackBuilder::openstack(), v3_password(), transport);
    let endpoint = |kind: &str, path: &str| {
        format!(
            r#"{{"type":"{kind}","endpoints":[{{"interface":"public","region":"RegionOne","url":"http://fuzz.invalid/{path}"}}]}}"#
        )
    };
    let catalog = [
        endpoint("compute", "compute/v2.1"),
        endpoint("volumev3", "volume/v3/p1"),
        endpoint("image", "image"),
        endpoint("network", "network"),
        endpoint("object-store", "swift/v1/AUTH_p1"),
    ]
    .join(",");
    let token = format!(
        r#"{{"token":{{"expires_at":"2999-01-01T00:00:00Z","project":{{"id":"p1"}},"user":{{"id":"u1"}},"catalog":[{catalog}]}}}}"#
    );
    transport.push(Canned::new(201, token).header("x-subject-token", "fuzz-token"));
    // Log in now, so each fuzzed call below gets exactly one response.
    let _ = runtime().block_on(cloud.session().token());
    cloud
}

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

pub fn nova(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let cloud = logged_in(&transport);
    let nova = cloud.nova();
    let t = &*transport;
    let c = || canned(data, JSON);
    call(t, c(), nova.list_nodes(PageRequest::first()));
    call(t, c(), nova.get_node("s1"));
    call(
        t,
        c(),
        nova.create_node(&CreateNode::new("fuzz", "f1", "img1")),
    );
    call(t, c(), nova.list_sizes());
    call(t, c(), nova.list_images(PageRequest::first()));
    call(t, c(), nova.get_image("img1"));
    call(t, c(), nova.list_locations());
    call(t, c(), nova.list_volumes(PageRequest::first()));
    call(t, c(), nova.create_volume(&CreateVolume::new("fuzz", 1)));
    call(t, c(), nova.list_snapshots(PageRequest::first()));
    call(t, c(), nova.create_snapshot("v1", Some("fuzz")));
    call(t, c(), nova.list_key_pairs(PageRequest::first()));
    call(t, c(), nova.get_key_pair("k1"));
    call(t, c(), nova.create_key_pair("k1"));
    call(t, c(), nova.ex_list_floating_ips());
    call(t, c(), nova.ex_list_security_groups());
    call(t, c(), nova.ex_get_metadata("s1"));
}

pub fn swift(data: &[u8]) {
    let transport = Arc::new(CannedTransport::new());
    let cloud = logged_in(&transport);
    let swift = cloud.swift();
    let headers: &[(&str, &str)] = &[
        ("content-type", "application/json"),
        ("etag", "9b2cf535f27731c974343645a3985328"),
        ("last-modified", "Wed, 21 Oct 2026 07:28:00 GMT"),
        ("x-container-object-count", "3"),
        ("x-container-bytes-used", "12"),
        ("x-trans-id", "txFUZZ"),
    ];
    storage_calls(&transport, &swift, &|| canned(data, headers));
}

/// Parses a zone file; every record it yields must come back unchanged
/// from its own exported line.
pub fn zone_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = parse_zone_file("example.com", text) else {
        return;
    };
    for spec in &file.records {
        let mut record = Record::new("r", "z", &spec.name, spec.record_type, &spec.data);
        record.ttl = spec.ttl;
        let line = record_line(&record);
        let again = parse_zone_file("example.com", &format!("{line}\n"))
            .unwrap_or_else(|e| panic!("exported line `{line}` does not parse: {e}"));
        assert_eq!(
            again.records.as_slice(),
            std::slice::from_ref(spec),
            "exported line `{line}` parses differently"
        );
    }
}

/// Names the local driver accepts map to a path inside its root.
pub fn local_names(data: &[u8]) {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    let root = ROOT.get_or_init(|| tempfile::tempdir().expect("a temporary directory"));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (container, name) = text.split_once('\n').unwrap_or(("bucket", text));
    let Ok(storage) = cloud_local::LocalStorage::new(root.path()) else {
        return;
    };
    if let Ok(path) = storage.ex_object_path(container, name) {
        let relative = path
            .strip_prefix(storage.root())
            .unwrap_or_else(|_| panic!("`{container}`/`{name}` maps outside the root: {path:?}"));
        assert!(
            relative
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_))),
            "`{container}`/`{name}` maps to {path:?}"
        );
        assert!(
            !relative.starts_with(".cloud"),
            "`{container}`/`{name}` maps into the driver's own state"
        );
    }
}
