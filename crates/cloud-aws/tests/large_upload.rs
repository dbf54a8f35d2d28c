//! A large streamed upload against a live S3 server that verifies SigV4
//! (s3s-fs): bounded memory and identical bytes back.
//!
//! `CLOUD_TEST_LARGE_UPLOAD_MIB` sets the size (default 1024, the figure the
//! project promises); the peak RSS of this test process must stay at or
//! under 100 MiB. It is the only test in this file, so the process's
//! high-water mark is its own.
#![allow(clippy::unwrap_used)]

#[path = "it/support/mod.rs"]
mod support;

use cloud_aws::MultipartConfig;
use cloud_core::Storage;
use cloud_testkit::large_upload;
use support::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_streamed_upload_runs_in_bounded_memory_and_reads_back_identical() {
    let Some(setup) = support::live_with(Server::S3s, |b| {
        b.multipart(MultipartConfig::default()).unwrap()
    }) else {
        return;
    };
    let storage = Storage::new(setup.aws.s3().unwrap());
    large_upload::round_trip(&storage, "ct-large", 100).await;
    storage
        .delete_object("ct-large", large_upload::KEY)
        .await
        .unwrap();
    storage.delete_container("ct-large").await.unwrap();
}
