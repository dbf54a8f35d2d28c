//! The storage conformance suite.
//!
//! Every case works in its own container, named from the fixture's
//! namespace and the case, so cases can run in parallel against one server
//! and their recorded exchanges are the same on every run.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use cloud_core::http::{HttpClient, HttpRequest, Method};
use cloud_core::{
    ByteRange, Capability, DownloadOptions, Error, ErrorKind, ListEntry, ListOptions, ResourceKind,
    Storage, UploadOptions, UrlMethod, WriteCondition,
};
use futures::{StreamExt, TryStreamExt};

use crate::{assert_kind, data};

/// What the storage suite runs against.
#[derive(Debug, Clone)]
pub struct StorageFixture {
    /// The handle under test.
    pub storage: Storage,
    /// Prefix of every container name (lowercase letters, digits, `-`).
    pub namespace: String,
    /// Size of the large streamed object (default 8 MiB).
    pub large_object_bytes: u64,
    /// Object names this driver must refuse with `InvalidInput` beyond the
    /// portable rules (the local driver: `../x`, absolute paths).
    pub invalid_object_names: Vec<String>,
    /// Object names this driver must refuse to write or read with
    /// `InvalidInput`, but deletes another way: S3 keys with a `..`
    /// segment (another client wrote them; no URL addresses them) go in a
    /// `DeleteObjects` body, so a bucket holding one can still be emptied.
    pub unreadable_object_names: Vec<String>,
    /// Container names this driver must refuse with `InvalidInput`.
    pub invalid_container_names: Vec<String>,
    /// A client to fetch signed URLs with, when the driver offers them.
    pub http: Option<HttpClient>,
    skips: Vec<(&'static str, String)>,
}

impl StorageFixture {
    /// A fixture for `storage` with the default namespace `ct`.
    pub fn new(storage: Storage) -> Self {
        StorageFixture {
            storage,
            namespace: "ct".into(),
            large_object_bytes: 8 * 1024 * 1024,
            invalid_object_names: Vec::new(),
            unreadable_object_names: Vec::new(),
            invalid_container_names: Vec::new(),
            http: None,
            skips: Vec::new(),
        }
    }

    /// Sets the container-name prefix.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Sets the size of the large object.
    #[must_use]
    pub fn large_object_bytes(mut self, n: u64) -> Self {
        self.large_object_bytes = n;
        self
    }

    /// Adds a name the driver must refuse.
    #[must_use]
    pub fn invalid_object_name(mut self, name: impl Into<String>) -> Self {
        self.invalid_object_names.push(name.into());
        self
    }

    /// Adds a name the driver must refuse to write or read, but deletes.
    #[must_use]
    pub fn unreadable_object_name(mut self, name: impl Into<String>) -> Self {
        self.unreadable_object_names.push(name.into());
        self
    }

    /// Adds a container name the driver must refuse.
    #[must_use]
    pub fn invalid_container_name(mut self, name: impl Into<String>) -> Self {
        self.invalid_container_names.push(name.into());
        self
    }

