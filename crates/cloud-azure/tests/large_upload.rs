//! A 1 GiB stream of unknown length staged as blocks on Azurite: bounded
//! memory, and identical bytes back.
//!
//! `CLOUD_TEST_LARGE_UPLOAD_MIB` sets the size (default 1024); the peak RSS
//! of this test process must stay at or under 32 MiB. It is the only test
//! in this file, so the process's high-water mark is its own.
#![allow(clippy::unwrap_used)]

#[path = "it/support/mod.rs"]
mod support;

use cloud_azure::BlockUploadConfig;
use cloud_core::Storage;
use cloud_testkit::conformance::storage::remove_container;
use cloud_testkit::large_upload;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_stream_is_staged_in_blocks_in_bounded_memory() {
    let Some(url) = support::RECORDINGS.live_url() else {
        return;
    };
    // 2 MiB blocks, four in flight: about 10 MiB of blocks held. (With the
    // defaults, 4 MiB blocks, the peak measured 31 MiB by hand: too close
    // to the line for a test on a loaded machine.)
    let azure = support::builder(&url)
        .upload_config(BlockUploadConfig::new(2 << 20, 2 << 20, 4))
        .build()
        .unwrap();
    let storage = Storage::new(azure.blob_storage());
    let report = large_upload::round_trip(&storage, "ct-large", 32).await;
    eprintln!("{report:?}");
    storage
        .delete_object("ct-large", large_upload::KEY)
        .await
        .unwrap();
    remove_container(&storage, "ct-large").await;
}
