//! Answers no local server gives on demand, from a scripted server: a
//! token echoed in an error body, a catalog with a legacy region-less
//! entry, an answer of the wrong shape, a server that never answers, and
//! legacy S3 bucket names.
#![allow(clippy::unwrap_used)]

use crate::support;

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

/// Every provider with credentials (PowerDNS included), run under `--verbose` and under
/// `RUST_LOG=trace` against a server that echoes every request (headers
/// and body) back in its error answers, in the shapes each provider's
/// error parser reads: no credential, nor any value of a credential header
/// the server received, may show anywhere in what the tool prints. Logins
/// succeed (so issued tokens are echoed too) or are themselves echoed.
#[test]
fn no_provider_prints_a_credential_a_server_echoes() {
    const PASSWORD: &str = "echo-password-0001";
    const OS_TOKEN: &str = "gAAAAechoOpenStackToken0001";
    const RAX_TOKEN: &str = "echoRackspaceToken0001";
    const GOOGLE_TOKEN: &str = "ya29.echoGoogleToken0001";
    const GANDI_TOKEN: &str = "echo-gandi-pat-0001";
    // An Azure storage account key is base64 ("echo-azure-key-0001").
    const AZURE_KEY: &str = "ZWNoby1henVyZS1rZXktMDAwMQ==";

    let home = Home::new();
    let key_file = home.path().join("google-key.json");
    let mut runs = 0;
    for login_ok in [true, false] {
        for status in [400u16, 404, 500] {
            let server = ScriptedServer::start(move |r| echo_answer(r, status, login_ok));
            let url = server.url();
            google_key(&key_file, &format!("{url}/token"));
            let key = key_file.to_str().unwrap().to_owned();
            let aws = aws_flags(&url);
            let cases: Vec<Case<'_>> = vec![
                (
                    "aws",
                    aws.clone(),
                    vec![
                        &["storage", "ls", "aws://bucket"],
                        &["--provider", "aws", "compute", "ls"],
                        &["--provider", "aws", "lb", "ls"],
                        &["--provider", "aws", "dns", "zones"],
                    ],
                ),
                (
                    "openstack",
                    flags(&[
                        "--endpoint",
                        &format!("{url}/v3"),
                        "--key",
                        "demo",
                        "--secret",
                        PASSWORD,
                        "-o",
                        "project_name=demo",
                    ]),
                    vec![
                        &["storage", "ls", "openstack://c"],
                        &["--provider", "openstack", "compute", "ls"],
                        &["--provider", "openstack", "compute", "sizes"],
                        &["--provider", "openstack", "lb", "ls"],
                        &["--provider", "openstack", "dns", "zones"],
                    ],
                ),
                (
                    "rackspace",
                    flags(&[
                        "--endpoint",
                        &format!("{url}/v2.0"),
                        "--key",
                        "demo",
                        "--secret",
                        PASSWORD,
                    ]),
                    vec![
                        &["storage", "ls", "rackspace://c"],
                        &["--provider", "rackspace", "compute", "ls"],
                        &["--provider", "rackspace", "lb", "ls"],
                        &["--provider", "rackspace", "dns", "zones"],
                    ],
                ),
                (
                    "gandi",
                    flags(&["--endpoint", &url, "--key", GANDI_TOKEN]),
                    vec![&["--provider", "gandi", "dns", "zones"]],
                ),
                (
                    "cloudsigma",
                    flags(&[
                        "--endpoint",
                        &format!("{url}/api/2.0/"),
                        "--key",
                        "echo@example.com",
                        "--secret",
                        PASSWORD,
                    ]),
                    vec![
                        &["--provider", "cloudsigma", "compute", "sizes"],
                        &["--provider", "cloudsigma", "compute", "ls"],
                    ],
                ),
                (
                    "powerdns",
                    flags(&["--endpoint", &url, "--secret", PASSWORD]),
                    vec![&["--provider", "powerdns", "dns", "zones"]],
                ),
                (
                    "azure",
                    flags(&[
                        "--endpoint",
                        &format!("{url}/echoaccount"),
                        "--key",
                        "echoaccount",
                        "--secret",
                        AZURE_KEY,
                    ]),
                    vec![
                        &["storage", "ls", "azure://bucket"],
                        &["storage", "ls", "azure://"],
                    ],
                ),
                (
                    "google",
                    flags(&["--endpoint", &url, "-o", "project=echo-project"]),
                    vec![
                        &["storage", "ls", "google://bucket"],
                        &["storage", "ls", "google://"],
                    ],
                ),
            ];
            for (provider, flags, commands) in cases {
                for command in commands {
                    for verbose in [true, false] {
                        let mut args = flags.clone();
                        args.extend(["--retries".to_owned(), "1".to_owned()]);
                        if verbose {
                            args.push("--verbose".to_owned());
                        }
                        let mut cmd = home.cloud(&with(&args, command));
                        cmd.env("GOOGLE_APPLICATION_CREDENTIALS", &key);
                        if !verbose {
                            cmd.env("RUST_LOG", "trace");
                        }
                        let out = cmd.timeout(Duration::from_secs(60)).output().unwrap();
                        runs += 1;
                        let shown = format!(
                            "{}{}",
                            String::from_utf8_lossy(&out.stdout),
                            String::from_utf8_lossy(&out.stderr)
                        );
                        let context = format!(
                            "{provider} {command:?} (status {status}, login {login_ok}, \
                             verbose {verbose}):\n{shown}"
                        );
                        assert!(
                            shown.contains("DEBUG") || shown.contains("TRACE"),
                            "{context}"
                        );
                        for secret in [
                            PASSWORD,
                            SECRET,
                            KEY,
                            OS_TOKEN,
                            RAX_TOKEN,
                            GOOGLE_TOKEN,
                            GANDI_TOKEN,
                            AZURE_KEY,
                        ] {
                            assert!(!shown.contains(secret), "`{secret}` printed by {context}");
                        }
                        for request in server.requests() {
                            for (name, value) in &request.headers {
                                let credential = ["authorization", "x-auth-token", "x-auth-key"]
                                    .iter()
                                    .any(|h| name.eq_ignore_ascii_case(h));
                                assert!(
                                    !credential || !shown.contains(value.as_str()),
                                    "{name} value printed by {context}"
                                );
                            }
                            let body = String::from_utf8_lossy(&request.body);
                            if let Some(assertion) = body.split("assertion=").nth(1) {
                                let assertion = assertion.split('&').next().unwrap_or_default();
                                assert!(
                                    !shown.contains(assertion),
                                    "a signed Google assertion printed by {context}"
                                );
                            }
                        }
                    }
                }
            }
            let requests = server.requests();
            for path in [
                "/v3/auth/tokens",
                "/v2.0/tokens",
                "/token",
                "/api/2.0/pricing/",
            ] {
                assert!(
                    requests.iter().any(|r| r.path.starts_with(path)),
                    "nothing asked for {path}"
                );
            }
        }
    }
    assert!(runs > 50, "{runs}");
}

