//! Each AWS credential source end to end: instance metadata, container and
//! SSO against the loopback emulator (`crate::credentials_emulator`),
//! credential_process with a real process, and STS (web identity, role
//! chains) against moto. Renewal before expiry, single-flight under load
//! and renewal after a refusal are tested on the same paths.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::credentials_emulator::{CONTAINER_PATH, CredentialsEmulator, Settings};
use cloud_aws::{Aws, AwsBuilder, AwsCredentials, Environment};
use cloud_core::ErrorKind;
use cloud_core::http::RetryPolicy;
use cloud_testkit::canned::{Canned, CannedTransport};
use cloud_testkit::servers::live_server;

/// A home folder with no shared files and the given variables on top.
struct Home {
    dir: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let vars = vec![
            ("HOME".to_owned(), dir.path().display().to_string()),
            (
                "AWS_CONFIG_FILE".to_owned(),
                dir.path().join("config").display().to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                dir.path().join("credentials").display().to_string(),
            ),
        ];
        Home { dir, vars }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn var(mut self, name: &str, value: impl Into<String>) -> Self {
        self.vars.push((name.to_owned(), value.into()));
        self
    }

    fn config(self, text: &str) -> Self {
        std::fs::write(self.path().join("config"), text).unwrap();
        self
    }

    fn builder(&self) -> AwsBuilder {
        AwsBuilder::new()
            .environment(Environment::from_vars(self.vars.clone()))
            .region("us-east-1")
            .retry(
                RetryPolicy::new()
                    .max_attempts(2)
                    .initial_backoff(Duration::from_millis(10)),
            )
    }

    fn aws(&self) -> Aws {
        self.builder().build().unwrap()
    }
}

async fn key_id(aws: &Aws) -> String {
    aws.credentials()
        .await
        .unwrap()
        .access_key_id()
        .expose()
        .to_owned()
}

#[tokio::test]
async fn instance_metadata_v2_with_a_session_token() {
    let emulator = CredentialsEmulator::start(Settings::default())
        .await
        .unwrap();
    let home = Home::new().var("AWS_EC2_METADATA_SERVICE_ENDPOINT", emulator.url());
    let aws = home.aws();
    assert_eq!(aws.credential_source(), "instance metadata");
    assert_eq!(key_id(&aws).await, "ASIAEMULATORIMDS0");
    let credentials = aws.credentials().await.unwrap();
    assert_eq!(
        credentials.session_token().unwrap().expose(),
        "imds-session-token-0"
    );
    assert_eq!((emulator.imds_sessions(), emulator.imds_issued()), (1, 1));
}

#[tokio::test]
async fn imds_v1_is_used_only_when_allowed() {
    let emulator = CredentialsEmulator::start(Settings {
        imds_v2: false,
        imds_v1: true,
        ..Settings::default()
    })
    .await
    .unwrap();
    let home = Home::new().var("AWS_EC2_METADATA_SERVICE_ENDPOINT", emulator.url());
    let err = home.aws().credentials().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    assert!(err.to_string().contains("IMDSv1 fallback is off"), "{err}");

    let aws = home.builder().imds_v1_fallback(true).build().unwrap();
    assert_eq!(key_id(&aws).await, "ASIAEMULATORIMDS0");

    let disabled = Home::new()
        .var("AWS_EC2_METADATA_SERVICE_ENDPOINT", emulator.url())
        .var("AWS_EC2_METADATA_V1_DISABLED", "true");
    let aws = disabled.builder().imds_v1_fallback(true).build().unwrap();
    let err = aws.credentials().await.unwrap_err();
    assert!(err.to_string().contains("IMDSv1 fallback is off"), "{err}");
}

