//! Provider errors no local server produces on demand, replayed from the
//! hand-written fixtures in `fixtures/aws/errors/`: throttling is retried
//! and, when it persists, surfaces as `RateLimited`; authentication
//! failures, missing buckets and rejected change batches get their kinds,
//! codes and request ids.
#![allow(clippy::unwrap_used)]

use crate::support;

use cloud_core::{
    Compute, Dns, ErrorKind, LoadBalancers, RecordSpec, RecordType, ResourceKind, Storage,
};
use support::{documented, documented_on_aws};

#[tokio::test]
async fn s3_slowdown_is_retried_until_it_passes() {
    let storage = Storage::new(documented("s3_slowdown_then_success").aws.s3().unwrap());
    let objects = storage.list_objects_vec("ct-errors", None).await.unwrap();
    assert_eq!(objects[0].name, "survivor.txt");
}

#[tokio::test]
async fn s3_slowdown_that_persists_is_rate_limited() {
    let storage = Storage::new(documented("s3_slowdown_exhausted").aws.s3().unwrap());
    let err = storage
        .list_objects_vec("ct-errors", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RateLimited { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("SlowDown"));
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.request_id(), Some("4442587FB7D0A2F9"));
}

#[tokio::test]
async fn s3_no_such_bucket_names_the_bucket() {
    let storage = Storage::new(documented("s3_no_such_bucket").aws.s3().unwrap());
    let err = storage
        .list_objects_vec("ct-missing", None)
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::NotFound {
            resource: ResourceKind::Container,
            id: "ct-missing".into()
        }
    );
    assert_eq!(err.request_id(), Some("R404"));
}

#[tokio::test]
async fn ec2_auth_failure_is_invalid_credentials_and_not_retried() {
    let compute = Compute::new(documented("ec2_auth_failure").aws.ec2().unwrap());
    let err = compute.list_nodes_vec().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    assert_eq!(err.code(), Some("AuthFailure"));
    assert_eq!(err.request_id(), Some("ea966190-f9aa-478e-9ede-example"));
}

#[tokio::test]
async fn ec2_request_limit_is_retried_then_rate_limited() {
    let compute = Compute::new(
        documented("ec2_request_limit_then_success")
            .aws
            .ec2()
            .unwrap(),
    );
    assert!(compute.list_nodes_vec().await.unwrap().is_empty());
    let compute = Compute::new(documented("ec2_request_limit_exceeded").aws.ec2().unwrap());
    let err = compute.list_nodes_vec().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RateLimited { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("RequestLimitExceeded"));
}

#[tokio::test]
async fn elb_throttling_at_http_400_is_retried() {
    let lb = LoadBalancers::new(documented("elb_throttling_then_success").aws.elb().unwrap());
    assert!(lb.list_balancers_vec().await.unwrap().is_empty());
}

#[tokio::test]
async fn route53_invalid_change_batch_maps_to_typed_errors() {
    let dns = Dns::new(
        documented("route53_invalid_change_batch_exists")
            .aws
            .route53()
            .unwrap(),
    );
    let err = dns
        .create_record(
            "ZERRORS",
            &RecordSpec::new("www", RecordType::A, "192.0.2.1"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::AlreadyExists { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("InvalidChangeBatch"));
    assert_eq!(err.request_id(), Some("icb-1"));

    let dns = Dns::new(
        documented("route53_invalid_change_batch_conflict")
            .aws
            .route53()
            .unwrap(),
    );
    let err = dns
        .create_record(
            "ZERRORS",
            &RecordSpec::new("blog", RecordType::CNAME, "www.example.net."),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Conflict);
    assert_eq!(err.code(), Some("InvalidChangeBatch"));
    assert!(
        err.to_string().contains("conflicts with other records"),
        "{err}"
    );
}

#[tokio::test]
async fn a_cname_beside_other_records_is_refused_before_sending() {
    // The fixture holds no change request: sending one would fail the replay.
    let dns = Dns::new(documented("route53_cname_beside_a").aws.route53().unwrap());
    let err = dns
        .create_record(
            "ZERRORS",
            &RecordSpec::new("blog", RecordType::CNAME, "www.example.net."),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Conflict, "{err:?}");
    assert!(
        err.to_string().contains("already has a record of type A"),
        "{err}"
    );
    let err = dns
        .create_record(
            "ZERRORS",
            &RecordSpec::new("", RecordType::CNAME, "www.example.net."),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err:?}");
}

#[tokio::test]
async fn s3_follows_a_bucket_to_its_region() {
    let s3 = documented_on_aws("s3_region_redirect").aws.s3().unwrap();
    let storage = Storage::new(s3.clone());
    let objects = storage.list_objects_vec("ct-redirect", None).await.unwrap();
    assert_eq!(objects[0].name, "far-away.txt");
    assert_eq!(
        s3.ex_bucket_region("ct-redirect").await.unwrap(),
        "eu-west-1"
    );
}