/// A provider, its flags and the commands run with them.
type Case<'a> = (&'a str, Vec<String>, Vec<&'a [&'a str]>);

fn flags(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The test service account's key, its tokens asked of `token_uri`.
fn google_key(path: &std::path::Path, token_uri: &str) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cloud-google/tests/data/service-account.json"
    ))
    .unwrap();
    let mut key: serde_json::Value = serde_json::from_str(&text).unwrap();
    key["token_uri"] = token_uri.into();
    std::fs::write(path, key.to_string()).unwrap();
}

/// Logins answered (when `login_ok`) with tokens and catalogs pointing
/// back here; every other request answered `status`, the whole request
/// echoed in each error shape the providers read.
fn echo_answer(r: &support::http::Request, status: u16, login_ok: bool) -> Response {
    let host = r.header("host").unwrap_or_default().to_owned();
    let base = format!("http://{host}");
    if login_ok && r.path.starts_with("/v3/auth/tokens") {
        let endpoint = |kind: &str, path: &str| {
            serde_json::json!({"type": kind, "name": kind, "endpoints": [
                {"interface": "public", "region_id": "RegionOne", "region": "RegionOne",
                 "url": format!("{base}/{path}")}]})
        };
        let body = serde_json::json!({"token": {
            "expires_at": "2999-01-01T00:00:00Z", "project": {"id": "p1"}, "user": {"id": "u1"},
            "catalog": [endpoint("object-store", "swift/v1/AUTH_p1"), endpoint("compute", "nova/v2.1"),
                        endpoint("load-balancer", "octavia"), endpoint("dns", "designate"),
                        endpoint("volumev3", "cinder/v3/p1"), endpoint("image", "glance")]}});
        return Response::new(201, body.to_string())
            .header("x-subject-token", "gAAAAechoOpenStackToken0001");
    }
    if login_ok && r.path.starts_with("/v2.0/tokens") {
        let service = |kind: &str, name: &str, path: &str| {
            serde_json::json!({"type": kind, "name": name, "endpoints": [
                {"region": "ORD", "publicURL": format!("{base}/{path}")}]})
        };
        let body = serde_json::json!({"access": {
            "token": {"id": "echoRackspaceToken0001", "expires": "2999-01-01T00:00:00Z",
                      "tenant": {"id": "123"}},
            "user": {"id": "u1", "RAX-AUTH:defaultRegion": "ORD"},
            "serviceCatalog": [service("object-store", "cloudFiles", "files/v1/MossoCloudFS_1"),
                               service("compute", "cloudServersOpenStack", "servers/v2/123"),
                               service("rax:load-balancer", "cloudLoadBalancers", "lbaas/v1.0/123"),
                               service("rax:dns", "cloudDNS", "dns/v1.0/123")]}});
        return Response::new(200, body.to_string());
    }
    if login_ok && r.path == "/token" {
        let body = serde_json::json!({"access_token": "ya29.echoGoogleToken0001",
                                      "expires_in": 3600, "token_type": "Bearer"});
        return Response::new(200, body.to_string());
    }
    let mut echo = format!("{} {}\n", r.method, r.path);
    for (name, value) in &r.headers {
        echo.push_str(&format!("{name}: {value}\n"));
    }
    echo.push_str(&String::from_utf8_lossy(&r.body));
    let body = serde_json::json!({
        "message": echo, "code": status, "cause": echo,
        "error": {"message": echo, "code": status, "errors": [{"message": echo}]},
        "badRequest": {"message": echo, "code": status},
        "error_message": echo, "error_type": "echo",
        "Error": {"Code": "Echo", "Message": echo},
    });
    let xml = format!("<Error><Code>Echo</Code><Message>{echo}</Message></Error>");
    if r.path.starts_with("/api/2.0/") {
        // CloudSigma's errors are a list.
        return Response::new(status, serde_json::json!([body]).to_string());
    }
    if r.header("authorization")
        .is_some_and(|a| a.starts_with("AWS4"))
    {
        return Response::new(status, xml);
    }
    Response::new(status, body.to_string())
}

