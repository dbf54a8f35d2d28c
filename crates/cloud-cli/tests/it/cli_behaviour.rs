//! The tool as people use it: pipes, exit codes, JSON, the commands they
//! reach for, and the DNS rules, on the embedded default.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::process::Stdio;

use support::Home;

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let home = Home::new();
    home.ok(&["storage", "mb", "local://piped"]);
    let big = home.path().join("big.txt");
    std::fs::write(&big, "line\n".repeat(200_000)).unwrap();
    home.ok(&[
        "storage",
        "cp",
        big.to_str().unwrap(),
        "local://piped/big.txt",
    ]);
    for args in [
        &["storage", "cat", "local://piped/big.txt"][..],
        &["storage", "cp", "local://piped/big.txt", "-"][..],
        &["--json", "compute", "sizes"][..],
        &["compute", "images"][..],
        &["storage", "ls", "local://"][..],
        &["providers"][..],
    ] {
        // The reader is gone before the first write, as with `| head -0`.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = home
            .command(args)
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
        assert!(
            output.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn json_on_failure_leaves_stdout_empty() {
    let home = Home::new();
    // Listing a missing container fails on its first page: nothing printed.
    home.fails(&["--json", "storage", "ls", "local://missing"], 3);
    home.fails(&["--json", "storage", "ls", "-r", "local://missing/x"], 3);
    home.ok(&["storage", "mb", "local://there"]);
    assert_eq!(
        home.json(&["storage", "ls", "local://there"]),
        serde_json::json!([])
    );
}

#[test]
fn stdin_uploads_get_a_content_type_from_the_destination_name() {
    let home = Home::new();
    home.ok(&["storage", "mb", "local://site"]);
    home.cloud(&["storage", "cp", "-", "local://site/index.html"])
        .write_stdin("<h1>hi</h1>")
        .assert()
        .success();
    let stat = home.json(&["storage", "stat", "local://site/index.html"]);
    assert_eq!(stat["content_type"], "text/html", "{stat}");
    home.cloud(&[
        "storage",
        "cp",
        "--content-type",
        "text/plain",
        "-",
        "local://site/raw.html",
    ])
    .write_stdin("x")
    .assert()
    .success();
    let stat = home.json(&["storage", "stat", "local://site/raw.html"]);
    assert_eq!(stat["content_type"], "text/plain");
}

#[test]
fn metadata_flags_are_stored() {
    let home = Home::new();
    let file = home.path().join("notes.txt");
    std::fs::write(&file, "some notes").unwrap();
    home.ok(&["storage", "mb", "local://docs"]);
    home.ok(&[
        "storage",
        "cp",
        "--metadata",
        "owner=ada",
        "--metadata",
        "project=engine",
        file.to_str().unwrap(),
        "local://docs/notes.txt",
    ]);
    let stat = home.json(&["storage", "stat", "local://docs/notes.txt"]);
    assert_eq!(stat["metadata"]["owner"], "ada", "{stat}");
    assert_eq!(stat["metadata"]["project"], "engine");
    home.cloud(&[
        "storage",
        "cp",
        "--metadata",
        "novalue",
        file.to_str().unwrap(),
        "local://docs/x",
    ])
    .assert()
    .code(2);
    // A copy that sets metadata cannot be a plain server-side copy: it is
    // streamed, and the new object carries both.
    home.ok(&[
        "storage",
        "cp",
        "--metadata",
        "reviewed=yes",
        "local://docs/notes.txt",
        "local://docs/reviewed.txt",
    ]);
    let stat = home.json(&["storage", "stat", "local://docs/reviewed.txt"]);
    assert_eq!(stat["metadata"]["owner"], "ada", "{stat}");
    assert_eq!(stat["metadata"]["reviewed"], "yes");
}

#[test]
fn compute_show_volumes_snapshots_and_key_pairs() {
    let home = Home::new().fast();
    let node = home.json(&[
        "compute",
        "create",
        "web",
        "--size",
        "small",
        "--image",
        "debian-12",
        "--wait",
    ]);
    let node_id = node[0]["id"].as_str().unwrap().to_owned();
    let shown = home.json(&["compute", "show", &node_id]);
    assert_eq!(shown["name"], "web");
    assert!(home.ok(&["compute", "show", &node_id]).contains("running"));
    home.fails(&["compute", "show", "node-424242"], 3);

    let volume = home.json(&["compute", "volumes", "create", "data", "--size", "10"]);
    let volume_id = volume[0]["id"].as_str().unwrap().to_owned();
    home.ok(&[
        "compute", "volumes", "attach", &volume_id, &node_id, "--device", "/dev/sdf",
    ]);
    let volumes = home.json(&["compute", "volumes", "ls"]);
    assert_eq!(volumes[0]["attached_to"], node_id.as_str(), "{volumes}");
    home.fails(&["compute", "volumes", "destroy", &volume_id], 4);
    let snapshot = home.json(&[
        "compute",
        "snapshots",
        "create",
        &volume_id,
        "--name",
        "nightly",
    ]);
    let snapshot_id = snapshot[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        home.json(&["compute", "snapshots", "ls"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    home.ok(&["compute", "volumes", "detach", &volume_id]);
    home.ok(&["compute", "snapshots", "destroy", &snapshot_id]);
    home.ok(&["compute", "volumes", "destroy", &volume_id]);
    assert_eq!(
        home.json(&["compute", "volumes", "ls"]),
        serde_json::json!([])
    );

    let key = home.path().join("id.pub");
    std::fs::write(
        &key,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@host\n",
    )
    .unwrap();
    home.ok(&[
        "compute",
        "key-pairs",
        "import",
        "deploy",
        key.to_str().unwrap(),
    ]);
    let shown = home.json(&["compute", "key-pairs", "show", "deploy"]);
    assert!(
        shown["fingerprint"].as_str().unwrap().contains(':'),
        "{shown}"
    );
    // The memory provider generates no keys: a typed "unsupported".
    let out = home.path().join("generated");
    home.fails(
        &[
            "compute",
            "key-pairs",
            "create",
            "gen",
            "--output",
            out.to_str().unwrap(),
        ],
        8,
    );
    assert!(!out.exists());
    home.ok(&["compute", "key-pairs", "destroy", "deploy"]);
    assert_eq!(
        home.json(&["compute", "key-pairs", "ls"]),
        serde_json::json!([])
    );
}

#[test]
fn lb_show_protocols_and_algorithms() {
    let home = Home::new().fast();
    let lb = home.json(&["lb", "create", "front", "--port", "80"]);
    let id = lb[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(home.json(&["lb", "show", &id])["name"], "front");
    let protocols = home.json(&["lb", "protocols"]);
    assert!(
        protocols.as_array().unwrap().iter().any(|p| p == "http"),
        "{protocols}"
    );
    let algorithms = home.json(&["lb", "algorithms"]);
    assert!(
        algorithms
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "round_robin"),
        "{algorithms}"
    );
    assert!(home.ok(&["lb", "algorithms"]).contains("round_robin"));
}

#[test]
fn dns_record_show_and_import_with_reasons() {
    let home = Home::new();
    let zone_file = home.path().join("example.org.zone");
    std::fs::write(
        &zone_file,
        "$ORIGIN example.org.\n$TTL 3600\n\
         @ IN SOA ns1.example.org. admin.example.org. 1 7200 900 1209600 300\n\
         www IN A 192.0.2.10\n\
         mail IN A 192.0.2.20\n\
         @ IN MX 10 mail.example.org.\n",
    )
    .unwrap();
    let path = zone_file.to_str().unwrap();
    // No zone yet: refused without --create, created with it.
    home.fails(&["dns", "import", "example.org", path], 3);
    let first = home.json(&["dns", "import", "--create", "example.org", path]);
    assert_eq!(first["created"].as_array().unwrap().len(), 3, "{first}");
    assert_eq!(first["skipped"][0]["reason"], "managed_by_provider");
    let again = home.ok(&["dns", "import", "example.org", path]);
    assert!(
        again.contains("3 skipped: already in the zone")
            && again.contains("1 skipped: SOA is managed by the provider"),
        "{again}"
    );
    let records = home.json(&["dns", "records", "example.org"]);
    let id = records[0]["id"].as_str().unwrap().to_owned();
    let shown = home.json(&["dns", "record", "show", "example.org", &id]);
    assert_eq!(shown["id"], id.as_str());
    home.fails(&["dns", "record", "show", "example.org", "rec-999999"], 3);
}

#[test]
fn zone_files_that_are_missing_or_not_text_get_their_own_codes() {
    let home = Home::new();
    home.ok(&["dns", "create-zone", "example.com"]);
    let missing = home.path().join("absent.zone");
    home.fails(
        &["dns", "import", "example.com", missing.to_str().unwrap()],
        3,
    );
    let binary = home.path().join("binary.zone");
    std::fs::write(&binary, b"www 300 IN A 192.0.2.1\n\xff\xfe\x00junk").unwrap();
    let err = home.fails(
        &["dns", "import", "example.com", binary.to_str().unwrap()],
        6,
    );
    assert!(err.contains("not UTF-8"), "{err}");
}

#[test]
fn cname_rules_are_enforced_before_sending() {
    let home = Home::new();
    home.ok(&["dns", "create-zone", "example.com"]);
    let err = home.fails(
        &[
            "dns",
            "add",
            "example.com",
            "@",
            "CNAME",
            "elsewhere.example.net.",
        ],
        6,
    );
    assert!(err.contains("apex"), "{err}");
    home.ok(&["dns", "add", "example.com", "www", "A", "192.0.2.1"]);
    let err = home.fails(
        &[
            "dns",
            "add",
            "example.com",
            "www",
            "CNAME",
            "elsewhere.example.net.",
        ],
        4,
    );
    assert!(err.contains("CNAME"), "{err}");
    home.ok(&[
        "dns",
        "add",
        "example.com",
        "blog",
        "CNAME",
        "elsewhere.example.net.",
    ]);
    home.fails(&["dns", "add", "example.com", "blog", "TXT", "hello"], 4);
    // The same rules hold inside a zone file.
    let file = home.path().join("clash.zone");
    std::fs::write(
        &file,
        "$ORIGIN example.com.\nshop 300 IN A 192.0.2.5\nshop 300 IN CNAME x.example.net.\n",
    )
    .unwrap();
    home.fails(&["dns", "import", "example.com", file.to_str().unwrap()], 4);
    assert_eq!(
        home.json(&["dns", "records", "example.com"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
