//! Answers no local server gives on demand, from a scripted server: a
//! token echoed in an error body, a catalog with a legacy region-less
//! entry, an answer of the wrong shape, a server that never answers, and
//! legacy S3 bucket names.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use support::http::{Response, ScriptedServer};
use support::{Home, with};

const KEY: &str = "AKIACLIECHOTEST00001";
const SECRET: &str = "cli-echo-secret-never-printed";

fn aws_flags(url: &str) -> Vec<String> {
    [
        "--endpoint",
        url,
        "--key",
        KEY,
        "--secret",
        SECRET,
        "--region",
        "us-east-1",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn credentials_a_server_echoes_never_reach_the_terminal() {
    // S3 answers with the key id and the whole Authorization header echoed.
    let s3 = ScriptedServer::start(|r| {
        let auth = r.header("authorization").unwrap_or_default().to_owned();
        Response::new(
            403,
            format!(
                "<Error><Code>AccessDenied</Code><Message>denied for {KEY} ({auth}) secret {SECRET}</Message>\
                 <RequestId>r1</RequestId></Error>"
            ),
        )
    });
    let home = Home::new();
    let flags = aws_flags(&s3.url());
    let out = home
        .cloud(&with(
            &flags,
            &["--verbose", "storage", "ls", "aws://bucket"],
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let shown = String::from_utf8_lossy(&out.stderr);
    assert!(shown.contains("denied for [redacted]"), "{shown}");
    assert!(!shown.contains(KEY) && !shown.contains(SECRET), "{shown}");

    // Keystone hands out a token; Swift then echoes it in its error.
    const TOKEN: &str = "gAAAAABcanarytokenfromkeystone0001";
    const PASSWORD: &str = "cli-keystone-password-0001";
    let server = ScriptedServer::start(|r| {
        if r.path.starts_with("/v3/auth/tokens") {
            let port = r.header("host").unwrap_or_default().to_owned();
            let catalog = format!(
                r#"{{"token":{{"expires_at":"2999-01-01T00:00:00Z","project":{{"id":"p1"}},"user":{{"id":"u1"}},
                "catalog":[{{"type":"object-store","name":"swift","endpoints":[
                {{"interface":"public","region_id":"RegionOne","region":"RegionOne","url":"http://{port}/swift/v1/AUTH_p1"}}]}}]}}}}"#
            );
            return Response::new(201, catalog).header("x-subject-token", TOKEN);
        }
        let token = r.header("x-auth-token").unwrap_or_default().to_owned();
        Response::new(
            401,
            format!("token {token} is not valid here, and neither is {PASSWORD}"),
        )
    });
    let out = home
        .cloud(&[
            "--endpoint",
            &format!("{}/v3", server.url()),
            "--key",
            "demo",
            "--secret",
            PASSWORD,
            "-o",
            "project_name=demo",
            "--retries",
            "0",
            "storage",
            "ls",
            "openstack://c",
        ])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.header("x-auth-token") == Some(TOKEN))
    );
    assert!(
        !shown.contains(TOKEN) && !shown.contains(PASSWORD),
        "{shown}"
    );
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[test]
fn the_requested_region_beats_a_legacy_catalog_entry() {
    let server = ScriptedServer::start(|r| {
        let host = r.header("host").unwrap_or_default().to_owned();
        if r.path.starts_with("/v3/auth/tokens") {
            let catalog = format!(
                r#"{{"token":{{"expires_at":"2999-01-01T00:00:00Z","project":{{"id":"p1"}},"user":{{"id":"u1"}},
                "catalog":[{{"type":"object-store","name":"swift","endpoints":[
                {{"interface":"public","url":"http://{host}/legacy/v1/AUTH_p1"}},
                {{"interface":"public","region_id":"RegionTwo","region":"RegionTwo","url":"http://{host}/two/v1/AUTH_p1"}}]}}]}}}}"#
            );
            return Response::new(201, catalog).header("x-subject-token", "tok-regions-0001");
        }
        if r.path.starts_with("/two/") {
            Response::new(200, "[]").header("content-type", "application/json")
        } else {
            Response::new(500, "the legacy endpoint was used")
        }
    });
    let home = Home::new();
    let out = home
        .cloud(&[
            "--endpoint",
            &format!("{}/v3", server.url()),
            "--key",
            "demo",
            "--secret",
            "pw-regions",
            "--region",
            "RegionTwo",
            "-o",
            "project_name=demo",
            "--verbose",
            "storage",
            "ls",
            "openstack://",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("chose catalog endpoint") && stderr.contains("/two/v1/AUTH_p1"),
        "--verbose says which endpoint was chosen: {stderr}"
    );
}

