//! What a killed transfer leaves here is removed by the next command that
//! touches the same store or folder, or by `cloud storage clean`; what a
//! live transfer in another process is still writing is never touched.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime};

use support::Home;
use support::http::{Response, ScriptedServer};

/// Files under `dir` whose names satisfy `matches`.
fn files(dir: &Path, matches: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| matches(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect()
}

fn wait_for(what: &str, mut found: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !found() {
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Makes a file look as if nobody had written to it for a minute.
fn age(path: &Path) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(60))
        .unwrap();
}

fn kill(mut child: Child) {
    child.kill().unwrap(); // SIGKILL: no handler runs
    child.wait().unwrap();
}

/// `cloud storage cp - local://c/NAME`, fed one MiB and left open.
fn upload_from_stdin(home: &Home, name: &str) -> Child {
    let mut child = home
        .command(&["storage", "cp", "-", &format!("local://c/{name}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(&vec![b'x'; 1024 * 1024])
        .unwrap();
    child
}

#[test]
fn a_killed_upload_into_the_local_store_is_cleaned_by_the_next_command() {
    let home = Home::new();
    home.ok(&["storage", "mb", "local://c"]);
    let tmp = home.path().join("data/local/.cloud/tmp");
    let killed = upload_from_stdin(&home, "killed.bin");
    wait_for("the upload's temporary file", || {
        !files(&tmp, |_| true).is_empty()
    });
    kill(killed);
    let left = files(&tmp, |_| true);
    assert_eq!(left.len(), 1, "a SIGKILL leaves the temporary file");

    // Another upload is running when the next command comes.
    let live = upload_from_stdin(&home, "live.bin");
    wait_for("the live upload's temporary file", || {
        files(&tmp, |_| true).len() == 2
    });
    for file in files(&tmp, |_| true) {
        age(&file);
    }
    home.ok(&["storage", "ls", "local://c"]);
    let remaining = files(&tmp, |_| true);
    assert_eq!(remaining.len(), 1, "{remaining:?}");
    assert!(!remaining.contains(&left[0]), "the dead writer's file went");

    // The live one finishes normally.
    let mut live = live;
    drop(live.stdin.take());
    assert!(live.wait().unwrap().success());
    assert_eq!(
        home.json(&["storage", "ls", "local://c"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(files(&tmp, |_| true).is_empty());
    assert!(home.ok(&["storage", "clean"]).contains("removed 0"));
}

#[test]
fn a_killed_download_leaves_a_partial_file_the_next_download_removes() {
    // An S3 server that sends half an object and then hangs.
    let server = ScriptedServer::start(|r| {
        if r.method == "HEAD" {
            return Response::new(200, "").header("etag", "\"e\"");
        }
        Response::new(200, vec![b'y'; 4 * 1024 * 1024])
            .header("etag", "\"e\"")
            .hang_after(2 * 1024 * 1024)
    });
    let home = Home::new();
    let dest = home.path().join("downloads");
    std::fs::create_dir_all(&dest).unwrap();
    let child = home
        .command(&[
            "--endpoint",
            &server.url(),
            "--key",
            "AKIAPARTIAL",
            "--secret",
            "partial-secret",
            "--region",
            "us-east-1",
            "storage",
            "cp",
            "aws://bucket/big.iso",
            &format!("{}/", dest.display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let partial = |n: &str| n.starts_with(".big.iso.cloud-partial-");
    wait_for("the partial download", || {
        files(&dest, partial)
            .first()
            .is_some_and(|f| std::fs::metadata(f).is_ok_and(|m| m.len() > 0))
    });
    kill(child);
    let left = files(&dest, partial);
    assert_eq!(left.len(), 1);
    age(&left[0]);

    // `storage clean FOLDER` removes it; so does the next download there.
    let nested = dest.join("nested");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::copy(&left[0], nested.join(".old.txt.cloud-partial-0123")).unwrap();
    age(&nested.join(".old.txt.cloud-partial-0123"));
    home.ok(&["storage", "mb", "local://c"]);
    let source = home.path().join("small.txt");
    std::fs::write(&source, "small").unwrap();
    home.ok(&[
        "storage",
        "cp",
        source.to_str().unwrap(),
        "local://c/small.txt",
    ]);
    home.ok(&[
        "storage",
        "cp",
        "local://c/small.txt",
        &format!("{}/", dest.display()),
    ]);
    assert!(
        files(&dest, partial).is_empty(),
        "the next download into the folder cleaned it"
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("small.txt")).unwrap(),
        "small"
    );
    let cleaned = home.ok(&["storage", "clean", dest.to_str().unwrap()]);
    assert!(cleaned.contains("removed 1"), "{cleaned}");
    assert!(files(&nested, |_| true).is_empty());
}

#[test]
fn ctrl_c_during_a_download_removes_its_partial_file() {
    let server = ScriptedServer::start(|_| {
        Response::new(200, vec![b'z'; 4 * 1024 * 1024])
            .header("etag", "\"e\"")
            .hang_after(2 * 1024 * 1024)
    });
    let home = Home::new();
    let dest = home.path().join("downloads");
    std::fs::create_dir_all(&dest).unwrap();
    let child = home
        .command(&[
            "--endpoint",
            &server.url(),
            "--key",
            "AKIAPARTIAL",
            "--secret",
            "partial-secret",
            "storage",
            "cp",
            "aws://bucket/big.iso",
            &format!("{}/", dest.display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let partial = |n: &str| n.starts_with(".big.iso.cloud-partial-");
    wait_for("the partial download", || !files(&dest, partial).is_empty());
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    assert!(
        files(&dest, |_| true).is_empty(),
        "{:?}",
        files(&dest, |_| true)
    );
}

#[test]
fn a_second_ctrl_c_exits_without_waiting_for_clean_ups() {
    // An S3 server that starts a multipart upload, then hangs on the part
    // and on the abort, so the clean-up after the first Ctrl-C cannot end.
    let server = ScriptedServer::start(|r| {
        if r.method == "POST" && r.path.contains("uploads") {
            Response::new(
                200,
                "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>k</Key>\
                 <UploadId>upload-1</UploadId></InitiateMultipartUploadResult>",
            )
        } else {
            Response::stall()
        }
    });
    let home = Home::new();
    let mut child = home
        .command(&[
            "--endpoint",
            &server.url(),
            "--key",
            "AKIASECOND",
            "--secret",
            "second-secret",
            "storage",
            "cp",
            "--part-size",
            "5MiB",
            "--multipart-threshold",
            "5MiB",
            "-",
            "aws://bucket/k",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&vec![b'p'; 12 * 1024 * 1024]).unwrap();
    wait_for("a part upload", || {
        server.requests().iter().any(|r| r.method == "PUT")
    });
    let interrupt = |child: &Child| {
        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    interrupt(&child);
    // The first Ctrl-C starts the abort, and waits for it.
    wait_for("the abort", || {
        server
            .requests()
            .iter()
            .any(|r| r.method == "DELETE" && r.path.contains("uploadId=upload-1"))
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "still waiting for the abort"
    );
    let second = Instant::now();
    interrupt(&child);
    let output = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(output.status.code(), Some(130));
    assert!(
        second.elapsed() < Duration::from_secs(10),
        "{:?}",
        second.elapsed()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("exiting without waiting"), "{stderr}");
}