    /// Fetches signed URLs with `http`.
    #[must_use]
    pub fn http(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// Skips one case, saying why (shown in the test output).
    #[must_use]
    pub fn skip(mut self, case: &'static str, reason: impl Into<String>) -> Self {
        self.skips.push((case, reason.into()));
        self
    }

    /// Why `case` is skipped, if it is.
    pub fn skip_reason(&self, case: &str) -> Option<&str> {
        self.skips
            .iter()
            .find(|(c, _)| *c == case)
            .map(|(_, r)| r.as_str())
    }

    fn supports(&self, cap: Capability) -> bool {
        self.storage.capabilities().contains(cap)
    }

    fn container(&self, case: &str) -> String {
        format!("{}-{case}", self.namespace)
    }

    /// Creates the case's container, removing any leftover from an earlier run.
    async fn fresh(&self, case: &str) -> String {
        let name = self.container(case);
        remove_container(&self.storage, &name).await;
        self.storage
            .create_container(&name)
            .await
            .unwrap_or_else(|e| panic!("creating container {name}: {e}"));
        name
    }

    async fn cleanup(&self, container: &str) {
        remove_container(&self.storage, container).await;
    }
}

/// Deletes a container and everything in it; missing is fine.
pub async fn remove_container(storage: &Storage, name: &str) {
    let names: Vec<String> = match storage.list_objects_vec(name, None).await {
        Ok(objects) => objects.into_iter().map(|o| o.name).collect(),
        Err(e) if e.is_not_found() => return,
        Err(e) => panic!("listing {name} for cleanup: {e}"),
    };
    for object in names {
        match storage.delete_object(name, &object).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => panic!("deleting {name}/{object} for cleanup: {e}"),
        }
    }
    match storage.delete_container(name).await {
        Ok(()) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => panic!("deleting container {name} for cleanup: {e}"),
    }
}

async fn names(storage: &Storage, container: &str, options: &ListOptions) -> Vec<String> {
    storage
        .list_objects(container, options)
        .map_ok(|e| match e {
            ListEntry::Object(o) => o.name,
            ListEntry::Prefix { prefix } => format!("{prefix}(prefix)"),
            other => format!("{other:?}"),
        })
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("listing {container}: {e}"))
}

/// Create, get, list, create again, delete, delete again.
pub async fn container_lifecycle(fx: &StorageFixture) {
    let s = &fx.storage;
    let name = fx.container("lifecycle");
    remove_container(s, &name).await;
    if !fx.supports(Capability::CreateContainer) {
        assert_kind!(
            s.driver().create_container(&name).await,
            ErrorKind::Unsupported { .. }
        );
        return;
    }
    let created = s.create_container(&name).await.unwrap();
    assert_eq!(created.name, name);
    if fx.supports(Capability::GetContainer) {
        assert_eq!(s.get_container(&name).await.unwrap().name, name);
    }
    if fx.supports(Capability::ListContainers) {
        let all = s.list_containers_vec().await.unwrap();
        assert!(
            all.iter().any(|c| c.name == name),
            "{name} missing from {all:?}"
        );
    }
    let err = assert_kind!(
        s.create_container(&name).await,
        ErrorKind::AlreadyExists { .. }
    );
    assert!(err.to_string().contains(&name), "{err}");
    s.delete_container(&name).await.unwrap();
    if fx.supports(Capability::GetContainer) {
        assert_kind!(
            s.get_container(&name).await,
            ErrorKind::NotFound {
                resource: ResourceKind::Container,
                ..
            }
        );
    }
    assert_kind!(s.delete_container(&name).await, ErrorKind::NotFound { .. });
}

/// A container holding an object cannot be deleted.
pub async fn container_not_empty(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("notempty").await;
    s.upload_bytes(&c, "keep.txt", "x", &UploadOptions::new())
        .await
        .unwrap();
    assert_kind!(
        s.delete_container(&c).await,
        ErrorKind::NotEmpty {
            resource: ResourceKind::Container,
            ..
        }
    );
    assert_eq!(s.download_bytes(&c, "keep.txt").await.unwrap(), "x");
    fx.cleanup(&c).await;
}

