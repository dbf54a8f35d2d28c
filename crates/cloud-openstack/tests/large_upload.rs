//! A large streamed upload to a real Swift, which becomes a Static Large
//! Object: bounded memory and identical bytes back.
//!
//! `CLOUD_TEST_LARGE_UPLOAD_MIB` sets the size (default 1024, the figure the
//! project promises); the peak RSS of this test process must stay at or
//! under 100 MiB. It is the only test in this file, so the process's
//! high-water mark is its own.
#![allow(clippy::unwrap_used)]

#[path = "it/support/mod.rs"]
mod support;

use cloud_core::Storage;
use cloud_openstack::SloConfig;
use cloud_testkit::conformance::storage::remove_container;
use cloud_testkit::large_upload;
use support::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_becomes_an_slo_in_bounded_memory_and_reads_back_identical() {
    let Some(setup) = support::live_with(Server::Swift, |b| b.slo(SloConfig::default()).unwrap())
    else {
        return;
    };
    let storage = Storage::new(setup.cloud.swift());
    let report = large_upload::round_trip(&storage, "ct-large", 100).await;
    assert_eq!(report.object.extra["static_large_object"], true);
    eprintln!("as {} segments", report.object.extra["segments"]);
    storage
        .delete_object("ct-large", large_upload::KEY)
        .await
        .unwrap();
    remove_container(&storage, "ct-large").await;
    remove_container(&storage, "ct-large_segments").await;
}
