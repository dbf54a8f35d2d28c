//! Swift beyond the conformance suite, against the real server: Static
//! Large Objects that fail (the source dies, a segment is refused, the
//! caller gives up) leave no segments behind; overwrites and deletes remove
//! the old segments; signed PUT URLs; a token the server forgets mid-run is
//! renewed without the caller seeing it; a wrong key is refused.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use cloud_core::http::{
    Body, HttpRequest, HyperTransport, Method, Request, Response, ResponseBody, TlsOptions,
    Transport,
};
use cloud_core::{Error, ErrorKind, Secret, Storage, UploadOptions, UrlMethod};
use cloud_openstack::Auth;
use cloud_testkit::data;
use futures::StreamExt;
use support::Server;

async fn fresh(storage: &Storage, name: &str) {
    cloud_testkit::conformance::storage::remove_container(storage, name).await;
    cloud_testkit::conformance::storage::remove_container(storage, &format!("{name}_segments"))
        .await;
    storage.create_container(name).await.unwrap();
}

/// Segments left in `container`'s segment container under `name/`.
async fn segments(storage: &Storage, container: &str, name: &str) -> usize {
    match storage
        .list_objects_vec(&format!("{container}_segments"), Some(&format!("{name}/")))
        .await
    {
        Ok(list) => list.len(),
        Err(e) if e.is_not_found() => 0,
        Err(e) => panic!("listing segments: {e}"),
    }
}

/// Refuses (with a connection error) every PUT of segment number `n`.
#[derive(Debug)]
struct RefuseSegment {
    inner: HyperTransport,
    suffix: String,
    refused: AtomicUsize,
}