/// `key-pairs create --output` checks the file before the provider makes
/// anything, and a key pair whose private key cannot be kept is deleted
/// again, never left behind with its key lost.
#[test]
fn a_key_pair_is_never_left_without_its_private_key() {
    let ec2 = ScriptedServer::start(|r| {
        let body = String::from_utf8_lossy(&r.body);
        let action = body
            .split('&')
            .find_map(|p| p.strip_prefix("Action="))
            .unwrap_or_default()
            .to_owned();
        let answer = match action.as_str() {
            // Created, but the answer carries no private key.
            "CreateKeyPair" => "<CreateKeyPairResponse><requestId>r1</requestId><keyName>kp</keyName>\
                <keyFingerprint>aa:bb</keyFingerprint><keyPairId>key-1</keyPairId></CreateKeyPairResponse>"
                .to_owned(),
            "DescribeKeyPairs" => "<DescribeKeyPairsResponse><requestId>r2</requestId><keySet><item>\
                <keyName>kp</keyName><keyFingerprint>aa:bb</keyFingerprint><keyPairId>key-1</keyPairId>\
                </item></keySet></DescribeKeyPairsResponse>"
                .to_owned(),
            "DeleteKeyPair" => "<DeleteKeyPairResponse><requestId>r3</requestId><return>true</return>\
                </DeleteKeyPairResponse>"
                .to_owned(),
            other => return Response::new(400, format!("unexpected {other}")),
        };
        Response::new(200, answer)
    });
    let home = Home::new();
    let mut flags = aws_flags(&ec2.url());
    flags.extend(["--provider".to_owned(), "aws".to_owned()]);
    let actions = || -> Vec<String> {
        ec2.requests()
            .iter()
            .filter_map(|r| {
                String::from_utf8_lossy(&r.body)
                    .split('&')
                    .find_map(|p| p.strip_prefix("Action=").map(str::to_owned))
            })
            .collect()
    };

    // A folder that does not exist, an existing file: refused before any request.
    let missing = home.path().join("no-such-dir/k.pem");
    let err = home.fails(
        &with(
            &flags,
            &[
                "compute",
                "key-pairs",
                "create",
                "kp",
                "--output",
                missing.to_str().unwrap(),
            ],
        ),
        1,
    );
    assert!(
        err.contains("cannot create") && err.contains("no-such-dir"),
        "{err}"
    );
    let existing = home.path().join("taken.pem");
    std::fs::write(&existing, "keep me").unwrap();
    home.fails(
        &with(
            &flags,
            &[
                "compute",
                "key-pairs",
                "create",
                "kp",
                "--output",
                existing.to_str().unwrap(),
            ],
        ),
        4,
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");
    assert!(actions().is_empty(), "{:?}", actions());

    // Created without a usable private key: deleted again, and said so.
    let out = home.path().join("k.pem");
    let err = home.fails(
        &with(
            &flags,
            &[
                "compute",
                "key-pairs",
                "create",
                "kp",
                "--output",
                out.to_str().unwrap(),
            ],
        ),
        1,
    );
    assert!(err.contains("deleted again"), "{err}");
    assert!(!out.exists());
    assert_eq!(actions().first().map(String::as_str), Some("CreateKeyPair"));
    assert_eq!(actions().last().map(String::as_str), Some("DeleteKeyPair"));
}

/// docs/cli.md: a server that accepts and never answers fails the command
/// after `timeout × (retries + 1)` plus backoff, the same for every
/// provider: each read is tried retries + 1 times.
#[test]
fn every_provider_retries_a_silent_server_as_documented() {
    let home = Home::new();
    let key_file = home.path().join("google-key.json");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "aws",
            vec![
                "--key",
                KEY,
                "--secret",
                SECRET,
                "--region",
                "us-east-1",
                "storage",
                "ls",
                "aws://bucket",
            ],
        ),
        (
            "gandi",
            vec!["--key", "tok-silent", "--provider", "gandi", "dns", "zones"],
        ),
        (
            "cloudsigma",
            vec![
                "--key",
                "u@example.com",
                "--secret",
                "pw-silent",
                "--provider",
                "cloudsigma",
                "compute",
                "ls",
            ],
        ),
        (
            "openstack",
            vec![
                "--key",
                "demo",
                "--secret",
                "pw-silent",
                "-o",
                "project_name=demo",
                "storage",
                "ls",
                "openstack://c",
            ],
        ),
        (
            "google",
            vec!["-o", "anonymous=true", "storage", "ls", "google://bucket"],
        ),
    ];
    for (provider, args) in cases {
        let server = ScriptedServer::start(|_| Response::stall());
        let endpoint = match provider {
            "openstack" => format!("{}/v3", server.url()),
            "cloudsigma" => format!("{}/api/2.0/", server.url()),
            _ => server.url(),
        };
        google_key(&key_file, &format!("{}/token", server.url()));
        let mut all = vec!["--endpoint", &endpoint, "--timeout", "1s", "--retries", "2"];
        all.extend(args);
        let started = Instant::now();
        let out = home
            .cloud(&all)
            .env("GOOGLE_APPLICATION_CREDENTIALS", &key_file)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(7), "{provider}: {stderr}");
        assert_eq!(server.requests().len(), 3, "{provider}: {stderr}");
        assert!(
            took >= Duration::from_secs(3) && took < Duration::from_secs(10),
            "{provider}: {took:?}"
        );
    }
}

