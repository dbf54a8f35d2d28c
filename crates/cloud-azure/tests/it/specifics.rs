//! What the conformance suite does not cover, against Azurite: a wrong
//! key, SAS-token credentials, connection strings, writing through a
//! signed PUT URL, and a cancelled staged upload (skipped when Azurite is
//! not running; `cargo xtask test` starts it).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use cloud_azure::{AzureBuilder, DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY, StorageCredentials};
use cloud_core::http::{Body, HttpRequest, Method};
use cloud_core::{Environment, Storage, UploadOptions, UrlMethod};
use futures::StreamExt;

use crate::support;

fn storage(url: &str, credentials: StorageCredentials) -> Storage {
    let azure = support::builder(url)
        .credentials(credentials)
        .build()
        .unwrap();
    Storage::new(azure.blob_storage())
}

/// A key Azurite does not know is `InvalidCredentials`, and the key shows
/// nowhere in the error.
#[test]
fn wrong_key_is_refused_without_showing_it() {
    cloud_testkit::run(async {
        let Some(url) = support::RECORDINGS.live_url() else {
            return;
        };
        let wrong = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ==";
        let s = storage(
            &url,
            StorageCredentials::shared_key(DEVELOPMENT_ACCOUNT, wrong),
        );
        let err = s.list_containers_vec().await.unwrap_err();
        cloud_testkit::failure::assert_refused_without(&err, wrong);
    });
}

/// A connection string, as `AZURE_STORAGE_CONNECTION_STRING` holds it,
/// reaches Azurite with its key.
#[test]
fn connection_strings_from_the_environment() {
    cloud_testkit::run(async {
        let Some(url) = support::RECORDINGS.live_url() else {
            return;
        };
        let text = format!(
            "DefaultEndpointsProtocol=http;AccountName={DEVELOPMENT_ACCOUNT};AccountKey={DEVELOPMENT_KEY};BlobEndpoint={url};"
        );
        let env = Environment::from_vars([("AZURE_STORAGE_CONNECTION_STRING", text.as_str())]);
        let azure = AzureBuilder::new().environment(env).build().unwrap();
        assert_eq!(azure.blob_endpoint().as_str(), url);
        let s = Storage::new(azure.blob_storage());
        s.create_container("ct-connection").await.unwrap();
        s.delete_container("ct-connection").await.unwrap();
    });
}

/// A signed PUT URL writes the blob with plain HTTP; a SAS token for one
/// blob authorizes reading it and nothing else.
#[test]
fn signed_urls_and_sas_tokens() {
    cloud_testkit::run(async {
        let Some(url) = support::RECORDINGS.live_url() else {
            return;
        };
        let s = storage(
            &url,
            StorageCredentials::shared_key(DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY),
        );
        let c = "ct-sas";
        cloud_testkit::conformance::storage::remove_container(&s, c).await;
        s.create_container(c).await.unwrap();
        let put = s
            .signed_url(c, "via-url.txt", UrlMethod::Put, Duration::from_secs(300))
            .await
            .unwrap();
        let http = cloud_core::http::HttpClient::builder("azure")
            .allow_http(true)
            .build()
            .unwrap();
        let response = http
            .send(
                HttpRequest::new(Method::PUT, put)
                    .header("x-ms-blob-type", "BlockBlob")
                    .unwrap()
                    .body(Body::from_bytes("written by URL")),
            )
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201, "PUT on the signed URL");
        assert_eq!(
            s.download_bytes(c, "via-url.txt").await.unwrap(),
            "written by URL"
        );

        // The query of a signed GET URL is a SAS token for that one blob.
        let get = s
            .signed_url(c, "via-url.txt", UrlMethod::Get, Duration::from_secs(300))
            .await
            .unwrap();
        let token = get.query().unwrap().to_owned();
        let sas = storage(&url, StorageCredentials::sas(token.clone()));
        assert_eq!(
            sas.download_bytes(c, "via-url.txt").await.unwrap(),
            "written by URL"
        );
        let refused = sas
            .upload_bytes(c, "other.txt", "x", &UploadOptions::new())
            .await
            .unwrap_err();
        assert!(!refused.to_string().contains(&token), "{refused}");
        cloud_testkit::conformance::storage::remove_container(&s, c).await;
    });
}

/// An upload dropped while its blocks are being staged commits nothing:
/// the blob keeps its old content.
#[test]
fn a_cancelled_staged_upload_commits_nothing() {
    cloud_testkit::run(async {
        let Some(url) = support::RECORDINGS.live_url() else {
            return;
        };
        let s = storage(
            &url,
            StorageCredentials::shared_key(DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY),
        );
        let c = "ct-cancelled";
        cloud_testkit::conformance::storage::remove_container(&s, c).await;
        s.create_container(c).await.unwrap();
        s.upload_bytes(c, "kept", "old", &UploadOptions::new())
            .await
            .unwrap();
        // Two blocks' worth, then a source that never ends.
        let body = cloud_testkit::data::stream(9, 300 * 1024)
            .chain(futures::stream::pending())
            .boxed();
        let options = UploadOptions::new();
        let upload = s.upload(c, "kept", body, &options);
        assert!(
            tokio::time::timeout(Duration::from_secs(2), upload)
                .await
                .is_err()
        );
        assert_eq!(s.download_bytes(c, "kept").await.unwrap(), "old");
        let fresh = cloud_testkit::data::stream(10, 300 * 1024)
            .chain(futures::stream::pending())
            .boxed();
        let upload = s.upload(c, "never", fresh, &options);
        assert!(
            tokio::time::timeout(Duration::from_secs(2), upload)
                .await
                .is_err()
        );
        assert!(s.get_object(c, "never").await.unwrap_err().is_not_found());
        // A later upload of the same blob is not disturbed by the blocks left.
        let again = cloud_testkit::data::stream(11, 300 * 1024);
        s.upload(c, "never", again, &UploadOptions::new())
            .await
            .unwrap();
        assert_eq!(s.get_object(c, "never").await.unwrap().size, 300 * 1024);
        cloud_testkit::conformance::storage::remove_container(&s, c).await;
    });
}
