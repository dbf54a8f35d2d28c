//! A 1 GiB stream of unknown length through a resumable session on
//! fake-gcs-server: bounded memory, and identical bytes back.
//!
//! `CLOUD_TEST_LARGE_UPLOAD_MIB` sets the size (default 1024); the peak RSS
//! of this test process must stay at or under 32 MiB. It is the only test
//! in this file, so the process's high-water mark is its own.
#![allow(clippy::unwrap_used)]

#[path = "it/support/mod.rs"]
mod support;

use cloud_core::Storage;
use cloud_google::GcsUploadConfig;
use cloud_testkit::conformance::storage::remove_container;
use cloud_testkit::large_upload;
use support::Server;

/// 16 MiB chunks: fake-gcs-server re-hashes everything it holds after each
/// chunk, so smaller ones make its side of 1 GiB slow; the driver holds
/// one chunk of a stream until the session has it.
const CHUNK: u64 = 16 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_stream_goes_through_a_resumable_session_in_bounded_memory() {
    let Some(url) = Server::FakeGcs.url() else {
        return;
    };
    let google = support::builder(&url)
        .upload_config(GcsUploadConfig::new(8 * 1024 * 1024, CHUNK))
        .build()
        .unwrap();
    let storage = Storage::new(google.storage());
    let report = large_upload::round_trip(&storage, "ct-large", 32).await;
    eprintln!(
        "in {} chunks of {} MiB",
        (report.mib * 1024 * 1024).div_ceil(CHUNK),
        CHUNK >> 20
    );
    storage
        .delete_object("ct-large", large_upload::KEY)
        .await
        .unwrap();
    remove_container(&storage, "ct-large").await;
}
