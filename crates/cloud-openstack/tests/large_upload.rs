//! A large streamed upload to a real Swift, which becomes a Static Large
//! Object: bounded memory and identical bytes back.
//!
//! `CLOUD_TEST_LARGE_UPLOAD_MIB` sets the size (default 1024, the figure the
//! project promises); the peak RSS of this test process must stay under
//! 100 MiB. It is the only test in this file, so the process's high-water
//! mark is its own.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Instant;

use cloud_core::{DownloadOptions, Storage, UploadOptions};
use cloud_openstack::SloConfig;
use cloud_testkit::data;
use support::Server;

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_becomes_an_slo_in_bounded_memory_and_reads_back_identical() {
    let Some(setup) = support::live_with(Server::Swift, |b| b.slo(SloConfig::default()).unwrap())
    else {
        return;
    };
    let storage = Storage::new(setup.cloud.swift());
    let mib: u64 = std::env::var("CLOUD_TEST_LARGE_UPLOAD_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let len = mib * 1024 * 1024;
    let container = "ct-large";
    cloud_testkit::conformance::storage::remove_container(&storage, container).await;
    storage.create_container(container).await.unwrap();

    let started = Instant::now();
    // Unknown length: the stream is consumed as it is produced.
    let object = storage
        .upload(
            container,
            "big.bin",
            data::stream(42, len),
            &UploadOptions::new(),
        )
        .await
        .unwrap();
    let upload_time = started.elapsed();
    assert_eq!(object.size, len);
    assert_eq!(object.extra["static_large_object"], true);
    let after_upload = peak_rss_mib();

    let started = Instant::now();
    let download = storage
        .download(container, "big.bin", &DownloadOptions::new())
        .await
        .unwrap();
    assert_eq!(download.len(), len);
    let (got, digest) = data::digest_stream(download.body).await.unwrap();
    let download_time = started.elapsed();
    assert_eq!(got, len);
    assert_eq!(digest, data::digest(42, len), "the bytes read back differ");
    let peak = peak_rss_mib();
    eprintln!(
        "{mib} MiB as {} segments: upload {:.1} s ({:.0} MiB/s), download {:.1} s ({:.0} MiB/s), peak RSS after upload {:?} MiB, at end {:?} MiB",
        object.extra["segments"],
        upload_time.as_secs_f64(),
        mib as f64 / upload_time.as_secs_f64(),
        download_time.as_secs_f64(),
        mib as f64 / download_time.as_secs_f64(),
        after_upload,
        peak
    );
    if let Some(peak) = peak {
        assert!(peak < 100, "peak RSS {peak} MiB (limit 100 MiB)");
    }
    storage.delete_object(container, "big.bin").await.unwrap();
    cloud_testkit::conformance::storage::remove_container(&storage, container).await;
    cloud_testkit::conformance::storage::remove_container(&storage, "ct-large_segments").await;
}