/// A region a provider cannot honour is refused, never ignored; an
/// endpoint given without the API's base path gets a hint, not a bare 404.
#[test]
fn regions_and_endpoints_that_cannot_work_say_why() {
    let server = ScriptedServer::start(|_| Response::new(404, "<html>Not Found</html>"));
    let home = Home::new();
    let url = server.url();
    let sigma = [
        "--key",
        "u@example.com",
        "--secret",
        "pw-0001",
        "--provider",
        "cloudsigma",
    ];
    let err = home.fails(
        &[
            &sigma[..],
            &[
                "--endpoint",
                &format!("{url}/api/2.0/"),
                "--region",
                "zrh",
                "compute",
                "ls",
            ],
        ]
        .concat(),
        6,
    );
    assert!(err.contains("region `zrh` picks the endpoint"), "{err}");
    let err = home.fails(
        &[
            "--provider",
            "gandi",
            "--key",
            "tok-0001",
            "--region",
            "eu",
            "dns",
            "zones",
        ],
        6,
    );
    assert!(err.contains("gandi has no regions"), "{err}");
    assert!(server.requests().is_empty());

    let err = home.fails(
        &[&sigma[..], &["--endpoint", &url, "compute", "ls"]].concat(),
        1,
    );
    assert!(err.contains("does not end with /api/2.0"), "{err}");
    let err = home.fails(
        &[
            "--provider",
            "gandi",
            "--key",
            "tok-0001",
            "--endpoint",
            &url,
            "dns",
            "zones",
        ],
        1,
    );
    assert!(err.contains("does not end with /v5/livedns"), "{err}");
}

