//! The local driver's promises, each proven on a real folder: atomic writes
//! under a failing stream, traversal refused, concurrent writers, metadata
//! round trip, stale sidecars ignored, cancelled uploads cleaned up.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use cloud_core::{Error, ErrorKind, Storage, UploadOptions};
use cloud_local::LocalStorage;
use futures::StreamExt;
use md5::{Digest, Md5};

fn setup() -> (tempfile::TempDir, Storage) {
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::new(LocalStorage::new(dir.path().join("account")).unwrap());
    (dir, storage)
}

fn files_under(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            if entry.file_type().unwrap().is_dir() {
                out.extend(files_under(&entry.path()));
            } else {
                out.push(entry.path().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn a_failing_stream_leaves_no_partial_object_and_keeps_the_old_one() {
    let (dir, s) = setup();
    s.create_container("c").await.unwrap();
    s.upload_bytes("c", "data.bin", "old contents", &UploadOptions::new())
        .await
        .unwrap();
    let before = files_under(dir.path());

    let failing = futures::stream::iter(vec![
        Ok(Bytes::from(vec![1u8; 300_000])),
        Ok(Bytes::from(vec![2u8; 300_000])),
        Err(Error::new(ErrorKind::Io, "disk on fire")),
    ])
    .boxed();
    let err = s
        .upload("c", "data.bin", failing, &UploadOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Io);
    let failing_new = futures::stream::iter(vec![
        Ok(Bytes::from(vec![1u8; 1000])),
        Err(Error::new(ErrorKind::Io, "disk on fire")),
    ])
    .boxed();
    s.upload("c", "new.bin", failing_new, &UploadOptions::new())
        .await
        .unwrap_err();

    assert_eq!(
        s.download_bytes("c", "data.bin").await.unwrap(),
        "old contents"
    );
    assert!(!dir.path().join("account/c/new.bin").exists());
    assert_eq!(
        files_under(dir.path()),
        before,
        "no temporary or partial file is left"
    );
}

#[tokio::test]
async fn a_cancelled_upload_leaves_nothing_behind() {
    let (dir, s) = setup();
    s.create_container("c").await.unwrap();
    let before = files_under(dir.path());
    let endless =
        futures::stream::iter(std::iter::repeat_with(|| Ok(Bytes::from(vec![0u8; 65536]))))
            .then(|chunk| async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                chunk
            })
            .boxed();
    let options = UploadOptions::new();
    let upload = s.upload("c", "never.bin", endless, &options);
    assert!(
        tokio::time::timeout(Duration::from_millis(100), upload)
            .await
            .is_err()
    );
    assert_eq!(files_under(dir.path()), before);
}

#[tokio::test]
async fn path_traversal_is_refused_before_touching_the_disk() {
    let (dir, s) = setup();
    s.create_container("c").await.unwrap();
    let before = files_under(dir.path());
    for name in [
        "../escape",
        "../../escape",
        "a/../../../escape",
        "/tmp/escape",
        "./x",
        "a//b",
        "a/./b",
        "dir/",
    ] {
        let err = s
            .upload_bytes("c", name, "gotcha", &UploadOptions::new())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{name}: {err}");
        assert_eq!(
            s.get_object("c", name).await.unwrap_err().kind(),
            &ErrorKind::InvalidInput
        );
        assert_eq!(
            s.delete_object("c", name).await.unwrap_err().kind(),
            &ErrorKind::InvalidInput
        );
        assert_eq!(
            s.download_bytes("c", name).await.unwrap_err().kind(),
            &ErrorKind::InvalidInput
        );
    }
    for container in ["..", ".cloud", "../up"] {
        assert_eq!(
            s.create_container(container).await.unwrap_err().kind(),
            &ErrorKind::InvalidInput
        );
    }
    let copy = s.copy_object("c", "x", "c", "../escape").await.unwrap_err();
    assert_eq!(copy.kind(), &ErrorKind::InvalidInput);
    assert_eq!(
        files_under(dir.path()),
        before,
        "nothing was written anywhere"
    );
}

#[tokio::test]
async fn concurrent_writers_leave_one_complete_object() {
    let (_dir, s) = setup();
    s.create_container("c").await.unwrap();
    let bodies: Vec<Bytes> = (0..8u8)
        .map(|i| Bytes::from(vec![i; 2 * 1024 * 1024 + i as usize]))
        .collect();
    let mut tasks = Vec::new();
    for body in bodies.clone() {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            // Small chunks, so the writers interleave.
            let chunks: Vec<_> = body
                .chunks(64 * 1024)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            s.upload(
                "c",
                "contended",
                futures::stream::iter(chunks).boxed(),
                &UploadOptions::new(),
            )
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let got = s.download_bytes("c", "contended").await.unwrap();
    assert!(
        bodies.contains(&got),
        "the object is exactly one writer's body"
    );
    let meta = s.get_object("c", "contended").await.unwrap();
    assert_eq!(meta.size, got.len() as u64);
    assert_eq!(
        meta.etag.unwrap(),
        hex::encode(Md5::digest(&got)),
        "etag matches the stored body"
    );
}

#[tokio::test]
async fn create_only_has_exactly_one_winner() {
    let (_dir, s) = setup();
    s.create_container("c").await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let options = UploadOptions::new().condition(cloud_core::WriteCondition::IfNotExists);
            s.upload_bytes("c", "once", format!("writer {i}"), &options)
                .await
        }));
    }
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => winners += 1,
            Err(e) => assert!(matches!(e.kind(), ErrorKind::AlreadyExists { .. }), "{e}"),
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn metadata_survives_a_round_trip_and_a_restart() {
    let (dir, s) = setup();
    s.create_container("c").await.unwrap();
    let options = UploadOptions::new()
        .content_type("text/markdown")
        .metadata("author", "Ada")
        .metadata("reviewed", "yes");
    let put = s
        .upload_bytes("c", "notes/readme.md", "# hello", &options)
        .await
        .unwrap();
    assert_eq!(
        put.etag.as_deref(),
        Some(hex::encode(Md5::digest(b"# hello")).as_str())
    );

    let reopened = Storage::new(LocalStorage::new(dir.path().join("account")).unwrap());
    let got = reopened.get_object("c", "notes/readme.md").await.unwrap();
    assert_eq!(got.content_type.as_deref(), Some("text/markdown"));
    assert_eq!(got.metadata.get("author").map(String::as_str), Some("Ada"));
    assert_eq!(
        got.metadata.get("reviewed").map(String::as_str),
        Some("yes")
    );
    assert_eq!(got.etag, put.etag);
    let listed = reopened.list_objects_vec("c", None).await.unwrap();
    assert_eq!(listed[0].metadata, got.metadata);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("account/c/notes/readme.md")).unwrap(),
        "# hello",
        "objects are plain files"
    );
}