#[tokio::test]
async fn instance_metadata_that_does_not_answer_is_a_clear_error_in_seconds() {
    // A port nothing listens on, like 169.254.169.254 off EC2.
    let port = cloud_testkit::servers::free_port().unwrap();
    let home = Home::new().var(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        format!("http://127.0.0.1:{port}"),
    );
    let started = std::time::Instant::now();
    let err = home.aws().credentials().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    assert!(err.to_string().contains("instance metadata"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // Every source tried is named, with where credentials go (as the AWS
    // CLI's "Unable to locate credentials"), not only the last failure.
    let shown = err.to_string();
    for source in [
        "unable to locate AWS credentials",
        "AWS_ACCESS_KEY_ID",
        "web identity",
        "profile `default`",
        "container credentials",
        &home.path().join("credentials").display().to_string(),
    ] {
        assert!(shown.contains(source), "`{source}` missing from: {shown}");
    }
}

#[tokio::test]
async fn container_credentials_with_a_token_or_token_file() {
    let emulator = CredentialsEmulator::start(Settings {
        container_token: Some("Bearer ecs-authorization-0123".to_owned()),
        ..Settings::default()
    })
    .await
    .unwrap();
    let uri = format!("{}{CONTAINER_PATH}", emulator.url());
    let home = Home::new()
        .var("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)
        .var(
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "Bearer ecs-authorization-0123",
        );
    let aws = home.aws();
    assert_eq!(aws.credential_source(), "container credentials");
    assert_eq!(key_id(&aws).await, "ASIAEMULATORECS0");

    let file = Home::new();
    std::fs::write(file.path().join("token"), "Bearer ecs-authorization-0123\n").unwrap();
    let token_file = file.path().join("token").display().to_string();
    let file = file
        .var("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)
        .var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file);
    assert_eq!(key_id(&file.aws()).await, "ASIAEMULATORECS1");

    let wrong = Home::new()
        .var("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)
        .var(
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "Bearer wrong-token-0000",
        );
    let err = wrong.aws().credentials().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    assert!(err.to_string().contains("401"), "{err}");
    assert!(!err.to_string().contains("wrong-token-0000"), "{err}");
}

#[tokio::test]
async fn fifty_concurrent_callers_share_one_fetch_and_renew_once_near_expiry() {
    // Lives 2 s: no longer than the 5-minute margin, so renewal is due
    // half-way, after 1 s.
    let emulator = CredentialsEmulator::start(Settings {
        lifetime: Duration::from_secs(2),
        ..Settings::default()
    })
    .await
    .unwrap();
    let home = Home::new().var(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        format!("{}{CONTAINER_PATH}", emulator.url()),
    );
    let aws = home.aws();
    let burst = |aws: Aws| async move {
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let aws = aws.clone();
                tokio::spawn(async move { key_id(&aws).await })
            })
            .collect();
        let mut keys = Vec::new();
        for task in tasks {
            keys.push(task.await.unwrap());
        }
        keys.dedup();
        keys
    };
    assert_eq!(burst(aws.clone()).await, ["ASIAEMULATORECS0"]);
    assert_eq!(emulator.container_issued(), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(burst(aws.clone()).await, ["ASIAEMULATORECS1"]);
    assert_eq!(emulator.container_issued(), 2);
}

fn sso_cache(home: &Home, key: &str, token: &str, expires: &str) {
    use sha1::Digest;
    let dir = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("{}.json", hex::encode(sha1::Sha1::digest(key.as_bytes())));
    let body = serde_json::json!({
        "startUrl": "https://corp.awsapps.com/start",
        "region": "eu-central-1",
        "accessToken": token,
        "expiresAt": expires,
    });
    std::fs::write(dir.join(name), body.to_string()).unwrap();
}

const SSO_CONFIG: &str = "\
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = eu-central-1

[sso-session corp]
sso_region = eu-central-1
sso_start_url = https://corp.awsapps.com/start

[profile legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
sso_account_id = 111122223333
sso_role_name = Developer
";

#[tokio::test]
async fn sso_profiles_exchange_the_cached_token() {
    let emulator = CredentialsEmulator::start(Settings::default())
        .await
        .unwrap();
    let token = Settings::default().sso_token;
    let home = Home::new()
        .config(SSO_CONFIG)
        .var("AWS_ENDPOINT_URL_SSO", emulator.url());
    sso_cache(&home, "corp", &token, "2099-01-01T00:00:00Z");
    let aws = home.builder().profile("dev").build().unwrap();
    assert_eq!(aws.credential_source(), "SSO profile `dev`");
    assert_eq!(key_id(&aws).await, "ASIAEMULATORSSO0");

    // Profiles from before sso-session sections key the cache by start URL.
    let err = home
        .builder()
        .profile("legacy")
        .build()
        .unwrap()
        .credentials()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("aws sso login --profile legacy"),
        "{err}"
    );
    sso_cache(
        &home,
        "https://corp.awsapps.com/start",
        &token,
        "2099-01-01T00:00:00Z",
    );
    let legacy = home.builder().profile("legacy").build().unwrap();
    assert_eq!(key_id(&legacy).await, "ASIAEMULATORSSO1");

    sso_cache(&home, "corp", &token, "2020-01-01T00:00:00Z");
    let err = home
        .builder()
        .profile("dev")
        .build()
        .unwrap()
        .credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("has expired"), "{err}");

    sso_cache(&home, "corp", "revoked-token-0000", "2099-01-01T00:00:00Z");
    let err = home
        .builder()
        .profile("dev")
        .build()
        .unwrap()
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    assert!(err.to_string().contains("refused the token"), "{err}");
    assert!(!err.to_string().contains("revoked-token-0000"), "{err}");
}

#[tokio::test]
async fn credential_process_output_is_used_and_failures_reported() {
    let home = Home::new();
    let script = home.path().join("creds.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\ncase \"$1\" in\n\
         ok) echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"process-secret\", \"SessionToken\": \"process-token\", \"Expiration\": \"2099-01-01T00:00:00Z\"}' ;;\n\
         v2) echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\"}' ;;\n\
         *) echo 'token expired, log in again' >&2; exit 3 ;;\n\
         esac\n",
    )
    .unwrap();
    let config = format!(
        "[profile ok]\ncredential_process = sh {0} ok\n\
         [profile v2]\ncredential_process = sh {0} v2\n\
         [profile bad]\ncredential_process = sh {0} bad\n",
        script.display()
    );
    let home = home.config(&config);
    let aws = home.builder().profile("ok").build().unwrap();
    assert_eq!(key_id(&aws).await, "AKIDPROCESS");
    let err = home
        .builder()
        .profile("v2")
        .build()
        .unwrap()
        .credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Version"), "{err}");
    let err = home
        .builder()
        .profile("bad")
        .build()
        .unwrap()
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    assert!(
        err.to_string().contains("token expired, log in again"),
        "{err}"
    );
}

const EXPIRED_TOKEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>";
const NO_BUCKETS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets></Buckets></ListAllMyBucketsResult>";

fn container_document(n: u32) -> Canned {
    Canned::new(
        200,
        format!(
            r#"{{"AccessKeyId":"ASIACANNED{n}","SecretAccessKey":"canned-secret-{n}","Token":"canned-token-{n}","Expiration":"2099-01-01T00:00:00Z"}}"#
        ),
    )
}

#[tokio::test]
async fn an_expired_token_answer_renews_the_credentials_once() {
    let transport = Arc::new(CannedTransport::new());
    for canned in [
        container_document(0),
        Canned::new(400, EXPIRED_TOKEN),
        container_document(1),
        Canned::new(200, NO_BUCKETS),
    ] {
        transport.push(canned);
    }
    let home = Home::new().var(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://127.0.0.1:9/creds",
    );
    let aws = home
        .builder()
        .endpoint("http://127.0.0.1:9")
        .transport(transport.clone())
        .build()
        .unwrap();
    let storage = cloud_core::Storage::new(aws.s3().unwrap());
    let buckets = storage.list_containers_vec().await.unwrap();
    assert!(buckets.is_empty());
    let requests = transport.requests();
    assert_eq!(requests.len(), 4, "{requests:#?}");
    assert!(requests[0].contains("/creds") && requests[2].contains("/creds"));
    assert_eq!(key_id(&aws).await, "ASIACANNED1");

    // Fixed keys cannot be renewed: the refusal is reported, not retried.
    transport.reset();
    transport.push(Canned::new(400, EXPIRED_TOKEN));
    let fixed = Home::new()
        .builder()
        .credentials(AwsCredentials::new("AKIDFIXED", "fixed-secret"))
        .endpoint("http://127.0.0.1:9")
        .transport(transport.clone())
        .build()
        .unwrap();
    let err = cloud_core::Storage::new(fixed.s3().unwrap())
        .list_containers_vec()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test]
async fn credentials_given_to_the_builder_are_cut_from_errors() {
    let transport = Arc::new(CannedTransport::new());
    transport.push(Canned::new(
        403,
        "<Error><Code>AccessDenied</Code><Message>AKIDGIVEN0001 with given-secret-0001</Message></Error>",
    ));
    let aws = Home::new()
        .builder()
        .credentials(AwsCredentials::new("AKIDGIVEN0001", "given-secret-0001"))
        .endpoint("http://127.0.0.1:9")
        .transport(transport)
        .build()
        .unwrap();
    let err = cloud_core::Storage::new(aws.s3().unwrap())
        .list_containers_vec()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        !text.contains("AKIDGIVEN0001") && !text.contains("given-secret-0001"),
        "{text}"
    );
    assert!(text.contains("[redacted] with [redacted]"), "{text}");
}

/// The moto URL, or `None` (skip) when it is not running.
fn moto() -> Option<String> {
    live_server("moto", "CLOUD_TEST_MOTO_URL")
}

#[tokio::test]
async fn web_identity_through_moto_sts() {
    let Some(url) = moto() else { return };
    let home = Home::new();
    std::fs::write(home.path().join("token"), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n").unwrap();
    let token = home.path().join("token").display().to_string();
    let home = home
        .var("AWS_WEB_IDENTITY_TOKEN_FILE", token)
        .var("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pod-role")
        .var("AWS_ROLE_SESSION_NAME", "cloud-test");
    let aws = home.builder().endpoint(&url).build().unwrap();
    assert!(aws.credential_source().starts_with("web identity token"));
    let credentials = aws.credentials().await.unwrap();
    assert!(credentials.access_key_id().expose().starts_with("ASIA"));
    assert!(credentials.session_token().is_some());
    cloud_core::Storage::new(aws.s3().unwrap())
        .list_containers_vec()
        .await
        .unwrap();
}

#[tokio::test]
async fn chained_roles_through_moto_sts() {
    let Some(url) = moto() else { return };
    let home = Home::new().config(
        "[profile base]\naws_access_key_id = testing\naws_secret_access_key = testing\n\
         [profile first]\nrole_arn = arn:aws:iam::123456789012:role/first\nsource_profile = base\n\
         [profile second]\nrole_arn = arn:aws:iam::123456789012:role/second\n\
         source_profile = first\nrole_session_name = cloud-second\nduration_seconds = 900\n",
    );
    let aws = home
        .builder()
        .profile("second")
        .endpoint(&url)
        .build()
        .unwrap();
    assert!(
        aws.credential_source()
            .contains("role arn:aws:iam::123456789012:role/first")
    );
    let credentials = aws.credentials().await.unwrap();
    assert!(credentials.access_key_id().expose().starts_with("ASIA"));
    cloud_core::Storage::new(aws.s3().unwrap())
        .list_containers_vec()
        .await
        .unwrap();
}

#[tokio::test]
async fn fifty_concurrent_s3_requests_fetch_container_credentials_once() {
    let Some(url) = moto() else { return };
    let emulator = CredentialsEmulator::start(Settings::default())
        .await
        .unwrap();
    let home = Home::new().var(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        format!("{}{CONTAINER_PATH}", emulator.url()),
    );
    let aws = home.builder().endpoint(&url).build().unwrap();
    let storage = cloud_core::Storage::new(aws.s3().unwrap());
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let storage = storage.clone();
            tokio::spawn(async move { storage.list_containers_vec().await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(emulator.container_issued(), 1);
}
