//! Bad input, per API and provider: each row is refused with an
//! `InvalidInput` error before any request leaves (the transport is a
//! script with nothing in it, and its log must stay empty).
#![cfg(all(feature = "aws", feature = "openstack", feature = "rackspace"))]
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use cloud::aws::{Aws, AwsBuilder, AwsCredentials, Environment};
use cloud::openstack::{Auth, OpenStack, OpenStackBuilder};
use cloud::{
    ByteRange, Compute, CreateBalancer, CreateNode, CreateVolume, CreateZone, Dns, ErrorKind,
    LoadBalancers, Member, RecordSpec, RecordType, Secret, Storage, UpdateBalancer, UploadOptions,
    Url, UrlMethod,
};
use cloud_testkit::canned::CannedTransport;

type Call<'a> = Pin<Box<dyn Future<Output = cloud::Result<()>> + Send + 'a>>;

fn ok<T>(r: cloud::Result<T>) -> cloud::Result<()> {
    r.map(|_| ())
}

fn aws(transport: &Arc<CannedTransport>) -> Aws {
    AwsBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials(AwsCredentials::new("AKIDEXAMPLE", "secret"))
        .region("us-east-1")
        .transport(transport.clone())
        .build()
        .unwrap()
}

fn openstack(transport: &Arc<CannedTransport>, rackspace: bool) -> OpenStack {
    let builder = if rackspace {
        OpenStackBuilder::rackspace()
    } else {
        OpenStackBuilder::openstack()
    };
    builder
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .auth(Auth::V2ApiKey {
            url: Url::parse("https://identity.invalid/v2.0").unwrap(),
            username: "demo".into(),
            api_key: Secret::new("key"),
        })
        .transport(transport.clone())
        .build()
        .unwrap()
}

/// Runs every row; each must fail with `InvalidInput` and send nothing.
async fn refuse_all(provider: &str, transport: &CannedTransport, rows: Vec<(&str, Call<'_>)>) {
    assert!(!rows.is_empty());
    for (what, call) in rows {
        let result = call.await;
        match result {
            Err(e) if e.kind() == &ErrorKind::InvalidInput => {}
            Err(e) => panic!(
                "{provider}: {what}: expected InvalidInput, got {:?}: {e}",
                e.kind()
            ),
            Ok(()) => panic!("{provider}: {what}: accepted"),
        }
        let sent = transport.requests();
        assert!(sent.is_empty(), "{provider}: {what}: sent {sent:?}");
    }
}

fn storage_rows<'a>(
    s: &'a Storage,
    provider_specific: &'a [&'static str],
) -> Vec<(&'static str, Call<'a>)> {
    let long_name = "a".repeat(1100);
    let long = long_name.clone();
    let mut rows: Vec<(&'static str, Call<'_>)> = vec![
        (
            "empty container name",
            Box::pin(async { ok(s.create_container("").await) }),
        ),
        (
            "container name with a slash",
            Box::pin(async { ok(s.create_container("a/b").await) }),
        ),
        (
            "container name with a control character",
            Box::pin(async { ok(s.get_container("ab\u{7}c").await) }),
        ),
        (
            "empty object name",
            Box::pin(async { ok(s.get_object("bucket", "").await) }),
        ),
        (
            "object name with a NUL",
            Box::pin(async { ok(s.delete_object("bucket", "a\0b").await) }),
        ),
        (
            "object name over 1024 bytes",
            Box::pin(async move {
                ok(
                    s.upload_bytes("bucket", &long, &b"x"[..], &UploadOptions::new())
                        .await,
                )
            }),
        ),
        (
            "copy to an empty name",
            Box::pin(async { ok(s.copy_object("bucket", "a", "bucket", "").await) }),
        ),
        (
            "empty byte range",
            Box::pin(async { ok(ByteRange::bounded(10, 10)) }),
        ),
        (
            "signed URL valid for over seven days",
            Box::pin(async {
                ok(s.signed_url(
                    "bucket",
                    "a",
                    UrlMethod::Get,
                    Duration::from_secs(8 * 24 * 3600),
                )
                .await)
            }),
        ),
        (
            "metadata key with a space",
            Box::pin(async {
                ok(s.upload_bytes(
                    "bucket",
                    "a",
                    &b"x"[..],
                    &UploadOptions::new().metadata("bad key", "v"),
                )
                .await)
            }),
        ),
        (
            "list with a control-character prefix",
            Box::pin(async {
                use futures::TryStreamExt;
                ok(
                    s.list_objects("bucket", &cloud::ListOptions::new().prefix("a\u{1}"))
                        .try_collect::<Vec<_>>()
                        .await,
                )
            }),
        ),
    ];
    for name in provider_specific {
        rows.push((
            "provider-specific container name",
            Box::pin(async move { ok(s.create_container(name).await) }),
        ));
    }
    rows
}

