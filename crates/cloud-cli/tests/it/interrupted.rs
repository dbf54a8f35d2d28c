//! Interrupted transfers and hostile names against real servers: Ctrl-C
//! (a real SIGINT) aborts a multipart upload on moto and s3s-fs; what a
//! SIGKILL leaves is listed and aborted by `storage uploads` (S3 multipart
//! uploads, Swift segments), and `rm -r` / `rb --force` take it too; a
//! recursive download never writes outside its destination.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use cloud_testkit::servers::live_server;
use support::http::request;
use support::{Home, with};

/// What an interrupted upload has sent before it is interrupted: five
/// parts of 5 MiB. The upload reads standard input, which the test keeps
/// open, so it is still running whatever the machine's speed.
const SENT: usize = 25 * 1024 * 1024;

struct S3 {
    flags: Vec<String>,
    /// Where s3s-fs keeps its files (part files included).
    data: Option<String>,
}

fn moto() -> Option<S3> {
    let url = live_server("moto", "CLOUD_TEST_MOTO_URL")?;
    Some(S3 {
        flags: [
            "--endpoint",
            &url,
            "--key",
            "AKIAINTERRUPT",
            "--secret",
            "interrupt-secret",
            "--region",
            "us-east-1",
        ]
        .map(str::to_owned)
        .to_vec(),
        data: None,
    })
}

fn s3s() -> Option<S3> {
    let url = live_server("s3s-fs", "CLOUD_TEST_S3S_URL")?;
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    Some(S3 {
        flags: [
            "--endpoint",
            &url,
            "--key",
            &var("CLOUD_TEST_S3S_KEY"),
            "--secret",
            &var("CLOUD_TEST_S3S_SECRET"),
            "--region",
            "us-east-1",
        ]
        .map(str::to_owned)
        .to_vec(),
        data: std::env::var("CLOUD_TEST_S3S_DIR").ok(),
    })
}

fn swift() -> Option<Vec<String>> {
    let url = live_server("swift", "CLOUD_TEST_SWIFT_URL")?;
    Some(
        [
            "--endpoint",
            &url,
            "--key",
            "test:tester",
            "--secret",
            "testing",
        ]
        .map(str::to_owned)
        .to_vec(),
    )
}

fn uploads(home: &Home, flags: &[String], url: &str) -> Vec<serde_json::Value> {
    home.json(&with(flags, &["storage", "uploads", "ls", url]))
        .as_array()
        .unwrap()
        .clone()
}