#[async_trait]
impl Transport for RefuseSegment {
    async fn send(&self, request: Request<Body>) -> cloud_core::Result<Response<ResponseBody>> {
        if request.method() == Method::PUT && request.uri().path().ends_with(&self.suffix) {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(Error::new(
                ErrorKind::Transport,
                "injected: segment refused",
            ));
        }
        self.inner.send(request).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_slo_uploads_leave_no_segments() {
    let Some(setup) = support::live_with(Server::Swift, |b| b) else {
        return;
    };
    let storage = Storage::new(setup.cloud.swift());
    let container = "ct-slo-fail";
    fresh(&storage, container).await;

    // The source dies after five segments.
    let failing = data::stream(7, 5 * 64 * 1024 + 1000)
        .chain(futures::stream::once(async {
            Err(Error::new(ErrorKind::Io, "the source died"))
        }))
        .boxed();
    let err = storage
        .upload(container, "doomed.bin", failing, &UploadOptions::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("the source died"), "{err}");
    assert_eq!(segments(&storage, container, "doomed.bin").await, 0);
    assert!(
        storage
            .get_object(container, "doomed.bin")
            .await
            .unwrap_err()
            .is_not_found()
    );

    // Swift refuses the third segment (every retry of it).
    let refusing = Arc::new(RefuseSegment {
        inner: HyperTransport::new(Duration::from_secs(5), &TlsOptions::new()).unwrap(),
        suffix: "/00000003".into(),
        refused: AtomicUsize::new(0),
    });
    let Some(setup) = support::live_with(Server::Swift, |b| b.transport(refusing.clone())) else {
        return;
    };
    let refused_storage = Storage::new(setup.cloud.swift());
    let err = refused_storage
        .upload(
            container,
            "refused.bin",
            data::stream(8, 10 * 64 * 1024),
            &UploadOptions::new(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("segment refused"), "{err}");
    assert!(refusing.refused.load(Ordering::Relaxed) >= 1);
    assert_eq!(segments(&storage, container, "refused.bin").await, 0);

    // The caller gives up half-way: the segments go once the task notices.
    let slow = data::stream(9, 64 * 1024 * 1024)
        .then(|chunk| async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            chunk
        })
        .boxed();
    let options = UploadOptions::new();
    let upload = storage.upload(container, "cancelled.bin", slow, &options);
    let _ = tokio::time::timeout(Duration::from_millis(1500), upload).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while segments(&storage, container, "cancelled.bin").await > 0 {
        assert!(
            Instant::now() < deadline,
            "a cancelled upload left segments behind"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cloud_testkit::conformance::storage::remove_container(&storage, container).await;
}

#[tokio::test]
async fn overwriting_or_deleting_an_slo_removes_its_segments() {
    let Some(setup) = support::live_with(Server::Swift, |b| b) else {
        return;
    };
    let storage = Storage::new(setup.cloud.swift());
    let container = "ct-slo-life";
    fresh(&storage, container).await;
    let len = 5 * 64 * 1024 + 17;
    let object = storage
        .upload(
            container,
            "big.bin",
            data::stream(1, len),
            &UploadOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(object.size, len);
    assert_eq!(object.extra["static_large_object"], true);
    assert_eq!(segments(&storage, container, "big.bin").await, 6);
    let head = storage.get_object(container, "big.bin").await.unwrap();
    assert_eq!(head.size, len);
    let back = storage.download_bytes(container, "big.bin").await.unwrap();
    assert_eq!(back, data::bytes(1, len as usize));

    // Overwrite with a smaller SLO: only the new segments remain.
    let len2 = 4 * 64 * 1024 + 3;
    storage
        .upload(
            container,
            "big.bin",
            data::stream(2, len2),
            &UploadOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(segments(&storage, container, "big.bin").await, 5);
    let back = storage.download_bytes(container, "big.bin").await.unwrap();
    assert_eq!(back, data::bytes(2, len2 as usize));

    // Overwrite with a small plain object, then delete it: none remain.
    storage
        .upload_bytes(container, "big.bin", "small now", &UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(segments(&storage, container, "big.bin").await, 0);
    storage
        .upload(
            container,
            "big.bin",
            data::stream(3, len2),
            &UploadOptions::new(),
        )
        .await
        .unwrap();
    storage.delete_object(container, "big.bin").await.unwrap();
    assert_eq!(segments(&storage, container, "big.bin").await, 0);
    cloud_testkit::conformance::storage::remove_container(&storage, container).await;
}

#[tokio::test]
async fn aborting_refuses_the_segments_of_a_live_object() {
    let Some(setup) = support::live_with(Server::Swift, |b| b) else {
        return;
    };
    let storage = Storage::new(setup.cloud.swift());
    let container = "ct-slo-abort";
    fresh(&storage, container).await;
    let len = 3 * 64 * 1024 + 5;
    storage
        .upload(
            container,
            "live.bin",
            data::stream(4, len),
            &UploadOptions::new(),
        )
        .await
        .unwrap();
    // A finished object's segments are not an unfinished upload...
    let pending: Vec<_> = storage.list_uploads(container, "").collect().await;
    assert!(pending.is_empty(), "{pending:?}");
    // ...and an abort naming them anyway is refused, deleting nothing.
    let segment = storage
        .list_objects_vec(&format!("{container}_segments"), None)
        .await
        .unwrap()
        .remove(0)
        .name;
    let group = segment.rsplit_once('/').unwrap().0;
    let upload = cloud_core::PendingUpload::new("live.bin", group);
    let err = storage.abort_upload(container, &upload).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Conflict, "{err}");
    assert_eq!(segments(&storage, container, "live.bin").await, 4);
    let back = storage.download_bytes(container, "live.bin").await.unwrap();
    assert_eq!(back, data::bytes(4, len as usize));
    cloud_testkit::conformance::storage::remove_container(&storage, container).await;
}

#[tokio::test]
async fn a_signed_put_url_uploads_without_a_token() {
    let Some(setup) = support::live_with(Server::Swift, |b| b.temp_url_key(support::TEMP_URL_KEY))
    else {
        return;
    };
    let swift = setup.cloud.swift();
    swift
        .ex_set_temp_url_key(support::TEMP_URL_KEY)
        .await
        .unwrap();
    let storage = Storage::new(swift);
    let container = "ct-signed-put";
    fresh(&storage, container).await;
    let url = storage
        .signed_url(
            container,
            "via-url.txt",
            UrlMethod::Put,
            Duration::from_secs(300),
        )
        .await
        .unwrap();
    assert!(url.query().unwrap().contains("temp_url_sig="));
    let response = setup
        .http
        .send(
            HttpRequest::new(Method::PUT, url)
                .body(Body::from_bytes(Bytes::from_static(b"uploaded by URL"))),
        )
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let back = storage
        .download_bytes(container, "via-url.txt")
        .await
        .unwrap();
    assert_eq!(&back[..], b"uploaded by URL");
    cloud_testkit::conformance::storage::remove_container(&storage, container).await;
}

/// Makes Swift forget every token (tempauth keeps them in memcached).
async fn flush_memcached() {
    let address = std::env::var("CLOUD_TEST_SWIFT_MEMCACHED")
        .expect("CLOUD_TEST_SWIFT_MEMCACHED names Swift's memcached");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(b"flush_all\r\n").await.unwrap();
    let mut reply = [0u8; 4];
    stream.read_exact(&mut reply).await.unwrap();
    assert_eq!(&reply, b"OK\r\n");
}

#[tokio::test]
async fn a_token_the_server_forgets_is_renewed_without_an_error() {
    let Some(setup) = support::live_with(Server::Swift, |b| b) else {
        return;
    };
    let storage = Storage::new(setup.cloud.swift());
    let container = "ct-token-renewal";
    fresh(&storage, container).await;
    storage
        .upload_bytes(container, "a.txt", "before", &UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(setup.cloud.session().authentications(), 1);

    flush_memcached().await;
    // Swift now answers 401 to the cached token; the caller sees nothing.
    storage
        .upload_bytes(container, "b.txt", "after", &UploadOptions::new())
        .await
        .unwrap();
    let names: Vec<String> = storage
        .list_objects_vec(container, None)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["a.txt", "b.txt"]);
    assert_eq!(setup.cloud.session().authentications(), 2);
    cloud_testkit::conformance::storage::remove_container(&storage, container).await;
}

#[tokio::test]
async fn a_wrong_key_is_refused_as_invalid_credentials() {
    let Some(url) = support::live_url(Server::Swift) else {
        return;
    };
    let Some(setup) = support::live_with(Server::Swift, |b| {
        b.auth(Auth::V1 {
            url,
            user: "test:tester".into(),
            key: Secret::new("not-the-key"),
        })
    }) else {
        return;
    };
    let err = Storage::new(setup.cloud.swift())
        .list_containers_vec()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials, "{err}");
    assert!(!format!("{err} {err:?}").contains("not-the-key"));
}
