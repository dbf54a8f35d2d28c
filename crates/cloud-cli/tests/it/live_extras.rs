//! Against real servers: Swift large objects made by other clients (DLO)
//! lose their segments with them unless asked to keep them; the Swift
//! temporary-URL key is set from the command line; S3-compatible servers
//! that only speak ListObjects v1; DNS CNAME rules on a server that does
//! not enforce them (moto).
#![allow(clippy::unwrap_used)]

use crate::support;

use cloud_testkit::servers::live_server;
use support::http::request;
use support::{Home, with};

/// The Swift test account: CLI flags, and a token and storage URL for
/// writing what the library never writes.
fn swift() -> Option<(Vec<String>, String, String)> {
    let url = live_server("swift", "CLOUD_TEST_SWIFT_URL")?;
    let (status, headers, _) = request(
        "GET",
        &url,
        &[("x-auth-user", "test:tester"), ("x-auth-key", "testing")],
        b"",
    );
    assert_eq!(status, 200);
    let header = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let flags = [
        "--endpoint",
        &url,
        "--key",
        "test:tester",
        "--secret",
        "testing",
    ]
    .map(str::to_owned)
    .to_vec();
    Some((flags, header("x-auth-token"), header("x-storage-url")))
}

/// Writes a Dynamic Large Object as python-swiftclient lays one out.
fn put_dlo(token: &str, storage: &str, container: &str, name: &str) {
    let put = |path: &str, headers: &[(&str, &str)], body: &[u8]| {
        let mut all = vec![("x-auth-token", token)];
        all.extend_from_slice(headers);
        let (status, _, body) = request("PUT", &format!("{storage}/{path}"), &all, body);
        assert!(
            status == 201 || status == 202,
            "{path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
    };
    put(container, &[], b"");
    put(&format!("{container}_segments"), &[], b"");
    let prefix = format!("{name}/1700000000.000000/6/3");
    put(
        &format!("{container}_segments/{prefix}/00000000"),
        &[],
        b"abc",
    );
    put(
        &format!("{container}_segments/{prefix}/00000001"),
        &[],
        b"def",
    );
    let manifest = format!("{container}_segments/{prefix}/");
    put(
        &format!("{container}/{name}"),
        &[("x-object-manifest", &manifest)],
        b"",
    );
}

fn segment_count(home: &Home, flags: &[String], container: &str) -> usize {
    home.json(&with(
        flags,
        &[
            "storage",
            "ls",
            "-r",
            &format!("openstack://{container}_segments"),
        ],
    ))
    .as_array()
    .unwrap()
    .len()
}

#[test]
fn deleting_a_dlo_deletes_its_segments_unless_asked_to_leave_them() {
    let Some((flags, token, storage)) = swift() else {
        return;
    };
    let home = Home::new();
    for name in ["removed.iso", "kept.iso"] {
        put_dlo(&token, &storage, "ct-dlo", name);
    }
    assert_eq!(
        home.ok(&with(
            &flags,
            &["storage", "cat", "openstack://ct-dlo/removed.iso"]
        )),
        "abcdef"
    );
    assert_eq!(segment_count(&home, &flags, "ct-dlo"), 4);
    home.ok(&with(
        &flags,
        &["storage", "rm", "openstack://ct-dlo/removed.iso"],
    ));
    assert_eq!(
        segment_count(&home, &flags, "ct-dlo"),
        2,
        "its two segments went with it"
    );
    home.ok(&with(
        &flags,
        &[
            "storage",
            "rm",
            "--leave-segments",
            "openstack://ct-dlo/kept.iso",
        ],
    ));
    assert_eq!(segment_count(&home, &flags, "ct-dlo"), 2, "kept as asked");
    home.fails(
        &with(&flags, &["storage", "stat", "openstack://ct-dlo/kept.iso"]),
        3,
    );
    // Kept segments with no manifest are an unfinished upload now.
    let left = home.json(&with(
        &flags,
        &["storage", "uploads", "ls", "openstack://ct-dlo"],
    ));
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    home.ok(&with(
        &flags,
        &["storage", "uploads", "abort", "openstack://ct-dlo"],
    ));
    assert_eq!(segment_count(&home, &flags, "ct-dlo"), 0);
    home.ok(&with(
        &flags,
        &["storage", "rb", "--force", "openstack://ct-dlo"],
    ));
    home.ok(&with(
        &flags,
        &["storage", "rb", "openstack://ct-dlo_segments"],
    ));
    // The flag is for Swift only.
    home.fails(&["storage", "rm", "--leave-segments", "local://c/x"], 8);
}

#[test]
fn the_temporary_url_key_is_set_from_the_command_line() {
    let Some((flags, _, _)) = swift() else { return };
    let home = Home::new();
    let _ = home
        .cloud(&with(
            &flags,
            &["storage", "rb", "--force", "openstack://ct-tempurl"],
        ))
        .output();
    home.ok(&with(&flags, &["storage", "mb", "openstack://ct-tempurl"]));
    home.cloud(&with(
        &flags,
        &["storage", "cp", "-", "openstack://ct-tempurl/hello.txt"],
    ))
    .write_stdin("hello from a temp URL")
    .assert()
    .success();
    home.cloud(&with(
        &flags,
        &["storage", "set-temp-url-key", "openstack://", "-"],
    ))
    .write_stdin("cli-temp-url-key-0001\n")
    .assert()
    .success();
    let url = home.ok(&with(
        &flags,
        &["storage", "sign", "openstack://ct-tempurl/hello.txt"],
    ));
    let (status, _, body) = request("GET", url.trim(), &[], b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, b"hello from a temp URL");
    home.ok(&with(
        &flags,
        &["storage", "rb", "--force", "openstack://ct-tempurl"],
    ));
    home.fails(&["storage", "set-temp-url-key", "local://", "k"], 8);
}

fn moto() -> Option<Vec<String>> {
    let url = live_server("moto", "CLOUD_TEST_MOTO_URL")?;
    Some(
        [
            "--endpoint",
            &url,
            "--key",
            "AKIAEXTRAS",
            "--secret",
            "extras-secret",
            "--region",
            "us-east-1",
        ]
        .map(str::to_owned)
        .to_vec(),
    )
}

#[test]
fn list_objects_v1_for_servers_that_only_speak_it() {
    let Some(flags) = moto() else { return };
    let home = Home::new();
    let _ = home
        .cloud(&with(
            &flags,
            &["storage", "rb", "--force", "aws://ct-list-v1"],
        ))
        .output();
    home.ok(&with(&flags, &["storage", "mb", "aws://ct-list-v1"]));
    for name in ["a.txt", "dir/b.txt", "dir/c.txt"] {
        home.cloud(&with(
            &flags,
            &["storage", "cp", "-", &format!("aws://ct-list-v1/{name}")],
        ))
        .write_stdin("x")
        .assert()
        .success();
    }
    let mut v1 = flags.clone();
    v1.extend(["-o".to_owned(), "list_objects_v1=true".to_owned()]);
    let listing = home.json(&with(&v1, &["storage", "ls", "-r", "aws://ct-list-v1"]));
    let names: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a.txt", "dir/b.txt", "dir/c.txt"]);
    let top = home.json(&with(&v1, &["storage", "ls", "aws://ct-list-v1"]));
    assert_eq!(top.as_array().unwrap().len(), 2, "{top}");
    home.ok(&with(
        &flags,
        &["storage", "rb", "--force", "aws://ct-list-v1"],
    ));
}

#[test]
fn cname_rules_hold_on_a_server_that_does_not_enforce_them() {
    let Some(flags) = moto() else { return };
    let home = Home::new();
    let mut aws = flags.clone();
    aws.extend(["--provider".to_owned(), "aws".to_owned()]);
    // A zone an earlier, interrupted run left (records first: Route 53
    // deletes only empty zones).
    if let Ok(records) = home
        .cloud(&with(&aws, &["--json", "dns", "records", "cnames.example"]))
        .output()
        && let Ok(serde_json::Value::Array(records)) = serde_json::from_slice(&records.stdout)
    {
        for r in records {
            let name = r["name"].as_str().unwrap_or("@").to_owned();
            let name = if name.is_empty() {
                "@".to_owned()
            } else {
                name
            };
            let kind = r["record_type"].as_str().unwrap_or_default().to_owned();
            let _ = home
                .cloud(&with(&aws, &["dns", "rm", "cnames.example", &name, &kind]))
                .output();
        }
        let _ = home
            .cloud(&with(&aws, &["dns", "delete-zone", "cnames.example"]))
            .output();
    }
    let zone = home.json(&with(&aws, &["dns", "create-zone", "cnames.example"]));
    let id = zone[0]["id"].as_str().unwrap().to_owned();
    home.fails(
        &with(
            &aws,
            &["dns", "add", &id, "@", "CNAME", "elsewhere.example.net."],
        ),
        6,
    );
    home.ok(&with(&aws, &["dns", "add", &id, "www", "A", "192.0.2.1"]));
    home.fails(
        &with(
            &aws,
            &["dns", "add", &id, "www", "CNAME", "elsewhere.example.net."],
        ),
        4,
    );
    home.ok(&with(
        &aws,
        &["dns", "add", &id, "blog", "CNAME", "elsewhere.example.net."],
    ));
    home.fails(&with(&aws, &["dns", "add", &id, "blog", "TXT", "hello"]), 4);
    home.ok(&with(&aws, &["dns", "rm", &id, "www", "A"]));
    home.ok(&with(&aws, &["dns", "rm", &id, "blog", "CNAME"]));
    home.ok(&with(&aws, &["dns", "delete-zone", &id]));
}

#[cfg(unix)]
#[test]
fn a_generated_private_key_goes_to_a_private_file() {
    use std::os::unix::fs::PermissionsExt;
    let Some(flags) = moto() else { return };
    let home = Home::new();
    let mut aws = flags.clone();
    aws.extend(["--provider".to_owned(), "aws".to_owned()]);
    let _ = home
        .cloud(&with(
            &aws,
            &["compute", "key-pairs", "destroy", "ct-generated"],
        ))
        .output();
    let out = home.path().join("ct-generated.pem");
    let shown = home.ok(&with(
        &aws,
        &[
            "compute",
            "key-pairs",
            "create",
            "ct-generated",
            "--output",
            out.to_str().unwrap(),
        ],
    ));
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    let key = std::fs::read_to_string(&out).unwrap();
    assert!(key.contains("PRIVATE KEY"), "{key}");
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // An existing file is never overwritten.
    home.fails(
        &with(
            &aws,
            &[
                "compute",
                "key-pairs",
                "create",
                "ct-other",
                "--output",
                out.to_str().unwrap(),
            ],
        ),
        4,
    );
    home.ok(&with(
        &aws,
        &["compute", "key-pairs", "destroy", "ct-generated"],
    ));
}

#[test]
fn stdin_uploads_to_s3_carry_the_content_type_of_their_name() {
    let Some(flags) = moto() else { return };
    let home = Home::new();
    let _ = home
        .cloud(&with(
            &flags,
            &["storage", "rb", "--force", "aws://ct-stdin-type"],
        ))
        .output();
    home.ok(&with(&flags, &["storage", "mb", "aws://ct-stdin-type"]));
    home.cloud(&with(
        &flags,
        &["storage", "cp", "-", "aws://ct-stdin-type/page.html"],
    ))
    .write_stdin("<p>from a pipe</p>")
    .assert()
    .success();
    let stat = home.json(&with(
        &flags,
        &["storage", "stat", "aws://ct-stdin-type/page.html"],
    ));
    assert_eq!(stat["content_type"], "text/html", "{stat}");
    home.ok(&with(
        &flags,
        &["storage", "rb", "--force", "aws://ct-stdin-type"],
    ));
}