#[tokio::test]
async fn a_file_replaced_by_hand_is_described_from_its_content() {
    let (dir, s) = setup();
    s.create_container("c").await.unwrap();
    let options = UploadOptions::new()
        .content_type("text/x-old")
        .metadata("k", "v");
    s.upload_bytes("c", "page.html", "old", &options)
        .await
        .unwrap();
    // Replace the file behind the driver's back (a new inode, as editors do).
    let path = dir.path().join("account/c/page.html");
    let temp = dir.path().join("account/c/.page.html.swp");
    std::fs::write(&temp, "brand new").unwrap();
    std::fs::rename(&temp, &path).unwrap();
    let got = s.get_object("c", "page.html").await.unwrap();
    assert_eq!(got.size, 9);
    assert_eq!(got.etag.unwrap(), hex::encode(Md5::digest(b"brand new")));
    assert_eq!(
        got.content_type.as_deref(),
        Some("text/html"),
        "guessed, not the stale sidecar's"
    );
    assert!(
        got.metadata.is_empty(),
        "the stale metadata is not attached to new content"
    );
}

#[tokio::test]
async fn files_and_folders_cannot_share_a_name() {
    let (_dir, s) = setup();
    s.create_container("c").await.unwrap();
    s.upload_bytes("c", "a", "file", &UploadOptions::new())
        .await
        .unwrap();
    let err = s
        .upload_bytes("c", "a/b", "nested", &UploadOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    s.upload_bytes("c", "d/e", "nested", &UploadOptions::new())
        .await
        .unwrap();
    let err = s
        .upload_bytes("c", "d", "file", &UploadOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    assert_eq!(s.download_bytes("c", "a").await.unwrap(), "file");
}

#[tokio::test]
async fn deleting_the_last_object_removes_its_empty_folders() {
    let (dir, s) = setup();
    s.create_container("c").await.unwrap();
    s.upload_bytes("c", "x/y/z.txt", "1", &UploadOptions::new())
        .await
        .unwrap();
    s.delete_object("c", "x/y/z.txt").await.unwrap();
    assert!(!dir.path().join("account/c/x").exists());
    s.delete_container("c").await.unwrap();
}

#[tokio::test]
async fn downloads_stream_in_bounded_chunks() {
    let (_dir, s) = setup();
    s.create_container("c").await.unwrap();
    let body = Bytes::from(vec![9u8; 5 * 1024 * 1024]);
    s.upload_bytes("c", "big", body, &UploadOptions::new())
        .await
        .unwrap();
    let mut download = s.download("c", "big", &Default::default()).await.unwrap();
    let mut largest = 0;
    let mut total = 0;
    while let Some(chunk) = download.body.next().await {
        let chunk = chunk.unwrap();
        largest = largest.max(chunk.len());
        total += chunk.len();
    }
    assert_eq!(total, 5 * 1024 * 1024);
    assert!(largest <= 256 * 1024, "largest chunk {largest}");
}
