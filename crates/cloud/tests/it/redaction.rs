//! Every provider, driven with recognisable credentials through success
//! and failure: the credentials (and the tokens a login returns) appear in
//! no `Debug` or `Display` output, error, tracing event at any level, or
//! fixture recorded with the default scrubber.
#![cfg(all(feature = "aws", feature = "openstack", feature = "rackspace"))]
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use cloud::aws::{AwsBuilder, AwsCredentials, Environment};
use cloud::openstack::{Auth, OpenStackBuilder, Scope};
use cloud::{Compute, CreateNode, ProviderConfig, Registry, Secret, Storage, Url};
use cloud_core::http::Transport;
use cloud_testkit::canned::{Canned, CannedTransport};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::record::RecordingTransport;

const AWS_KEY_ID: &str = "AKIACANARYKEYID00001";
const AWS_SECRET: &str = "canary/aws+secret/0000000000000000000001";
const AWS_SESSION: &str = "canary-aws-session-token-0001";
const OS_PASSWORD: &str = "canary-openstack-password-0001";
const RAX_API_KEY: &str = "canary-rackspace-api-key-0001";
const ISSUED_TOKEN: &str = "canary-issued-token-0001";
const TEMP_URL_KEY: &str = "canary-temp-url-key-0001";

const ALL: &[&str] = &[
    AWS_KEY_ID,
    AWS_SECRET,
    AWS_SESSION,
    OS_PASSWORD,
    RAX_API_KEY,
    ISSUED_TOKEN,
    TEMP_URL_KEY,
];

/// Everything the test saw printed, logged or written.
#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<u8>>>);