fn compute_rows(c: &Compute) -> Vec<(&'static str, Call<'_>)> {
    vec![
        (
            "empty node name",
            Box::pin(async { ok(c.create_node(&CreateNode::new("", "size", "image")).await) }),
        ),
        (
            "empty size",
            Box::pin(async { ok(c.create_node(&CreateNode::new("n", "", "image")).await) }),
        ),
        (
            "node id with a newline",
            Box::pin(async { ok(c.reboot_node("i-1\n").await) }),
        ),
        (
            "empty node id",
            Box::pin(async { ok(c.destroy_node("").await) }),
        ),
        (
            "zero-sized volume",
            Box::pin(async { ok(c.create_volume(&CreateVolume::new("v", 0)).await) }),
        ),
        (
            "empty key pair name",
            Box::pin(async { ok(c.create_key_pair("").await) }),
        ),
        (
            "public key that is not one",
            Box::pin(async { ok(c.import_key_pair("k", "not a key").await) }),
        ),
        (
            "empty snapshot volume",
            Box::pin(async { ok(c.create_snapshot("", None).await) }),
        ),
    ]
}

fn balancer_rows(lb: &LoadBalancers) -> Vec<(&'static str, Call<'_>)> {
    vec![
        (
            "empty balancer name",
            Box::pin(async { ok(lb.create_balancer(&CreateBalancer::new("", 80)).await) }),
        ),
        (
            "port zero",
            Box::pin(async { ok(lb.create_balancer(&CreateBalancer::new("web", 0)).await) }),
        ),
        (
            "member on port zero",
            Box::pin(async {
                let member = Member::ip("192.0.2.1".parse().unwrap(), 0);
                ok(lb
                    .create_balancer(&CreateBalancer::new("web", 80).member(member))
                    .await)
            }),
        ),
        (
            "update that changes nothing",
            Box::pin(async { ok(lb.update_balancer("lb-1", &UpdateBalancer::new()).await) }),
        ),
        (
            "empty balancer id",
            Box::pin(async { ok(lb.list_members("").await) }),
        ),
    ]
}

fn dns_rows(d: &Dns) -> Vec<(&'static str, Call<'_>)> {
    vec![
        (
            "domain with an empty label",
            Box::pin(async { ok(d.create_zone(&CreateZone::new("a..example.com")).await) }),
        ),
        (
            "domain with a space",
            Box::pin(async { ok(d.create_zone(&CreateZone::new("exa mple.com")).await) }),
        ),
        (
            "empty domain",
            Box::pin(async { ok(d.create_zone(&CreateZone::new("")).await) }),
        ),
        (
            "record name with a space",
            Box::pin(async {
                ok(d.create_record(
                    "z1",
                    &RecordSpec::new("bad name", RecordType::A, "192.0.2.1"),
                )
                .await)
            }),
        ),
        (
            "A record that is not an IPv4 address",
            Box::pin(async {
                ok(
                    d.create_record("z1", &RecordSpec::new("www", RecordType::A, "not-an-ip"))
                        .await,
                )
            }),
        ),
        (
            "AAAA record holding IPv4",
            Box::pin(async {
                ok(
                    d.create_record("z1", &RecordSpec::new("www", RecordType::AAAA, "192.0.2.1"))
                        .await,
                )
            }),
        ),
        (
            "empty record data",
            Box::pin(async {
                ok(
                    d.create_record("z1", &RecordSpec::new("www", RecordType::TXT, ""))
                        .await,
                )
            }),
        ),
        (
            "MX without a priority",
            Box::pin(async {
                ok(d.create_record(
                    "z1",
                    &RecordSpec::new("", RecordType::MX, "mail.example.com."),
                )
                .await)
            }),
        ),
        (
            "empty zone id",
            Box::pin(async { ok(d.delete_zone("").await) }),
        ),
    ]
}

#[tokio::test]
async fn every_provider_refuses_bad_input_before_sending() {
    let t = Arc::new(CannedTransport::new());
    let a = aws(&t);
    let s3 = Storage::new(a.s3().unwrap());
    refuse_all(
        "S3",
        &t,
        storage_rows(&s3, &["UPPER", "ab", "under_score", "-lead", "192.168.1.1"]),
    )
    .await;
    refuse_all("EC2", &t, compute_rows(&Compute::new(a.ec2().unwrap()))).await;
    refuse_all(
        "ELB",
        &t,
        balancer_rows(&LoadBalancers::new(a.elb().unwrap())),
    )
    .await;
    refuse_all("Route 53", &t, dns_rows(&Dns::new(a.route53().unwrap()))).await;

    let os = openstack(&t, false);
    refuse_all("Swift", &t, storage_rows(&Storage::new(os.swift()), &[])).await;
    refuse_all("Nova", &t, compute_rows(&Compute::new(os.nova()))).await;
    refuse_all(
        "Octavia",
        &t,
        balancer_rows(&LoadBalancers::new(os.octavia())),
    )
    .await;
    refuse_all("Designate", &t, dns_rows(&Dns::new(os.designate()))).await;

    let rax = openstack(&t, true);
    refuse_all(
        "Cloud Files",
        &t,
        storage_rows(&Storage::new(rax.swift()), &[]),
    )
    .await;
    refuse_all(
        "Cloud Load Balancers",
        &t,
        balancer_rows(&LoadBalancers::new(rax.cloud_load_balancers())),
    )
    .await;
    refuse_all("Cloud DNS", &t, dns_rows(&Dns::new(rax.cloud_dns()))).await;
}
