//! The real binary on the embedded default: local storage in a data folder,
//! compute, load balancers and DNS kept in state files between commands.
#![allow(clippy::unwrap_used)]

use crate::support;

use support::{Home, sample_tree};

#[test]
fn storage_round_trip() {
    let home = Home::new();
    let tree = sample_tree(home.path());
    home.ok(&["storage", "mb", "local://site"]);
    let copied = home.ok(&[
        "storage",
        "cp",
        "-r",
        tree.to_str().unwrap(),
        "local://site/v1",
    ]);
    assert_eq!(copied.lines().count(), 3, "{copied}");

    let listing = home.json(&["storage", "ls", "-r", "local://site"]);
    insta::assert_json_snapshot!("ls_recursive", listing, {
        "[].last_modified" => "[time]",
    });
    let folders = home.ok(&["storage", "ls", "local://site/v1/"]);
    assert!(
        folders.contains("DIR") && folders.contains("local://site/v1/css/"),
        "{folders}"
    );

    assert_eq!(
        home.ok(&["storage", "cat", "local://site/v1/index.html"]),
        "<h1>hello</h1>"
    );
    let stat = home.json(&["storage", "stat", "local://site/v1/css/style.css"]);
    insta::assert_json_snapshot!("stat", stat, { ".last_modified" => "[time]" });

    let out = home.path().join("back");
    home.ok(&[
        "storage",
        "cp",
        "-r",
        "local://site/v1",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(out.join("css/style.css")).unwrap(),
        "h1 { color: teal }"
    );

    home.ok(&[
        "storage",
        "mv",
        "local://site/v1/notes.txt",
        "local://site/archive/notes.txt",
    ]);
    home.fails(&["storage", "stat", "local://site/v1/notes.txt"], 3);
    home.ok(&["storage", "rm", "-r", "local://site/v1"]);
    let left = home.json(&["storage", "ls", "-r", "local://site"]);
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    home.fails(&["storage", "rb", "local://site"], 4);
    home.ok(&["storage", "rb", "--force", "local://site"]);
    assert_eq!(
        home.json(&["storage", "ls", "local://"]),
        serde_json::json!([])
    );
}

#[test]
fn stdin_and_stdout() {
    let home = Home::new();
    home.ok(&["storage", "mb", "local://pipes"]);
    home.cloud(&["storage", "cp", "-", "local://pipes/from-stdin.txt"])
        .write_stdin("streamed through a pipe")
        .assert()
        .success();
    assert_eq!(
        home.ok(&["storage", "cp", "local://pipes/from-stdin.txt", "-"]),
        "streamed through a pipe"
    );
}

#[test]
fn bad_storage_input_fails_cleanly_and_changes_nothing() {
    let home = Home::new();
    home.ok(&["storage", "mb", "local://keep"]);
    let before = home.json(&["storage", "ls", "local://"]);
    let err = home.fails(&["storage", "ls", "nimbus://x"], 6);
    assert!(err.contains("unknown provider `nimbus`"), "{err}");
    let err = home.fails(&["storage", "mb", "openstack://x"], 5);
    assert!(err.contains("no credentials"), "{err}");
    home.fails(&["storage", "ls", "Bad://x"], 6);
    home.fails(&["storage", "cp", "local://missing/a", "local://keep/a"], 3);
    home.fails(&["storage", "cp", "./does-not-exist", "local://keep/a"], 3);
    home.fails(&["storage", "mb", "local://.hidden"], 6);
    home.fails(&["storage", "cp", "local://keep/../x", "local://keep/y"], 6);
    home.fails(&["storage", "rm", "local://keep/"], 6);
    home.fails(&["storage", "sign", "local://keep/a"], 8);
    assert_eq!(home.json(&["storage", "ls", "local://"]), before);
    assert_eq!(
        home.json(&["storage", "ls", "-r", "local://keep"]),
        serde_json::json!([])
    );
}

#[test]
fn compute_state_persists_between_commands() {
    let home = Home::new().fast();
    let created = home.json(&[
        "compute",
        "create",
        "web-1",
        "--size",
        "small",
        "--image",
        "debian-12",
        "--wait",
    ]);
    insta::assert_json_snapshot!("created_node", created, { "[].created_at" => "[time]" });
    home.ok(&[
        "compute",
        "create",
        "web-2",
        "--size",
        "medium",
        "--image",
        "ubuntu-24.04",
        "--tag",
        "role=web",
    ]);
    let nodes = home.json(&["compute", "ls"]);
    assert_eq!(nodes.as_array().unwrap().len(), 2);
    home.ok(&["compute", "wait", "node-000002", "--wait-timeout", "10s"]);
    home.ok(&["compute", "stop", "node-000001"]);
    home.ok(&["compute", "destroy", "node-000002"]);
    let nodes = home.json(&["compute", "ls"]);
    assert_eq!(nodes.as_array().unwrap().len(), 1);
    assert!(home.ok(&["compute", "sizes"]).contains("small"));
    assert!(home.ok(&["compute", "images"]).contains("debian-12"));
    assert!(home.ok(&["compute", "locations"]).contains("mem-a"));
    let ids = |nodes: serde_json::Value| -> Vec<String> {
        nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = ids(home.json(&["compute", "ls"]));
    home.fails(
        &[
            "compute",
            "create",
            "x",
            "--size",
            "huge",
            "--image",
            "debian-12",
        ],
        3,
    );
    home.fails(&["compute", "reboot", "node-424242"], 3);
    home.fails(
        &[
            "compute",
            "create",
            "",
            "--size",
            "small",
            "--image",
            "debian-12",
        ],
        6,
    );
    assert_eq!(
        ids(home.json(&["compute", "ls"])),
        before,
        "failed commands changed nothing"
    );
}

#[test]
fn load_balancers() {
    let home = Home::new().fast();
    let created = home.json(&[
        "lb",
        "create",
        "front",
        "--port",
        "80",
        "--member",
        "192.0.2.10:8080",
        "--member",
        "192.0.2.11:8080",
        "--wait",
    ]);
    assert_eq!(created[0]["state"], "running");
    let id = created[0]["id"].as_str().unwrap().to_owned();
    let members = home.json(&["lb", "members", &id]);
    insta::assert_json_snapshot!("members", members);
    let added = home.json(&["lb", "attach", &id, "192.0.2.12:8080"]);
    let member_id = added[0]["id"].as_str().unwrap().to_owned();
    home.ok(&["lb", "detach", &id, &member_id]);
    assert_eq!(
        home.json(&["lb", "members", &id]).as_array().unwrap().len(),
        2
    );
    home.fails(&["lb", "attach", &id, "not-a-member"], 6);
    home.fails(
        &[
            "lb",
            "create",
            "x",
            "--port",
            "80",
            "--algorithm",
            "fastest",
        ],
        6,
    );
    home.ok(&["lb", "destroy", &id]);
    home.fails(&["lb", "members", &id], 3);
}

#[test]
fn dns_records_and_zone_files() {
    let home = Home::new();
    home.ok(&["dns", "create-zone", "example.com", "--ttl", "3600"]);
    home.ok(&[
        "dns",
        "add",
        "example.com",
        "www",
        "A",
        "192.0.2.10",
        "--ttl",
        "300",
    ]);
    home.ok(&[
        "dns",
        "add",
        "example.com",
        "@",
        "MX",
        "10 mail.example.com.",
    ]);
    home.ok(&["dns", "add", "example.com", "@", "TXT", "v=spf1 mx -all"]);
    let records = home.json(&["dns", "records", "example.com"]);
    insta::assert_json_snapshot!("records", records);
    let zone_file = home.ok(&["dns", "export", "example.com"]);
    insta::assert_snapshot!("zone_file", zone_file);

    home.ok(&["dns", "create-zone", "example.org"]);
    let path = home.path().join("example.com.zone");
    std::fs::write(&path, zone_file.replace("example.com.", "example.org.")).unwrap();
    let imported = home.json(&["dns", "import", "example.org", path.to_str().unwrap()]);
    assert_eq!(
        imported["created"].as_array().unwrap().len(),
        3,
        "{imported}"
    );

    home.ok(&["dns", "rm", "example.com", "www", "A"]);
    home.fails(&["dns", "rm", "example.com", "www", "A"], 3);
    home.fails(&["dns", "add", "example.com", "bad", "A", "300.0.0.1"], 6);
    home.fails(&["dns", "records", "nowhere.example"], 3);
    home.fails(&["dns", "add", "example.com", "x", "BOGUS", "data"], 6);
    std::fs::write(&path, "broken 300 IN A not-an-ip\n").unwrap();
    home.fails(&["dns", "import", "example.org", path.to_str().unwrap()], 6);
    assert_eq!(
        home.json(&["dns", "records", "example.org"])
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn config_profiles() {
    let home = Home::new();
    home.ok(&["config", "set", "aws.region", "eu-west-1"]);
    home.ok(&["config", "set", "aws.secret", "hunter2-very-secret"]);
    home.ok(&["--profile", "staging", "config", "set", "provider", "aws"]);
    assert_eq!(
        home.ok(&["config", "get", "aws.region"]).trim(),
        "eu-west-1"
    );
    let listed = home.ok(&["config", "list"]);
    assert!(
        listed.contains("eu-west-1") && !listed.contains("hunter2"),
        "{listed}"
    );
    home.fails(&["config", "set", "aws.colour", "blue"], 6);
    let err = home.fails(&["config", "set", "aws.option.part_size", "8MB"], 6);
    assert!(
        err.contains("option `part_size` of provider `aws` must be a whole number, not `8MB`"),
        "{err}"
    );
    home.ok(&["config", "set", "aws.option.part_size", "8388608"]);
    home.ok(&["config", "unset", "aws.option.part_size"]);
    home.ok(&["config", "unset", "aws.region"]);
    home.fails(&["config", "get", "aws.region"], 6);
    home.fails(&["--profile", "nope", "compute", "ls"], 6);
    assert!(home.ok(&["config", "path"]).contains("config.toml"));
    let providers = home.json(&["providers"]);
    assert!(
        providers
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "local")
    );
}
