//! The storage fault suite on Azurite: every call through a proxy that
//! damages the real server's answers (skipped when Azurite is not running).
#![allow(clippy::unwrap_used)]

use cloud_core::Storage;
use cloud_core::http::ClientOptions;
use cloud_testkit::conformance::faults::{StorageFaultFixture, settings};
use cloud_testkit::fault_proxy::{Fault, FaultProxy, Rule};

use crate::support;

/// Put Block requests.
fn block_upload(fault: Fault) -> Rule {
    Rule::new(fault).method("PUT").query("comp=block&")
}

/// The uncommitted blocks of `big`, the one blob the suite uploads in
/// blocks: what a failed staged upload left behind.
async fn uncommitted_blocks(driver: cloud_azure::BlobStorage, container: String) -> usize {
    match driver.ex_uncommitted_blocks(&container, "big").await {
        Ok(blocks) => blocks.len(),
        Err(e) if e.is_not_found() => 0,
        Err(e) => panic!("reading the block list: {e}"),
    }
}

async fn fixture(case: &str) -> Option<StorageFaultFixture> {
    let url = support::RECORDINGS.live_url()?;
    let (origin, account_path) = split_origin(&url);
    let proxy = FaultProxy::start(origin).await.unwrap();
    let azure = support::builder(&format!("{}{account_path}", proxy.url()))
        .sequential_tokens(format!("{case}-{}", cloud_core::unique::unique_token()))
        .client_options(
            ClientOptions::new()
                .retry(settings::retry())
                .timeouts(settings::timeouts()),
        )
        .build()
        .unwrap();
    let driver = azure.blob_storage();
    let counted = driver.clone();
    Some(StorageFaultFixture {
        storage: Storage::new(driver),
        proxy,
        namespace: "ct-fault".into(),
        multipart_bytes: 300 * 1024,
        part_upload: block_upload,
        leftovers: Box::new(move |container| {
            Box::pin(uncommitted_blocks(counted.clone(), container))
        }),
        reauthenticates: false,
    })
}

/// `http://host:port` and the path after it (`/devstoreaccount1`).
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

mod azurite {
    use super::*;
    cloud_testkit::storage_fault_suite!(|case: &'static str| fixture(case));
}

#[test]
fn origins_split() {
    assert_eq!(
        split_origin("http://127.0.0.1:1/devstoreaccount1"),
        ("http://127.0.0.1:1", "/devstoreaccount1")
    );
}

/// A whole blob whose bytes differ from its stored Content-MD5 fails with
/// `HashMismatch` at the end of the body, for blobs put in one request and
/// staged from a stream alike.
#[test]
fn corrupted_downloads_fail_their_checksum() {
    cloud_testkit::run(async {
        let Some(f) = fixture("checksum").await else {
            return;
        };
        let s = &f.storage;
        let c = "ct-fault-checksum";
        cloud_testkit::conformance::storage::remove_container(s, c).await;
        s.create_container(c).await.unwrap();
        let small = "original bytes";
        s.upload_bytes(c, "small", small, &cloud_core::UploadOptions::new())
            .await
            .unwrap();
        let staged = cloud_testkit::data::stream(12, 300 * 1024);
        s.upload(c, "staged", staged, &cloud_core::UploadOptions::new())
            .await
            .unwrap();
        assert_eq!(s.download_bytes(c, "small").await.unwrap(), small);
        let whole = s.download_bytes(c, "staged").await.unwrap();
        assert_eq!(whole, cloud_testkit::data::bytes(12, 300 * 1024));
        for (name, len) in [("small", small.len()), ("staged", 300 * 1024)] {
            let garbage = "x".repeat(len);
            f.proxy
                .inject(Rule::new(Fault::Malformed { body: garbage }).method("GET"));
            let err = s.download_bytes(c, name).await.unwrap_err();
            f.proxy.clear_rules();
            assert!(
                matches!(err.kind(), cloud_core::ErrorKind::HashMismatch { .. }),
                "{name}: {err}"
            );
        }
        cloud_testkit::conformance::storage::remove_container(s, c).await;
    });
}