impl Seen {
    fn add(&self, text: impl AsRef<str>) {
        self.0
            .lock()
            .unwrap()
            .extend_from_slice(text.as_ref().as_bytes());
        self.0.lock().unwrap().push(b'\n');
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Seen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn record<T, E: std::fmt::Display + std::fmt::Debug>(seen: &Seen, result: Result<T, E>) {
    if let Err(e) = result {
        seen.add(format!("{e} {e:?} {e:#?}"));
    }
}

/// A recorder (default scrubber) in front of a scripted server.
fn transport(
    dir: &tempfile::TempDir,
    name: &str,
) -> (Arc<CannedTransport>, Arc<RecordingTransport>) {
    let canned = Arc::new(CannedTransport::new());
    let recorder = Arc::new(RecordingTransport::new(
        canned.clone() as Arc<dyn Transport>,
        dir.path().join(format!("{name}.json")),
        "redaction test",
        Scrubber::new(),
    ));
    (canned, recorder)
}

const V3_TOKEN: &str = r#"{"token":{"expires_at":"2999-01-01T00:00:00Z","project":{"id":"p1"},"user":{"id":"u1"},"catalog":[{"type":"object-store","endpoints":[{"interface":"public","region":"R1","url":"https://swift.invalid/v1/AUTH_p1"}]},{"type":"compute","endpoints":[{"interface":"public","region":"R1","url":"https://nova.invalid/v2.1"}]}]}}"#;

#[tokio::test]
async fn no_credential_leaks_anywhere() {
    let seen = Seen::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer({
            let seen = seen.clone();
            move || seen.clone()
        })
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let dir = tempfile::tempdir().unwrap();

    // AWS: signed requests, an error body that echoes the key id (as S3's
    // SignatureDoesNotMatch does), a presigned URL.
    let (canned, recorder) = transport(&dir, "aws");
    let builder = AwsBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials(AwsCredentials::new(AWS_KEY_ID, AWS_SECRET).with_session_token(AWS_SESSION))
        .region("us-east-1")
        .transport(recorder.clone());
    seen.add(format!("{builder:?}"));
    let aws = builder.build().unwrap();
    seen.add(format!("{aws:?}"));
    let storage = Storage::new(aws.s3().unwrap());
    let compute = Compute::new(aws.ec2().unwrap());
    seen.add(format!("{storage:?} {compute:?}"));
    canned.push(Canned::new(
        403,
        format!("<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message><AWSAccessKeyId>{AWS_KEY_ID}</AWSAccessKeyId><RequestId>r1</RequestId></Error>"),
    ));
    record(&seen, storage.list_containers_vec().await);
    canned.push(Canned::new(
        200,
        "<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>",
    ));
    record(&seen, storage.list_containers_vec().await);
    canned.push(Canned::new(401, "<Response><Errors><Error><Code>AuthFailure</Code><Message>denied</Message></Error></Errors></Response>"));
    record(
        &seen,
        compute
            .create_node(&CreateNode::new("n", "t3.micro", "ami-1"))
            .await,
    );
    let url = storage
        .signed_url(
            "bucket",
            "key",
            cloud::UrlMethod::Get,
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert!(!url.as_str().contains(AWS_SECRET));
    recorder.save().unwrap();

    // OpenStack: a Keystone v3 password login, a token, a 401 that makes
    // the driver log in again (and fail), temp URLs.
    let (canned, recorder) = transport(&dir, "openstack");
    let builder = OpenStackBuilder::openstack()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .auth(Auth::V3Password {
            url: Url::parse("https://keystone.invalid/v3").unwrap(),
            user: "demo".into(),
            user_is_id: false,
            user_domain: None,
            password: Secret::new(OS_PASSWORD),
            scope: Scope::project("demo", None),
        })
        .temp_url_key(TEMP_URL_KEY)
        .transport(recorder.clone());
    seen.add(format!("{builder:?}"));
    let cloud = builder.build().unwrap();
    seen.add(format!("{cloud:?}"));
    canned.push(Canned::new(201, V3_TOKEN).header("x-subject-token", ISSUED_TOKEN));
    canned.push(Canned::new(401, "<html><h1>Unauthorized</h1></html>"));
    canned.push(Canned::new(401, r#"{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}"#));
    let swift = Storage::new(cloud.swift());
    seen.add(format!("{swift:?} {:?}", cloud.session()));
    record(&seen, swift.list_containers_vec().await);
    record(
        &seen,
        cloud.session().token().await.map(|t| format!("{t:?}")),
    );
    let url = swift
        .signed_url(
            "c",
            "o",
            cloud::UrlMethod::Get,
            std::time::Duration::from_secs(60),
        )
        .await;
    record(&seen, url.as_ref().map(|u| u.to_string()));
    if let Ok(url) = url {
        seen.add(url.as_str());
    }
    recorder.save().unwrap();

    // Rackspace: an API-key login whose token comes back in the body.
    let (canned, recorder) = transport(&dir, "rackspace");
    let cloud = OpenStackBuilder::rackspace()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .auth(Auth::V2ApiKey {
            url: Url::parse("https://identity.invalid/v2.0").unwrap(),
            username: "demo".into(),
            api_key: Secret::new(RAX_API_KEY),
        })
        .transport(recorder.clone())
        .build()
        .unwrap();
    let token = format!(
        r#"{{"access":{{"token":{{"id":"{ISSUED_TOKEN}","expires":"2999-01-01T00:00:00Z"}},"serviceCatalog":[{{"type":"compute","name":"cloudServersOpenStack","endpoints":[{{"region":"ORD","publicURL":"https://nova.invalid/v2/1"}}]}}],"user":{{"id":"u1"}}}}}}"#
    );
    canned.push(Canned::new(200, token));
    canned.push(Canned::new(
        403,
        r#"{"forbidden":{"code":403,"message":"Policy doesn't allow this"}}"#,
    ));
    let nova = Compute::new(cloud.nova());
    record(&seen, nova.list_nodes_vec().await);
    seen.add(format!("{nova:?} {cloud:?}"));
    recorder.save().unwrap();

    // The registry, from a run-time configuration.
    let config = ProviderConfig::new()
        .key(AWS_KEY_ID)
        .secret(AWS_SECRET)
        .option("session_token", AWS_SESSION)
        .endpoint("ftp://not-a-valid-endpoint");
    seen.add(format!("{config:?}"));
    record(
        &seen,
        Registry::new()
            .storage("aws", &config)
            .map(|s| format!("{s:?}")),
    );
    let config = ProviderConfig::new().key("demo").secret(OS_PASSWORD);
    record(
        &seen,
        Registry::new()
            .storage("openstack", &config)
            .map(|s| format!("{s:?}")),
    );

    drop(_guard);
    let mut everything = seen.text();
    for file in std::fs::read_dir(dir.path()).unwrap() {
        everything.push_str(&std::fs::read_to_string(file.unwrap().path()).unwrap());
    }
    assert!(
        everything.contains("SignatureDoesNotMatch"),
        "the errors were captured"
    );
    assert!(
        everything.contains("TRACE") || everything.contains("DEBUG"),
        "tracing was captured"
    );
    for secret in ALL {
        if let Some(at) = everything.find(secret) {
            let start = at.saturating_sub(300);
            panic!(
                "`{secret}` leaked:\n...{}...",
                &everything[start..(at + secret.len() + 100).min(everything.len())]
            );
        }
    }
}
