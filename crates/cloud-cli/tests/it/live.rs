//! The binary against real servers (moto, fake-gcs-server, Azurite): storage both
//! ways and between providers, compute and DNS on AWS, and `--verbose`
//! traces free of secrets.
#![allow(clippy::unwrap_used)]

use crate::support;

use cloud_testkit::servers::live_server;
use support::{Home, sample_tree, with};

const KEY: &str = "AKIACLITESTKEY";
const SECRET: &str = "cli-secret-never-printed";

/// Flags that point the `aws` provider at moto.
fn moto() -> Option<Vec<String>> {
    let url = live_server("moto", "CLOUD_TEST_MOTO_URL")?;
    Some(
        [
            "--endpoint",
            &url,
            "--key",
            KEY,
            "--secret",
            SECRET,
            "--region",
            "us-east-1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    )
}

#[test]
fn storage_on_s3_and_between_providers() {
    let Some(flags) = moto() else { return };
    let home = Home::new();
    let tree = sample_tree(home.path());
    let _ = home
        .cloud(&with(&flags, &["storage", "rb", "--force", "aws://ct-cli"]))
        .output();
    home.ok(&with(&flags, &["storage", "mb", "aws://ct-cli"]));
    home.ok(&with(
        &flags,
        &[
            "storage",
            "cp",
            "-r",
            tree.to_str().unwrap(),
            "aws://ct-cli/site",
        ],
    ));
    let listing = home.json(&with(
        &flags,
        &["storage", "ls", "-r", "aws://ct-cli/site/"],
    ));
    let names: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["site/css/style.css", "site/index.html", "site/notes.txt"]
    );
    assert_eq!(
        home.ok(&with(
            &flags,
            &["storage", "cat", "aws://ct-cli/site/index.html"]
        )),
        "<h1>hello</h1>"
    );

    // S3 to the local provider and back, streamed through the tool.
    home.ok(&["storage", "mb", "local://mirror"]);
    home.ok(&with(
        &flags,
        &[
            "storage",
            "cp",
            "-r",
            "aws://ct-cli/site",
            "local://mirror/copy",
        ],
    ));
    assert_eq!(
        home.ok(&["storage", "cat", "local://mirror/copy/css/style.css"]),
        "h1 { color: teal }"
    );
    home.ok(&with(
        &flags,
        &[
            "storage",
            "cp",
            "local://mirror/copy/notes.txt",
            "aws://ct-cli/back/notes.txt",
        ],
    ));
    let stat = home.json(&with(
        &flags,
        &["storage", "stat", "aws://ct-cli/back/notes.txt"],
    ));
    assert_eq!(stat["size"], 5000);
    assert_eq!(stat["content_type"], "text/plain");

    let url = home.ok(&with(
        &flags,
        &[
            "storage",
            "sign",
            "aws://ct-cli/site/index.html",
            "--expires",
            "60",
        ],
    ));
    assert!(url.contains("X-Amz-Signature="), "{url}");
    assert!(!url.contains(SECRET));
    home.ok(&with(&flags, &["storage", "rb", "--force", "aws://ct-cli"]));
    home.fails(&with(&flags, &["storage", "ls", "aws://ct-cli"]), 3);
}

/// A profile that points the `google` provider at fake-gcs-server
/// (anonymous, the test service account signing URLs) and, when moto runs
/// too, `aws` at moto: both in one profile, as a copy between them needs.
fn google_profile(gcs: &str, moto: Option<&str>) -> String {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cloud-google/tests/data/service-account.json"
    );
    let mut profile = format!(
        "[default]\n\"google.endpoint\" = \"{gcs}\"\n\"google.option.anonymous\" = \"true\"\n\
         \"google.option.project\" = \"cli-test\"\n\"google.option.signing_key_file\" = \"{key}\"\n"
    );
    if let Some(url) = moto {
        profile.push_str(&format!(
            "\"aws.endpoint\" = \"{url}\"\n\"aws.region\" = \"us-east-1\"\n\
             \"aws.key\" = \"{KEY}\"\n\"aws.secret\" = \"{SECRET}\"\n"
        ));
    }
    profile
}

