//! The two Cloud Storage servers the GCS driver will be tested against,
//! fake-gcs-server and gcp-storage-emulator (`cargo xtask test` installs
//! and starts both): each answers the JSON API's bucket calls, so a driver
//! suite that fails on one of them fails on the driver, not the setup.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use cloud_core::Url;
use cloud_core::http::{Body, HttpClient, HttpRequest, Method, RetryPolicy};
use cloud_testkit::servers::live_server;
use serde_json::{Value, json};

async fn call(http: &HttpClient, method: Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = HttpRequest::new(method, Url::parse(url).unwrap());
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .unwrap()
            .body(Body::from_bytes(body.to_string()));
    }
    let response = http.send(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn buckets_round_trip(name: &str, base: String) {
    let http = HttpClient::builder("google")
        .allow_http(true)
        .retry(
            RetryPolicy::new()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    let bucket = format!("cloud-smoke-{}", std::process::id());
    let (status, created) = call(
        &http,
        Method::POST,
        &format!("{base}/storage/v1/b?project=cloud-test"),
        Some(json!({ "name": bucket })),
    )
    .await;
    assert_eq!(status, 200, "{name}: creating a bucket: {created}");
    assert_eq!(created["kind"], "storage#bucket", "{name}: {created}");
    let (status, listed) = call(
        &http,
        Method::GET,
        &format!("{base}/storage/v1/b?project=cloud-test"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{name}: {listed}");
    assert_eq!(listed["kind"], "storage#buckets", "{name}: {listed}");
    let names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["name"].as_str())
        .collect();
    assert!(names.contains(&bucket.as_str()), "{name}: {names:?}");
    let (status, _) = call(
        &http,
        Method::DELETE,
        &format!("{base}/storage/v1/b/{bucket}"),
        None,
    )
    .await;
    assert!(
        matches!(status, 200 | 204),
        "{name}: deleting answered {status}"
    );
    let (status, _) = call(
        &http,
        Method::GET,
        &format!("{base}/storage/v1/b/{bucket}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "{name}: a deleted bucket is gone");
}

#[tokio::test]
async fn fake_gcs_server_answers_the_json_api() {
    let Some(base) = live_server("fake-gcs-server", "CLOUD_TEST_FAKE_GCS_URL") else {
        return;
    };
    buckets_round_trip("fake-gcs-server", base).await;
}

#[tokio::test]
async fn gcp_storage_emulator_answers_the_json_api() {
    let Some(base) = live_server("gcp-storage-emulator", "CLOUD_TEST_GCS_EMULATOR_URL") else {
        return;
    };
    buckets_round_trip("gcp-storage-emulator", base).await;
}
