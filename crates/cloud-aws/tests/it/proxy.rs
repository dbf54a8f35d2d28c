//! Requests go through the proxy the environment or the options name, with
//! its credentials, except for hosts in `NO_PROXY` and the link-local
//! metadata services, which the AWS SDKs never proxy.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::credentials_emulator::{CredentialsEmulator, Settings};
use cloud_aws::{AwsBuilder, AwsCredentials, Environment};
use cloud_core::http::{ClientOptions, ProxyOptions, RetryPolicy};
use cloud_testkit::http_proxy::HttpProxy;
use cloud_testkit::servers::live_server;

/// `Basic` of `ada:s3cret-proxy-pw`.
const AUTHORIZATION: &str = "Basic YWRhOnMzY3JldC1wcm94eS1wdw==";

fn with_credentials(proxy: &HttpProxy) -> String {
    proxy
        .url()
        .replace("http://", "http://ada:s3cret-proxy-pw@")
}

fn env(vars: &[(&str, &str)]) -> Environment {
    let mut all = vec![
        ("AWS_CONFIG_FILE", "/nonexistent/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
    ];
    all.extend_from_slice(vars);
    Environment::from_vars(all)
}

fn builder(env: Environment) -> AwsBuilder {
    AwsBuilder::new()
        .environment(env)
        .region("us-east-1")
        .retry(
            RetryPolicy::new()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(10)),
        )
}

#[tokio::test]
async fn s3_goes_through_the_environments_proxy_with_its_credentials() {
    let Some(moto) = live_server("moto", "CLOUD_TEST_MOTO_URL") else {
        return;
    };
    let proxy = HttpProxy::start(Some(AUTHORIZATION.to_owned()))
        .await
        .unwrap();
    let url = with_credentials(&proxy);
    let aws = builder(env(&[("HTTP_PROXY", &url)]))
        .credentials(AwsCredentials::new("testing", "testing"))
        .endpoint(&moto)
        .build()
        .unwrap();
    cloud_core::Storage::new(aws.s3().unwrap())
        .list_containers_vec()
        .await
        .unwrap();
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "GET");
    assert!(seen[0].target.starts_with(&moto), "absolute form: {seen:?}");
    assert_eq!(seen[0].authorization.as_deref(), Some(AUTHORIZATION));

    // NO_PROXY sends it directly.
    let host = moto
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap()
        .to_owned();
    let aws = builder(env(&[("HTTP_PROXY", &url), ("NO_PROXY", &host)]))
        .credentials(AwsCredentials::new("testing", "testing"))
        .endpoint(&moto)
        .build()
        .unwrap();
    cloud_core::Storage::new(aws.s3().unwrap())
        .list_containers_vec()
        .await
        .unwrap();
    assert_eq!(proxy.seen().len(), 1);
}

#[tokio::test]
async fn a_proxy_refusing_the_credentials_is_a_clear_error() {
    let proxy = HttpProxy::start(Some(AUTHORIZATION.to_owned()))
        .await
        .unwrap();
    let wrong = proxy.url().replace("http://", "http://ada:wrong-pw-123@");
    let aws = builder(env(&[]))
        .client_options(
            ClientOptions::new()
                .retry(RetryPolicy::none())
                .proxy(ProxyOptions::none().all(&wrong)),
        )
        .credentials(AwsCredentials::new("AKIDPROXYTEST", "proxy-test-secret"))
        .endpoint("http://127.0.0.1:9")
        .build()
        .unwrap();
    let err = cloud_core::Storage::new(aws.s3().unwrap())
        .list_containers_vec()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("407"), "{err}");
    assert!(!err.to_string().contains("wrong-pw-123"), "{err}");
    assert_eq!(proxy.seen().len(), 1);
}

#[tokio::test]
async fn container_credentials_are_never_proxied() {
    let proxy = HttpProxy::start(None).await.unwrap();
    let emulator = CredentialsEmulator::start(Settings::default())
        .await
        .unwrap();
    let uri = format!(
        "{}{}",
        emulator.url(),
        crate::credentials_emulator::CONTAINER_PATH
    );
    let aws = builder(env(&[
        ("HTTP_PROXY", &proxy.url()),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
    ]))
    .build()
    .unwrap();
    let credentials = aws.credentials().await.unwrap();
    assert_eq!(credentials.access_key_id().expose(), "ASIAEMULATORECS0");
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}

#[tokio::test]
async fn instance_metadata_is_never_proxied() {
    let proxy = HttpProxy::start(None).await.unwrap();
    let emulator = CredentialsEmulator::start(Settings::default())
        .await
        .unwrap();
    let aws = builder(env(&[
        ("HTTP_PROXY", &proxy.url()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &emulator.url()),
    ]))
    .build()
    .unwrap();
    let credentials = aws.credentials().await.unwrap();
    assert_eq!(credentials.access_key_id().expose(), "ASIAEMULATORIMDS0");
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}