#[test]
fn storage_on_google_and_between_providers() {
    let Some(gcs) = live_server("fake-gcs-server", "CLOUD_TEST_FAKE_GCS_URL") else {
        return;
    };
    let moto = live_server("moto", "CLOUD_TEST_MOTO_URL");
    let home = Home::new();
    std::fs::write(
        home.path().join("config.toml"),
        google_profile(&gcs, moto.as_deref()),
    )
    .unwrap();
    let tree = sample_tree(home.path());
    let _ = home
        .cloud(&["storage", "rb", "--force", "google://ct-cli"])
        .output();
    home.ok(&["storage", "mb", "google://ct-cli"]);
    home.ok(&[
        "storage",
        "cp",
        "-r",
        tree.to_str().unwrap(),
        "google://ct-cli/site",
    ]);
    let listing = home.json(&["storage", "ls", "-r", "google://ct-cli/site/"]);
    let names: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["site/css/style.css", "site/index.html", "site/notes.txt"]
    );

    // Google to the local provider and back, streamed through the tool.
    home.ok(&["storage", "mb", "local://mirror"]);
    home.ok(&[
        "storage",
        "cp",
        "-r",
        "google://ct-cli/site",
        "local://mirror/copy",
    ]);
    assert_eq!(
        home.ok(&["storage", "cat", "local://mirror/copy/css/style.css"]),
        "h1 { color: teal }"
    );
    home.ok(&[
        "storage",
        "cp",
        "local://mirror/copy/notes.txt",
        "google://ct-cli/back/notes.txt",
    ]);
    let stat = home.json(&["storage", "stat", "google://ct-cli/back/notes.txt"]);
    assert_eq!(stat["size"], 5000);
    assert_eq!(stat["content_type"], "text/plain");

    // Google to S3 and back, one command each.
    if moto.is_some() {
        let _ = home
            .cloud(&["storage", "rb", "--force", "aws://ct-cli-g"])
            .output();
        home.ok(&["storage", "mb", "aws://ct-cli-g"]);
        home.ok(&[
            "storage",
            "cp",
            "google://ct-cli/site/index.html",
            "aws://ct-cli-g/i.html",
        ]);
        home.ok(&[
            "storage",
            "cp",
            "aws://ct-cli-g/i.html",
            "google://ct-cli/from-s3.html",
        ]);
        assert_eq!(
            home.ok(&["storage", "cat", "google://ct-cli/from-s3.html"]),
            "<h1>hello</h1>"
        );
        home.ok(&["storage", "rb", "--force", "aws://ct-cli-g"]);
    }

    let url = home.ok(&[
        "storage",
        "sign",
        "google://ct-cli/site/index.html",
        "--expires",
        "60",
    ]);
    assert!(url.contains("X-Goog-Signature="), "{url}");
    home.ok(&["storage", "rb", "--force", "google://ct-cli"]);
    home.fails(&["storage", "ls", "google://ct-cli"], 3);
}

/// Azurite's well-known development key (public: Microsoft documents it).
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