/// Bad names are refused before any request, the same way everywhere.
pub async fn invalid_names(fx: &StorageFixture) {
    let s = &fx.storage;
    for bad in ["", "a/b", "nul\0"]
        .iter()
        .map(|s| s.to_string())
        .chain(fx.invalid_container_names.clone())
    {
        assert_kind!(s.create_container(&bad).await, ErrorKind::InvalidInput);
    }
    let c = fx.fresh("badnames").await;
    let mut bad_objects: Vec<String> = vec![
        "".into(),
        "nul\0byte".into(),
        "line\nbreak".into(),
        "x".repeat(1025),
    ];
    bad_objects.extend(fx.invalid_object_names.iter().cloned());
    for bad in &bad_objects {
        let err = assert_kind!(
            s.upload_bytes(&c, bad, "data", &UploadOptions::new()).await,
            ErrorKind::InvalidInput
        );
        assert!(!err.message().is_empty());
        assert_kind!(s.get_object(&c, bad).await, ErrorKind::InvalidInput);
        assert_kind!(s.download_bytes(&c, bad).await, ErrorKind::InvalidInput);
        assert_kind!(s.delete_object(&c, bad).await, ErrorKind::InvalidInput);
    }
    for name in &fx.unreadable_object_names {
        assert_kind!(
            s.upload_bytes(&c, name, "data", &UploadOptions::new())
                .await,
            ErrorKind::InvalidInput
        );
        assert_kind!(s.get_object(&c, name).await, ErrorKind::InvalidInput);
        assert_kind!(s.download_bytes(&c, name).await, ErrorKind::InvalidInput);
        s.delete_object(&c, name)
            .await
            .unwrap_or_else(|e| panic!("deleting `{name}`: {e}"));
    }
    let bad_meta = UploadOptions::new().metadata("Bad Key", "v");
    assert_kind!(
        s.upload_bytes(&c, "m", "x", &bad_meta).await,
        ErrorKind::InvalidInput
    );
    assert!(
        s.list_objects_vec(&c, None).await.unwrap().is_empty(),
        "nothing was written"
    );
    fx.cleanup(&c).await;
}

/// Content, content type, user metadata and etag survive a round trip.
pub async fn object_round_trip(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("roundtrip").await;
    let body = data::bytes(1, 10_000);
    let mut options = UploadOptions::new().content_type("application/x-test");
    if fx.supports(Capability::UserMetadata) {
        options = options
            .metadata("owner", "ada")
            .metadata("purpose", "conformance test");
    }
    let uploaded = s
        .upload_bytes(&c, "docs/report.bin", body.clone(), &options)
        .await
        .unwrap();
    assert_eq!(uploaded.name, "docs/report.bin");
    assert_eq!(uploaded.size, 10_000);
    let meta = s.get_object(&c, "docs/report.bin").await.unwrap();
    assert_eq!(meta.size, 10_000);
    assert_eq!(meta.content_type.as_deref(), Some("application/x-test"));
    assert!(meta.etag.is_some(), "an etag is expected");
    if let (Some(a), Some(b)) = (&uploaded.etag, &meta.etag) {
        assert_eq!(a, b, "upload and HEAD agree on the etag");
    }
    if fx.supports(Capability::UserMetadata) {
        let expected: BTreeMap<String, String> = [
            ("owner".to_string(), "ada".to_string()),
            ("purpose".to_string(), "conformance test".to_string()),
        ]
        .into();
        assert_eq!(meta.metadata, expected);
    }
    let download = s
        .download(&c, "docs/report.bin", &DownloadOptions::new())
        .await
        .unwrap();
    assert_eq!(download.object.size, 10_000);
    assert_eq!(download.range, 0..10_000);
    assert_eq!(download.bytes().await.unwrap(), body);
    let listed = s.list_objects_vec(&c, None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "docs/report.bin");
    assert_eq!(listed[0].size, 10_000);
    fx.cleanup(&c).await;
}