/// Listings are paginated by default: `compute ls` asks EC2 for its
/// largest page (`MaxResults=1000`), never for everything at once, and
/// prints every page.
#[test]
fn listings_ask_for_pages_by_default() {
    const COUNT: usize = 2_500;
    let ec2 = ScriptedServer::start(|r| {
        let body = String::from_utf8_lossy(&r.body).into_owned();
        let param = |name: &str| {
            body.split('&')
                .find_map(|p| p.strip_prefix(&format!("{name}=")).map(str::to_owned))
        };
        let Some(max) = param("MaxResults").and_then(|m| m.parse::<usize>().ok()) else {
            return Response::new(
                400,
                "<Response><Errors><Error><Code>Unpaginated</Code></Error></Errors></Response>",
            );
        };
        let start: usize = param("NextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
        let end = (start + max).min(COUNT);
        let mut xml =
            String::from("<DescribeInstancesResponse><requestId>r</requestId><reservationSet>");
        for i in start..end {
            xml.push_str(&format!(
                "<item><reservationId>r-{i}</reservationId><instancesSet><item>\
                 <instanceId>i-{i:08}</instanceId><imageId>ami-1</imageId>\
                 <instanceState><code>16</code><name>running</name></instanceState>\
                 <instanceType>t3.micro</instanceType><tagSet><item><key>Name</key>\
                 <value>node-{i}</value></item></tagSet></item></instancesSet></item>"
            ));
        }
        xml.push_str("</reservationSet>");
        if end < COUNT {
            xml.push_str(&format!("<nextToken>{end}</nextToken>"));
        }
        xml.push_str("</DescribeInstancesResponse>");
        Response::new(200, xml)
    });
    let home = Home::new();
    let mut flags = aws_flags(&ec2.url());
    flags.extend(["--provider".to_owned(), "aws".to_owned()]);
    let table = home.ok(&with(&flags, &["compute", "ls"]));
    assert_eq!(table.lines().count(), COUNT + 1);
    assert!(table.lines().nth(COUNT).unwrap().starts_with("i-00002499"));
    let json = home.json(&with(&flags, &["compute", "ls"]));
    assert_eq!(json.as_array().unwrap().len(), COUNT);
    let asked: Vec<String> = ec2
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(asked.len(), 6, "three pages per listing");
    assert!(
        asked.iter().all(|b| b.contains("MaxResults=1000")),
        "{asked:?}"
    );
}