#[test]
fn storage_on_azure_and_between_providers() {
    let Some(azurite) = live_server("azurite", "CLOUD_TEST_AZURITE_URL") else {
        return;
    };
    let gcs = live_server("fake-gcs-server", "CLOUD_TEST_FAKE_GCS_URL");
    let home = Home::new();
    let mut profile = format!(
        "[default]\n\"azure.endpoint\" = \"{azurite}\"\n\"azure.key\" = \"devstoreaccount1\"\n\
         \"azure.secret\" = \"{AZURITE_KEY}\"\n"
    );
    if let Some(gcs) = &gcs {
        profile.push_str(&google_profile(gcs, None).replace("[default]\n", ""));
    }
    std::fs::write(home.path().join("config.toml"), profile).unwrap();
    let tree = sample_tree(home.path());
    let _ = home
        .cloud(&["storage", "rb", "--force", "azure://ct-cli"])
        .output();
    home.ok(&["storage", "mb", "azure://ct-cli"]);
    home.ok(&[
        "storage",
        "cp",
        "-r",
        tree.to_str().unwrap(),
        "azure://ct-cli/site",
    ]);
    let listing = home.json(&["storage", "ls", "-r", "azure://ct-cli/site/"]);
    let names: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["site/css/style.css", "site/index.html", "site/notes.txt"]
    );
    let stat = home.json(&["storage", "stat", "azure://ct-cli/site/notes.txt"]);
    assert_eq!(stat["size"], 5000);
    assert_eq!(stat["content_type"], "text/plain");

    // Azure to the local provider and back, streamed through the tool.
    home.ok(&["storage", "mb", "local://mirror"]);
    home.ok(&[
        "storage",
        "cp",
        "-r",
        "azure://ct-cli/site",
        "local://mirror/copy",
    ]);
    assert_eq!(
        home.ok(&["storage", "cat", "local://mirror/copy/css/style.css"]),
        "h1 { color: teal }"
    );
    home.ok(&[
        "storage",
        "cp",
        "local://mirror/copy/index.html",
        "azure://ct-cli/back.html",
    ]);
    assert_eq!(
        home.ok(&["storage", "cat", "azure://ct-cli/back.html"]),
        "<h1>hello</h1>"
    );

    // Azure to Cloud Storage and back, one command each.
    if gcs.is_some() {
        let _ = home
            .cloud(&["storage", "rb", "--force", "google://ct-cli-az"])
            .output();
        home.ok(&["storage", "mb", "google://ct-cli-az"]);
        home.ok(&[
            "storage",
            "cp",
            "azure://ct-cli/site/index.html",
            "google://ct-cli-az/i.html",
        ]);
        home.ok(&[
            "storage",
            "cp",
            "google://ct-cli-az/i.html",
            "azure://ct-cli/from-gcs.html",
        ]);
        assert_eq!(
            home.ok(&["storage", "cat", "azure://ct-cli/from-gcs.html"]),
            "<h1>hello</h1>"
        );
        home.ok(&["storage", "rb", "--force", "google://ct-cli-az"]);
    }

    let url = home.ok(&[
        "storage",
        "sign",
        "azure://ct-cli/site/index.html",
        "--expires",
        "60",
    ]);
    assert!(url.contains("&sig="), "{url}");
    assert!(!url.contains(AZURITE_KEY));
    home.ok(&["storage", "rb", "--force", "azure://ct-cli"]);
    home.fails(&["storage", "ls", "azure://ct-cli"], 3);
}

#[test]
fn compute_and_dns_on_aws() {
    let Some(flags) = moto() else { return };
    let home = Home::new();
    let created = home.json(&with(
        &flags,
        &[
            "--provider",
            "aws",
            "compute",
            "create",
            "ct-cli-node",
            "--size",
            "t2.micro",
            "--image",
            "ami-12c6146b",
            "--wait",
        ],
    ));
    assert_eq!(created[0]["state"], "running");
    let id = created[0]["id"].as_str().unwrap().to_owned();
    let nodes = home.json(&with(&flags, &["--provider", "aws", "compute", "ls"]));
    assert!(
        nodes
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == id.as_str())
    );
    home.ok(&with(
        &flags,
        &["--provider", "aws", "compute", "destroy", &id],
    ));

    let _ = home
        .cloud(&with(
            &flags,
            &["--provider", "aws", "dns", "delete-zone", "ct-cli.example"],
        ))
        .output();
    home.ok(&with(
        &flags,
        &["--provider", "aws", "dns", "create-zone", "ct-cli.example"],
    ));
    home.ok(&with(
        &flags,
        &[
            "--provider",
            "aws",
            "dns",
            "add",
            "ct-cli.example",
            "www",
            "A",
            "192.0.2.5",
            "--ttl",
            "60",
        ],
    ));
    let zone = home.ok(&with(
        &flags,
        &["--provider", "aws", "dns", "export", "ct-cli.example"],
    ));
    assert!(zone.contains("www\t60\tIN\tA\t192.0.2.5"), "{zone}");
    home.ok(&with(
        &flags,
        &["--provider", "aws", "dns", "delete-zone", "ct-cli.example"],
    ));
}

#[test]
fn verbose_traces_show_requests_but_no_secrets() {
    let Some(flags) = moto() else { return };
    let home = Home::new();
    let output = home
        .cloud(&with(&flags, &["--verbose", "storage", "ls", "aws://"]))
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("method=GET"),
        "a request was traced: {stderr}"
    );
    assert!(stderr.contains("status=200"), "{stderr}");
    assert!(
        !stderr.contains(SECRET) && !stderr.contains(KEY),
        "no credentials in traces: {stderr}"
    );

    let output = home
        .cloud(&[
            "--endpoint",
            "http://127.0.0.1:9",
            "--key",
            KEY,
            "--secret",
            SECRET,
            "storage",
            "ls",
            "aws://",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(
        !stderr.contains(SECRET) && !stderr.contains(KEY),
        "{stderr}"
    );
}