#[test]
fn an_answer_of_the_wrong_shape_is_an_error() {
    let server = ScriptedServer::start(|_| {
        Response::new(200, "<Unexpected><Item>x</Item></Unexpected>")
            .header("content-type", "text/xml")
    });
    let home = Home::new();
    let flags = aws_flags(&server.url());
    for args in [
        &["--provider", "aws", "compute", "ls"][..],
        &["--provider", "aws", "dns", "zones"][..],
        &["--provider", "aws", "lb", "ls"][..],
        &["storage", "ls", "aws://"][..],
    ] {
        let err = home.fails(&with(&flags, args), 1);
        assert!(err.contains("<Unexpected>"), "{args:?}: {err}");
    }
}

#[test]
fn a_silent_server_is_given_up_on_when_the_user_says() {
    let server = ScriptedServer::start(|_| Response::stall());
    let home = Home::new();
    let flags = aws_flags(&server.url());
    let started = Instant::now();
    let err = home.fails(
        &with(
            &flags,
            &[
                "--timeout",
                "1s",
                "--retries",
                "0",
                "storage",
                "ls",
                "aws://bucket",
            ],
        ),
        7,
    );
    assert!(err.contains("timed out"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    // The same from the profile.
    home.ok(&["config", "set", "timeout", "1s"]);
    home.ok(&["config", "set", "aws.retries", "0"]);
    let started = Instant::now();
    home.fails(&with(&flags, &["storage", "ls", "aws://bucket"]), 7);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    home.fails(&["config", "set", "timeout", "soon"], 6);
}

#[test]
fn legacy_bucket_names_are_served_and_only_new_ones_are_checked() {
    let server = ScriptedServer::start(|r| {
        if r.method == "GET" {
            Response::new(
                200,
                "<ListBucketResult><Name>test_container</Name><IsTruncated>false</IsTruncated>\
                 <Contents><Key>old.txt</Key><Size>3</Size></Contents></ListBucketResult>",
            )
        } else {
            Response::new(500, "unexpected")
        }
    });
    let home = Home::new();
    let flags = aws_flags(&server.url());
    let listing = home.json(&with(&flags, &["storage", "ls", "aws://test_container"]));
    assert_eq!(listing[0]["name"], "old.txt", "{listing}");
    let request = &server.requests()[0];
    assert!(
        request.path.starts_with("/test_container"),
        "path style: {}",
        request.path
    );
    // Creating one is still refused, before any request.
    let before = server.requests().len();
    home.fails(&with(&flags, &["storage", "mb", "aws://New_Bucket"]), 6);
    assert_eq!(server.requests().len(), before);
}

#[test]
fn a_region_that_is_not_a_name_is_refused_before_any_request() {
    let server = ScriptedServer::start(|_| Response::new(500, "no request expected"));
    let home = Home::new();
    let err = home.fails(
        &[
            "--endpoint",
            &server.url(),
            "--key",
            KEY,
            "--secret",
            SECRET,
            "--region",
            "us-east-1/../x",
            "storage",
            "ls",
            "aws://bucket",
        ],
        6,
    );
    assert!(err.contains("region"), "{err}");
    // Without an endpoint the region would have become part of a host name.
    home.fails(
        &[
            "--key",
            KEY,
            "--secret",
            SECRET,
            "--region",
            "us-east-1/../x",
            "storage",
            "ls",
            "aws://bucket",
        ],
        6,
    );
    assert!(server.requests().is_empty());
}