/// A zero-byte object is stored, listed and read back as empty.
pub async fn empty_object(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("empty").await;
    let o = s
        .upload_bytes(&c, "empty", Bytes::new(), &UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(o.size, 0);
    assert_eq!(s.get_object(&c, "empty").await.unwrap().size, 0);
    assert_eq!(s.download_bytes(&c, "empty").await.unwrap().len(), 0);
    // And an empty stream of unknown length.
    let o = s
        .upload(
            &c,
            "empty-stream",
            futures::stream::empty().boxed(),
            &UploadOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(o.size, 0);
    assert_eq!(s.download_bytes(&c, "empty-stream").await.unwrap().len(), 0);
    fx.cleanup(&c).await;
}

/// A second upload replaces the first.
pub async fn overwrite(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("overwrite").await;
    s.upload_bytes(&c, "o", "first version", &UploadOptions::new())
        .await
        .unwrap();
    s.upload_bytes(&c, "o", "second", &UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(s.download_bytes(&c, "o").await.unwrap(), "second");
    assert_eq!(s.get_object(&c, "o").await.unwrap().size, 6);
    assert_eq!(s.list_objects_vec(&c, None).await.unwrap().len(), 1);
    fx.cleanup(&c).await;
}

/// Missing objects and containers are `NotFound`, naming what is missing.
pub async fn missing(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("missing").await;
    let err = assert_kind!(s.get_object(&c, "nope").await, ErrorKind::NotFound { .. });
    assert!(err.to_string().contains("nope"), "{err}");
    assert_kind!(
        s.download_bytes(&c, "nope").await,
        ErrorKind::NotFound { .. }
    );
    let gone = fx.container("never-created");
    assert_kind!(s.get_object(&gone, "x").await, ErrorKind::NotFound { .. });
    assert_kind!(
        s.upload_bytes(&gone, "x", "data", &UploadOptions::new())
            .await,
        ErrorKind::NotFound { .. }
    );
    let listed: Result<Vec<_>, Error> = s
        .list_objects(&gone, &ListOptions::new())
        .try_collect()
        .await;
    assert_kind!(listed, ErrorKind::NotFound { .. });
    fx.cleanup(&c).await;
}

/// Byte ranges, including the edges.
pub async fn ranges(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("ranges").await;
    let body = data::bytes(2, 1000);
    s.upload_bytes(&c, "r", body.clone(), &UploadOptions::new())
        .await
        .unwrap();
    if !fx.supports(Capability::DownloadRange) {
        let unsupported = s
            .driver()
            .download(
                &c,
                "r",
                &DownloadOptions::new().range(ByteRange::from_offset(1)),
            )
            .await;
        assert_kind!(unsupported, ErrorKind::Unsupported { .. });
        fx.cleanup(&c).await;
        return;
    }
    let cases = [
        (ByteRange::bounded(10, 20).unwrap(), 10..20),
        (ByteRange::bounded(0, 1).unwrap(), 0..1),
        (ByteRange::bounded(990, 5000).unwrap(), 990..1000),
        (ByteRange::from_offset(999), 999..1000),
        (ByteRange::from_offset(0), 0..1000),
        (ByteRange::last(5), 995..1000),
        (ByteRange::last(5000), 0..1000),
    ];
    for (range, expected) in cases {
        let d = s
            .download_range(&c, "r", range)
            .await
            .unwrap_or_else(|e| panic!("{range}: {e}"));
        assert_eq!(d.range, expected, "{range}");
        assert_eq!(d.object.size, 1000, "{range}: size is the whole object's");
        let got = d.bytes().await.unwrap();
        assert_eq!(
            got,
            body.slice(expected.start as usize..expected.end as usize),
            "{range}"
        );
    }
    assert_kind!(
        s.download_range(&c, "r", ByteRange::from_offset(1000))
            .await,
        ErrorKind::RangeNotSatisfiable
    );
    assert_kind!(
        s.download_range(&c, "r", ByteRange::bounded(5000, 6000).unwrap())
            .await,
        ErrorKind::RangeNotSatisfiable
    );
    assert_kind!(ByteRange::bounded(5, 5), ErrorKind::InvalidInput);
    fx.cleanup(&c).await;
}

/// A large object streams up with no length given and back down intact.
pub async fn large_streamed(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("large").await;
    let len = fx.large_object_bytes;
    let o = s
        .upload(&c, "big.bin", data::stream(3, len), &UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(o.size, len);
    let d = s
        .download(&c, "big.bin", &DownloadOptions::new())
        .await
        .unwrap();
    assert_eq!(d.len(), len);
    let (got_len, digest) = data::digest_stream(d.body).await.unwrap();
    assert_eq!(got_len, len);
    assert_eq!(
        digest,
        data::digest(3, len),
        "content differs after the round trip"
    );
    // The same with the length announced.
    let options = UploadOptions::new().content_length(len);
    s.upload(&c, "big-known.bin", data::stream(4, len), &options)
        .await
        .unwrap();
    let d = s
        .download(&c, "big-known.bin", &DownloadOptions::new())
        .await
        .unwrap();
    assert_eq!(
        data::digest_stream(d.body).await.unwrap().1,
        data::digest(4, len)
    );
    fx.cleanup(&c).await;
}

/// A large file goes up (in parts read from the file, where the driver
/// uploads in parts) and comes back down into a file intact.
pub async fn large_file(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("largefile").await;
    let len = fx.large_object_bytes;
    let dir = std::env::temp_dir().join(format!(
        "cloud-conformance-{}",
        cloud_core::unique::unique_token()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("big.bin");
    std::fs::write(&source, data::bytes(6, len as usize)).unwrap();
    let o = s
        .upload_file(&c, "big-file.bin", &source, &UploadOptions::new())
        .await
        .unwrap();
    assert_eq!(o.size, len);
    let copy = dir.join("copy.bin");
    let d = s.download_file(&c, "big-file.bin", &copy).await.unwrap();
    assert_eq!(d.size, len);
    let same = std::fs::read(&copy).unwrap() == std::fs::read(&source).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(same, "content differs after the round trip through files");
    fx.cleanup(&c).await;
}

/// A stream that fails, or whose length is wrong, stores nothing and keeps
/// the previous version intact.
pub async fn failed_upload_keeps_old_data(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("failed").await;
    s.upload_bytes(&c, "precious", "version one", &UploadOptions::new())
        .await
        .unwrap();
    let failing = data::stream(5, 200_000)
        .take(2)
        .chain(futures::stream::once(async {
            Err(Error::new(ErrorKind::Io, "the source broke"))
        }))
        .boxed();
    let err = s
        .upload(&c, "precious", failing, &UploadOptions::new())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("the source broke"),
        "the cause is kept: {err}"
    );
    assert_eq!(
        s.download_bytes(&c, "precious").await.unwrap(),
        "version one"
    );

    let short = UploadOptions::new().content_length(100);
    let err = s
        .upload(&c, "precious", data::stream(6, 40), &short)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    let long = UploadOptions::new().content_length(10);
    assert!(
        s.upload(&c, "precious", data::stream(6, 40), &long)
            .await
            .is_err()
    );
    assert_eq!(
        s.download_bytes(&c, "precious").await.unwrap(),
        "version one"
    );

    let err = s
        .upload(&c, "new-object", data::stream(7, 40), &short)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    assert_kind!(
        s.get_object(&c, "new-object").await,
        ErrorKind::NotFound { .. }
    );
    let names = names(s, &c, &ListOptions::new()).await;
    assert_eq!(names, ["precious"], "no partial object is listed");
    fx.cleanup(&c).await;
}

/// Unicode, spaces and URL-special characters in names round-trip exactly.
pub async fn special_names(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("special").await;
    let mut wanted = vec![
        "plain.txt",
        "with space.txt",
        "ünïcødé/日本語.txt",
        "emoji-🦀.bin",
        "chars +%#?&=;@$,!'().txt",
        "deep/a/b/c/d/e.txt",
        "trailing-dot.",
        "x-\u{e9}-precomposed",
    ];
    for (i, name) in wanted.iter().enumerate() {
        s.upload_bytes(&c, name, format!("body {i}"), &UploadOptions::new())
            .await
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
    }
    for (i, name) in wanted.iter().enumerate() {
        assert_eq!(
            s.download_bytes(&c, name).await.unwrap(),
            format!("body {i}"),
            "{name:?}"
        );
        assert_eq!(s.get_object(&c, name).await.unwrap().name, *name);
    }
    wanted.sort_unstable();
    assert_eq!(
        names(s, &c, &ListOptions::new()).await,
        wanted,
        "byte order"
    );
    fx.cleanup(&c).await;
}

/// Prefix and delimiter listings group "folders" the way S3 does.
pub async fn list_prefix_delimiter(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("listing").await;
    for name in ["a.txt", "dir/1", "dir/2", "dir/sub/3", "dirx", "z"] {
        s.upload_bytes(&c, name, name.to_string(), &UploadOptions::new())
            .await
            .unwrap();
    }
    let all = ["a.txt", "dir/1", "dir/2", "dir/sub/3", "dirx", "z"];
    assert_eq!(names(s, &c, &ListOptions::new()).await, all);
    assert_eq!(
        names(s, &c, &ListOptions::new().delimiter("/")).await,
        ["a.txt", "dir/(prefix)", "dirx", "z"]
    );
    assert_eq!(
        names(s, &c, &ListOptions::new().prefix("dir/").delimiter("/")).await,
        ["dir/1", "dir/2", "dir/sub/(prefix)"]
    );
    assert_eq!(
        names(s, &c, &ListOptions::new().prefix("dir")).await,
        ["dir/1", "dir/2", "dir/sub/3", "dirx"]
    );
    assert!(
        names(s, &c, &ListOptions::new().prefix("nothing/"))
            .await
            .is_empty()
    );
    let listed = s.list_objects_vec(&c, Some("dir/sub/")).await.unwrap();
    assert_eq!(listed[0].size, "dir/sub/3".len() as u64);
    fx.cleanup(&c).await;
}

/// Listings span several pages without losing or repeating an entry.
pub async fn pagination(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("pages").await;
    let mut expected: Vec<String> = (0..23).map(|i| format!("item-{i:03}")).collect();
    expected.extend((0..4).map(|i| format!("folder-{i}/inner")));
    for name in &expected {
        s.upload_bytes(&c, name, "x", &UploadOptions::new())
            .await
            .unwrap();
    }
    expected.sort();
    for page in [1, 5, 7, 1000] {
        let got = names(s, &c, &ListOptions::new().page_size(page)).await;
        assert_eq!(got, expected, "page size {page}");
    }
    let folders = names(s, &c, &ListOptions::new().delimiter("/").page_size(3)).await;
    assert_eq!(folders.len(), 27);
    assert_eq!(
        folders.iter().filter(|n| n.ends_with("(prefix)")).count(),
        4
    );
    fx.cleanup(&c).await;
}

/// Server-side copy keeps content, content type and metadata.
pub async fn copy_object(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("copy").await;
    let d = fx.fresh("copy-dest").await;
    let mut options = UploadOptions::new().content_type("text/plain");
    if fx.supports(Capability::UserMetadata) {
        options = options.metadata("origin", "source");
    }
    s.upload_bytes(&c, "src.txt", "copied body", &options)
        .await
        .unwrap();
    if !fx.supports(Capability::CopyObject) {
        assert_kind!(
            s.driver().copy_object(&c, "src.txt", &d, "dst.txt").await,
            ErrorKind::Unsupported { .. }
        );
    } else {
        let copied = s.copy_object(&c, "src.txt", &d, "dst.txt").await.unwrap();
        assert_eq!(copied.name, "dst.txt");
        let meta = s.get_object(&d, "dst.txt").await.unwrap();
        assert_eq!(meta.size, 11);
        assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
        if fx.supports(Capability::UserMetadata) {
            assert_eq!(
                meta.metadata.get("origin").map(String::as_str),
                Some("source")
            );
        }
        assert_eq!(
            s.download_bytes(&d, "dst.txt").await.unwrap(),
            "copied body"
        );
        s.copy_object(&c, "src.txt", &c, "same-container.txt")
            .await
            .unwrap();
        assert_eq!(
            s.download_bytes(&c, "same-container.txt").await.unwrap(),
            "copied body"
        );
        assert_kind!(
            s.copy_object(&c, "absent", &d, "x").await,
            ErrorKind::NotFound { .. }
        );
    }
    fx.cleanup(&c).await;
    fx.cleanup(&d).await;
}

/// Create-only and If-Match uploads, If-Match downloads.
pub async fn conditional(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("conditional").await;
    let first = s
        .upload_bytes(&c, "o", "one", &UploadOptions::new())
        .await
        .unwrap();
    if fx.supports(Capability::ConditionalUpload) {
        let create_only = UploadOptions::new().condition(WriteCondition::IfNotExists);
        assert_kind!(
            s.upload_bytes(&c, "o", "two", &create_only).await,
            ErrorKind::AlreadyExists { .. }
        );
        assert_eq!(s.download_bytes(&c, "o").await.unwrap(), "one");
        s.upload_bytes(&c, "fresh", "new", &create_only)
            .await
            .unwrap();
        let etag = first
            .etag
            .clone()
            .or(s.get_object(&c, "o").await.unwrap().etag)
            .unwrap();
        let stale = UploadOptions::new().condition(WriteCondition::IfMatch(
            "0123456789abcdef0123456789abcdef".into(),
        ));
        assert_kind!(
            s.upload_bytes(&c, "o", "two", &stale).await,
            ErrorKind::PreconditionFailed
        );
        let current = UploadOptions::new().condition(WriteCondition::IfMatch(etag));
        s.upload_bytes(&c, "o", "two", &current).await.unwrap();
        assert_eq!(s.download_bytes(&c, "o").await.unwrap(), "two");
    } else {
        let create_only = UploadOptions::new().condition(WriteCondition::IfNotExists);
        assert_kind!(
            s.upload_bytes(&c, "o", "two", &create_only).await,
            ErrorKind::Unsupported { .. }
        );
    }
    if fx.supports(Capability::ConditionalDownload) {
        let etag = s.get_object(&c, "o").await.unwrap().etag.unwrap();
        let ok = s
            .download(&c, "o", &DownloadOptions::new().if_match(etag))
            .await
            .unwrap();
        assert!(!ok.bytes().await.unwrap().is_empty());
        let stale = DownloadOptions::new().if_match("0123456789abcdef0123456789abcdef");
        assert_kind!(
            s.download(&c, "o", &stale).await,
            ErrorKind::PreconditionFailed
        );
    }
    fx.cleanup(&c).await;
}

/// Deleted objects are gone from reads and listings; deleting twice is `NotFound`.
pub async fn delete_object(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("delete").await;
    s.upload_bytes(&c, "a", "1", &UploadOptions::new())
        .await
        .unwrap();
    s.upload_bytes(&c, "b", "2", &UploadOptions::new())
        .await
        .unwrap();
    s.delete_object(&c, "a").await.unwrap();
    assert_kind!(s.get_object(&c, "a").await, ErrorKind::NotFound { .. });
    assert_eq!(names(s, &c, &ListOptions::new()).await, ["b"]);
    let again = s.delete_object(&c, "a").await;
    // S3 answers a delete of a missing key with success; others say NotFound.
    if let Err(e) = again {
        assert!(e.is_not_found(), "{e}");
    }
    fx.cleanup(&c).await;
}

/// Signed URLs work without credentials (when declared).
pub async fn signed_urls(fx: &StorageFixture) {
    let s = &fx.storage;
    let c = fx.fresh("signed").await;
    s.upload_bytes(&c, "shared.txt", "for your eyes", &UploadOptions::new())
        .await
        .unwrap();
    if !fx.supports(Capability::SignedUrl) {
        let r = s
            .driver()
            .signed_url(&c, "shared.txt", UrlMethod::Get, Duration::from_secs(60))
            .await;
        assert_kind!(r, ErrorKind::Unsupported { .. });
        fx.cleanup(&c).await;
        return;
    }
    assert_kind!(
        s.signed_url(&c, "shared.txt", UrlMethod::Get, Duration::ZERO)
            .await,
        ErrorKind::InvalidInput
    );
    let url = s
        .signed_url(&c, "shared.txt", UrlMethod::Get, Duration::from_secs(300))
        .await
        .unwrap();
    if let Some(http) = &fx.http {
        let response = http.send(HttpRequest::new(Method::GET, url)).await.unwrap();
        assert!(
            response.status().is_success(),
            "GET on the signed URL: {}",
            response.status()
        );
        assert_eq!(response.bytes().await.unwrap(), "for your eyes");
    }
    fx.cleanup(&c).await;
}

/// Every capability the driver does not declare answers `Unsupported`,
/// through the handle and from the driver itself.
pub async fn undeclared_are_unsupported(fx: &StorageFixture) {
    let s = &fx.storage;
    let d = s.driver();
    let caps = s.capabilities();
    let c = fx.container("undeclared");
    for cap in Capability::ALL
        .iter()
        .copied()
        .filter(|c| c.api() == cloud_core::Api::Storage)
    {
        if caps.contains(cap) {
            continue;
        }
        let result: Result<(), Error> = match cap {
            Capability::ListContainers => d.list_containers(Default::default()).await.map(drop),
            Capability::GetContainer => d.get_container(&c).await.map(drop),
            Capability::CreateContainer => d.create_container(&c).await.map(drop),
            Capability::DeleteContainer => d.delete_container(&c).await.map(drop),
            Capability::ListObjects => d.list_objects(&c, &Default::default()).await.map(drop),
            Capability::GetObject => d.get_object(&c, "o").await.map(drop),
            Capability::Download => d.download(&c, "o", &DownloadOptions::new()).await.map(drop),
            Capability::Upload => d
                .upload(
                    &c,
                    "o",
                    futures::stream::empty().boxed(),
                    &UploadOptions::new(),
                )
                .await
                .map(drop),
            Capability::CopyObject => d.copy_object(&c, "o", &c, "p").await.map(drop),
            Capability::DeleteObject => d.delete_object(&c, "o").await,
            Capability::SignedUrl => d
                .signed_url(&c, "o", UrlMethod::Get, Duration::from_secs(60))
                .await
                .map(drop),
            Capability::CdnUrl => d.cdn_url(&c, "o").await.map(drop),
            // Options of other operations; covered by their own cases.
            _ => continue,
        };
        let err = assert_kind!(result, ErrorKind::Unsupported { .. });
        assert_eq!(err.provider(), Some(s.provider()));
    }
    if !caps.contains(Capability::CdnUrl) {
        assert_kind!(s.cdn_url(&c, "o").await, ErrorKind::Unsupported { .. });
    }
}

/// Every case of the storage suite, in order.
pub const CASES: &[&str] = &[
    "container_lifecycle",
    "container_not_empty",
    "invalid_names",
    "object_round_trip",
    "empty_object",
    "overwrite",
    "missing",
    "ranges",
    "large_streamed",
    "large_file",
    "failed_upload_keeps_old_data",
    "special_names",
    "list_prefix_delimiter",
    "pagination",
    "copy_object",
    "conditional",
    "delete_object",
    "signed_urls",
    "undeclared_are_unsupported",
];

/// Generates one `#[test]` per storage case. The argument is a closure taking
/// the case name and returning a future of `Option<StorageFixture>` (`None` skips).
#[macro_export]
macro_rules! storage_suite {
    ($factory:expr) => {
        $crate::__suite!(
            storage,
            $factory,
            [
                container_lifecycle,
                container_not_empty,
                invalid_names,
                object_round_trip,
                empty_object,
                overwrite,
                missing,
                ranges,
                large_streamed,
                large_file,
                failed_upload_keeps_old_data,
                special_names,
                list_prefix_delimiter,
                pagination,
                copy_object,
                conditional,
                delete_object,
                signed_urls,
                undeclared_are_unsupported,
            ]
        );
    };
}
