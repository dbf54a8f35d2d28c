//! Multipart uploads that cannot finish leave nothing behind, on moto
//! (checked with ListMultipartUploads) and on s3s-fs (which does not
//! implement that call: checked in its data folder); and a wrong secret is
//! refused by a server that verifies SigV4.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::{Duration, Instant};

use cloud_aws::{AwsCredentials, MultipartConfig};
use cloud_core::{Error, ErrorKind, Storage, UploadOptions};
use cloud_testkit::data;
use futures::StreamExt;
use support::Server;

async fn fresh_bucket(storage: &Storage, name: &str) {
    cloud_testkit::conformance::storage::remove_container(storage, name).await;
    storage.create_container(name).await.unwrap();
}

async fn failing_upload_leaves_no_parts(
    server: Server,
    multipart: MultipartConfig,
    fail_after: u64,
) {
    let Some(setup) = support::live_with(server, |b| b.multipart(multipart).unwrap()) else {
        return;
    };
    let s3 = setup.aws.s3().unwrap();
    let storage = Storage::new(s3.clone());
    let bucket = "ct-failing";
    fresh_bucket(&storage, bucket).await;
    let before = support::open_uploads(server, &s3, bucket).await;
    let failing = data::stream(7, fail_after)
        .chain(futures::stream::once(async {
            Err(Error::new(ErrorKind::Io, "the source died"))
        }))
        .boxed();
    let err = storage
        .upload(bucket, "doomed.bin", failing, &UploadOptions::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("the source died"), "{err}");
    assert_eq!(
        support::open_uploads(server, &s3, bucket).await,
        before,
        "an orphaned multipart upload remains"
    );
    assert!(
        storage
            .get_object(bucket, "doomed.bin")
            .await
            .unwrap_err()
            .is_not_found()
    );

    // A cancelled upload (the caller gives up) is aborted too.
    let slow = data::stream(8, 64 * 1024 * 1024)
        .then(|chunk| async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            chunk
        })
        .boxed();
    let options = UploadOptions::new();
    let upload = storage.upload(bucket, "cancelled.bin", slow, &options);
    let _ = tokio::time::timeout(Duration::from_millis(1500), upload).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if support::open_uploads(server, &s3, bucket).await == before {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a cancelled upload left parts behind"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cloud_testkit::conformance::storage::remove_container(&storage, bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_stream_leaves_no_multipart_upload_on_s3s() {
    let multipart = MultipartConfig {
        threshold: 8 * 1024 * 1024,
        part_size: 5 * 1024 * 1024,
        concurrency: 2,
    };
    failing_upload_leaves_no_parts(Server::S3s, multipart, 23 * 1024 * 1024).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_stream_leaves_no_multipart_upload_on_moto() {
    failing_upload_leaves_no_parts(Server::Moto, support::small_parts(), 1024 * 1024).await;
}

#[tokio::test]
async fn a_wrong_secret_is_refused_as_invalid_credentials() {
    let Some(setup) = support::live_with(Server::S3s, |b| {
        b.credentials(AwsCredentials::new(
            Server::S3s.credentials().access_key_id().clone(),
            "not-the-secret",
        ))
    }) else {
        return;
    };
    let storage = Storage::new(setup.aws.s3().unwrap());
    let err = storage.list_containers_vec().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials, "{err}");
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert!(!err.to_string().contains("not-the-secret"));

    let Some(setup) = support::live_with(Server::S3s, |b| {
        b.credentials(AwsCredentials::new("nobody", "nothing"))
    }) else {
        return;
    };
    let err = Storage::new(setup.aws.s3().unwrap())
        .list_containers_vec()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials, "{err}");
}