fn wait_for(what: &str, mut found: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !found() {
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts `cloud storage cp - URL` in parts of 5 MiB, feeds it [`SENT`]
/// bytes and leaves its standard input open.
fn start_upload(home: &Home, flags: &[String], url: &str) -> Child {
    use std::io::Write;
    let mut child = home
        .command(&with(
            flags,
            &[
                "storage",
                "cp",
                "--part-size",
                "5MiB",
                "--multipart-threshold",
                "5MiB",
                "-",
                url,
            ],
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let data: Vec<u8> = (0..SENT).map(|i| (i % 251) as u8).collect();
    child.stdin.as_mut().unwrap().write_all(&data).unwrap();
    child
}

/// Waits for `child` (its standard input still open) and returns its
/// exit code and error output.
fn finish(mut child: Child) -> (Option<i32>, String) {
    let stdin = child.stdin.take();
    let output = child.wait_with_output().unwrap();
    drop(stdin);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Part files s3s-fs keeps for unfinished uploads (`.upload_id-ID.part-N`).
fn part_files(data: &str) -> usize {
    let mut count = 0;
    let mut stack = vec![Path::new(data).to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry.file_name().to_string_lossy().contains(".part-") {
                count += 1;
            }
        }
    }
    count
}

fn ctrl_c_aborts_the_multipart_upload(s3: &S3, bucket: &str) {
    let home = Home::new();
    let flags = &s3.flags;
    let url = format!("aws://{bucket}");
    let _ = home
        .cloud(&with(flags, &["storage", "rb", "--force", &url]))
        .output();
    home.ok(&with(flags, &["storage", "mb", &url]));
    let child = start_upload(&home, flags, &format!("{url}/big.bin"));
    match &s3.data {
        // s3s-fs cannot list multipart uploads (501): its part files show them.
        Some(data) => wait_for("parts on disk", || part_files(data) >= 2),
        None => wait_for("the multipart upload", || {
            !uploads(&home, flags, &url).is_empty()
        }),
    }
    signal(&child, "INT");
    let (code, stderr) = finish(child);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    match &s3.data {
        Some(data) => assert_eq!(part_files(data), 0, "no part files left in {data}"),
        None => assert!(
            uploads(&home, flags, &url).is_empty(),
            "the upload was aborted"
        ),
    }
    home.fails(
        &with(flags, &["storage", "stat", &format!("{url}/big.bin")]),
        3,
    );
    home.ok(&with(flags, &["storage", "rb", "--force", &url]));
}

#[test]
fn ctrl_c_aborts_a_multipart_upload_on_moto() {
    let Some(s3) = moto() else { return };
    ctrl_c_aborts_the_multipart_upload(&s3, "ct-interrupt");
}

#[test]
fn ctrl_c_aborts_a_multipart_upload_on_s3s_fs() {
    let Some(s3) = s3s() else { return };
    ctrl_c_aborts_the_multipart_upload(&s3, "ct-interrupt-s3s");
}

#[test]
fn what_a_sigkill_leaves_on_s3_is_found_and_aborted() {
    let Some(s3) = moto() else { return };
    let flags = &s3.flags;
    let home = Home::new();
    let url = "aws://ct-killed";
    let _ = home
        .cloud(&with(flags, &["storage", "rb", "--force", url]))
        .output();
    home.ok(&with(flags, &["storage", "mb", url]));
    // A SIGKILL runs no handler: its upload stays on the server. (moto
    // reports a fixed start date of 2010, so `--older-than` is exercised
    // on Swift below.)
    for name in ["one.bin", "two.bin", "dir/three.bin"] {
        let child = start_upload(&home, flags, &format!("{url}/{name}"));
        wait_for("the upload", || {
            uploads(&home, flags, url).iter().any(|u| u["name"] == name)
        });
        signal(&child, "KILL");
        finish(child);
    }
    let left = uploads(&home, flags, url);
    assert_eq!(left.len(), 3, "{left:?}");
    let id = left.iter().find(|u| u["name"] == "one.bin").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    home.ok(&with(
        flags,
        &["storage", "uploads", "abort", url, "--id", &id],
    ));
    assert_eq!(uploads(&home, flags, url).len(), 2);
    home.fails(
        &with(flags, &["storage", "uploads", "abort", url, "--id", &id]),
        3,
    );
    // `rm -r PREFIX` takes the unfinished uploads under it, `rb --force` the rest.
    home.ok(&with(
        flags,
        &["storage", "rm", "-r", &format!("{url}/dir/")],
    ));
    let left = uploads(&home, flags, url);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["name"], "two.bin");
    home.ok(&with(flags, &["storage", "rb", "--force", url]));
    home.fails(&with(flags, &["storage", "ls", url]), 3);
}

#[test]
fn killed_swift_uploads_leave_segments_that_uploads_abort_removes() {
    let Some(flags) = swift() else { return };
    let home = Home::new();
    let url = "openstack://ct-killed";
    let _ = home
        .cloud(&with(&flags, &["storage", "rb", "--force", url]))
        .output();
    home.ok(&with(&flags, &["storage", "mb", url]));
    let segments = || {
        home.cloud(&with(
            &flags,
            &[
                "--json",
                "storage",
                "ls",
                "-r",
                "openstack://ct-killed_segments",
            ],
        ))
        .output()
        .ok()
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
        .and_then(|v| v.as_array().map(Vec::len))
        .unwrap_or(0)
    };
    let child = start_upload(&home, &flags, &format!("{url}/big.bin"));
    wait_for("segments", || segments() >= 2);
    signal(&child, "KILL");
    finish(child);
    let left = uploads(&home, &flags, url);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["name"], "big.bin");
    // A finished large object's segments are not an unfinished upload.
    let whole = home.path().join("twelve.bin");
    std::fs::write(&whole, vec![7u8; 12 * 1024 * 1024]).unwrap();
    home.ok(&with(
        &flags,
        &[
            "storage",
            "cp",
            "--part-size",
            "5MiB",
            "--multipart-threshold",
            "5MiB",
            whole.to_str().unwrap(),
            &format!("{url}/whole.bin"),
        ],
    ));
    assert_eq!(uploads(&home, &flags, url).len(), 1);
    // Begun seconds ago: `--older-than` leaves it to whoever may be running it.
    home.ok(&with(
        &flags,
        &["storage", "uploads", "abort", url, "--older-than", "1h"],
    ));
    assert_eq!(uploads(&home, &flags, url).len(), 1);
    home.ok(&with(&flags, &["storage", "uploads", "abort", url]));
    assert!(uploads(&home, &flags, url).is_empty());
    assert_eq!(
        home.ok(&with(
            &flags,
            &["storage", "cat", &format!("{url}/whole.bin")]
        ))
        .len(),
        12 * 1024 * 1024
    );
    home.ok(&with(&flags, &["storage", "rb", "--force", url]));
}

#[test]
fn a_recursive_download_never_writes_outside_its_destination() {
    let Some(s3) = moto() else { return };
    let flags = &s3.flags;
    let home = Home::new();
    let endpoint = &flags[1];
    let hostile = |key: &str| format!("{endpoint}/ct-hostile/{key}");
    let _ = home
        .cloud(&with(
            flags,
            &["storage", "rb", "--force", "aws://ct-hostile"],
        ))
        .output();
    home.ok(&with(flags, &["storage", "mb", "aws://ct-hostile"]));
    // An absolute path no earlier run could have created, so its absence
    // afterwards means something.
    let absolute = format!("/tmp/ct-hostile-{}/x.sh", std::process::id());
    let absolute_key = format!("dir/{}", absolute.replace('/', "%2F"));
    // Keys the library would refuse to write, put there by another client.
    for key in [
        absolute_key.as_str(),
        "dir/..%2F..%2Fescape.txt",
        "dir/a%2F%2Fb.txt",
        "dir/C:%2Fwindows.txt",
        "dir/ok.txt",
        "dir/sub/also-ok.txt",
    ] {
        let (status, _, body) = request(
            "PUT",
            &hostile(key),
            &[("content-type", "text/plain")],
            b"payload",
        );
        assert_eq!(status, 200, "{key}: {}", String::from_utf8_lossy(&body));
    }
    let listing = home.json(&with(
        flags,
        &["storage", "ls", "-r", "aws://ct-hostile/dir/"],
    ));
    assert_eq!(listing.as_array().unwrap().len(), 6, "{listing}");

    let dest = home.path().join("out");
    for verb in ["cp", "mv"] {
        let output = home
            .cloud(&with(
                flags,
                &[
                    "storage",
                    verb,
                    "-r",
                    "aws://ct-hostile/dir",
                    dest.to_str().unwrap(),
                ],
            ))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(6), "{stderr}");
        for refused in [
            absolute.as_str(),
            "../../escape.txt",
            "a//b.txt",
            "C:/windows.txt",
        ] {
            assert!(stderr.contains(refused), "{refused} named in: {stderr}");
        }
        assert_eq!(
            std::fs::read_to_string(dest.join("ok.txt")).unwrap(),
            "payload"
        );
        assert_eq!(
            std::fs::read_to_string(dest.join("sub/also-ok.txt")).unwrap(),
            "payload"
        );
        assert!(!home.path().join("escape.txt").exists());
        assert!(!Path::new(&absolute).exists(), "{absolute} was written");
        // Nothing outside `out` but what was there before.
        let mut top: Vec<String> = std::fs::read_dir(home.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        top.sort();
        assert!(
            top.iter()
                .all(|n| ["config.toml", "data", "out"].contains(&n.as_str())),
            "{top:?}"
        );
    }
    // `mv` deleted only what it copied: the refused objects are still there.
    let listing = home.json(&with(
        flags,
        &["storage", "ls", "-r", "aws://ct-hostile/dir/"],
    ));
    assert_eq!(listing.as_array().unwrap().len(), 4, "{listing}");
    // With --sanitize-names they arrive under safe names inside `safe`, but
    // for the `..` key, which no S3 client can address (URL normalisation
    // would fetch another key): it fails, named, and the rest still copy.
    let safe = home.path().join("safe");
    let output = home
        .cloud(&with(
            flags,
            &[
                "storage",
                "cp",
                "-r",
                "--sanitize-names",
                "aws://ct-hostile/dir",
                safe.to_str().unwrap(),
            ],
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("../../escape.txt"), "{stderr}");
    assert!(safe.join(absolute.trim_start_matches('/')).exists());
    assert!(safe.join("a/b.txt").exists());
    assert!(safe.join("C_/windows.txt").exists());
    assert!(!home.path().join("escape.txt").exists());
    // Even the `..` key, which no URL can fetch, goes with the bucket.
    home.ok(&with(
        flags,
        &["storage", "rb", "--force", "aws://ct-hostile"],
    ));
}
