//! The large-upload round trip every object-storage driver proves itself
//! with: a stream of unknown length uploaded, read back, compared by
//! digest, while the process's peak RSS stays under a limit.
//!
//! Each driver crate calls it from a test binary of its own
//! (`tests/large_upload.rs`) holding only that test, so the process's
//! high-water mark is the upload's.

use std::time::{Duration, Instant};

use cloud_core::{DownloadOptions, Object, Storage, UploadOptions};

use crate::data;

/// The object the round trip writes.
pub const KEY: &str = "big.bin";

/// The size in MiB: `CLOUD_TEST_LARGE_UPLOAD_MIB`, 1024 (the figure the
/// project promises) when unset.
pub fn size_mib() -> u64 {
    std::env::var("CLOUD_TEST_LARGE_UPLOAD_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

/// The process's peak resident set in MiB (`VmHWM`), where `/proc` has it.
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// What a round trip measured.
#[derive(Debug)]
pub struct Report {
    /// The object the upload returned.
    pub object: Object,
    /// Bytes moved each way.
    pub mib: u64,
    /// Time to upload.
    pub upload: Duration,
    /// Time to download and digest.
    pub download: Duration,
    /// Peak RSS once the upload finished.
    pub rss_after_upload: Option<u64>,
    /// Peak RSS at the end.
    pub rss_peak: Option<u64>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = |d: Duration| self.mib as f64 / d.as_secs_f64();
        write!(
            f,
            "{} MiB: upload {:.1} s ({:.0} MiB/s), download {:.1} s ({:.0} MiB/s), \
             peak RSS after upload {:?} MiB, at end {:?} MiB",
            self.mib,
            self.upload.as_secs_f64(),
            rate(self.upload),
            self.download.as_secs_f64(),
            rate(self.download),
            self.rss_after_upload,
            self.rss_peak,
        )
    }
}

/// Uploads [`size_mib`] MiB of seeded bytes as a stream of unknown length
/// into a fresh `container`, downloads them, checks length and digest, and
/// panics when the peak RSS exceeds `rss_limit_mib`. The object and the
/// container are left for the caller to inspect and remove.
pub async fn round_trip(storage: &Storage, container: &str, rss_limit_mib: u64) -> Report {
    let mib = size_mib();
    let len = mib * 1024 * 1024;
    crate::conformance::storage::remove_container(storage, container).await;
    if let Err(e) = storage.create_container(container).await {
        panic!("cannot create {container}: {e}");
    }

    let started = Instant::now();
    let object = match storage
        .upload(container, KEY, data::stream(42, len), &UploadOptions::new())
        .await
    {
        Ok(object) => object,
        Err(e) => panic!("upload of {mib} MiB failed: {e}"),
    };
    let upload = started.elapsed();
    assert_eq!(object.size, len, "the uploaded object's size");
    let rss_after_upload = peak_rss_mib();

    let started = Instant::now();
    let download = match storage
        .download(container, KEY, &DownloadOptions::new())
        .await
    {
        Ok(download) => download,
        Err(e) => panic!("download of {mib} MiB failed: {e}"),
    };
    assert_eq!(download.len(), len, "the download's announced length");
    let (got, digest) = match data::digest_stream(download.body).await {
        Ok(read) => read,
        Err(e) => panic!("reading the download failed: {e}"),
    };
    let download = started.elapsed();
    assert_eq!(got, len, "bytes read back");
    assert_eq!(digest, data::digest(42, len), "the bytes read back differ");

    let report = Report {
        object,
        mib,
        upload,
        download,
        rss_after_upload,
        rss_peak: peak_rss_mib(),
    };
    eprintln!("{report}");
    if let Some(peak) = report.rss_peak {
        assert!(
            peak <= rss_limit_mib,
            "peak RSS {peak} MiB (limit {rss_limit_mib} MiB)"
        );
    }
    report
}
