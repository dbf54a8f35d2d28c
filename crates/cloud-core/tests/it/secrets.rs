//! Credentials never show in `Debug`, `Display`, errors or tracing output.
#![allow(clippy::unwrap_used)]

use cloud_core::{KeyPair, NodeAuth, ProviderConfig, Secret};

const SECRET: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";

fn assert_hidden(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    assert!(!text.contains(KEY_ID), "key id leaked: {text}");
}

#[test]
fn secrets_do_not_print() {
    let secret = Secret::new(SECRET);
    assert_hidden(&format!("{secret}"));
    assert_hidden(&format!("{secret:?}"));
    assert_hidden(&format!("{secret:#?}"));
    assert_eq!(secret.expose(), SECRET);
}

#[test]
fn provider_config_does_not_print_credentials_or_option_values() {
    let config = ProviderConfig::new()
        .key(KEY_ID)
        .secret(SECRET)
        .region("eu-west-1")
        .option("session_token", SECRET);
    let debug = format!("{config:?} {config:#?}");
    assert_hidden(&debug);
    assert!(
        debug.contains("eu-west-1"),
        "non-secret fields stay visible: {debug}"
    );
    assert!(
        debug.contains("session_token"),
        "option names stay visible: {debug}"
    );
}

#[test]
fn private_keys_and_passwords_do_not_print() {
    let mut key = KeyPair::new("deploy");
    key.private_key = Some(Secret::new(format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n"
    )));
    assert_hidden(&format!("{key:?}"));
    let auth = NodeAuth::Password(Secret::new(SECRET));
    assert_hidden(&format!("{auth:?}"));
}

#[cfg(feature = "http")]
mod http {
    use std::sync::{Arc, Mutex};

    use cloud_core::http::{
        Body, HttpClient, HttpRequest, Method, RetryPolicy, Signer, TlsOptions,
    };
    use cloud_core::{Result, Url};

    use super::*;

    #[derive(Debug)]
    struct LeakySigner;

    #[async_trait::async_trait]
    impl Signer for LeakySigner {
        async fn sign(&self, request: &mut ::http::Request<Body>) -> Result<()> {
            let value = format!("Bearer {SECRET} {KEY_ID}");
            request
                .headers_mut()
                .insert("authorization", value.parse().unwrap());
            Ok(())
        }
    }

    /// A writer that keeps everything tracing prints.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn signed_requests_leak_nothing_into_traces_or_errors() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        // A port nothing listens on: the request fails after signing.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = HttpClient::builder("test")
            .allow_http(true)
            .signer(Arc::new(LeakySigner))
            .retry(
                RetryPolicy::new()
                    .max_attempts(2)
                    .initial_backoff(std::time::Duration::from_millis(1)),
            )
            .build()
            .unwrap();
        let url = Url::parse(&format!("http://127.0.0.1:{port}/bucket/key?x=1")).unwrap();
        let err = client
            .send(HttpRequest::new(Method::GET, url))
            .await
            .unwrap_err();
        assert_hidden(&format!("{err} {err:?}"));
        assert_hidden(&format!("{client:?}"));

        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("retrying"),
            "tracing did record the request: {text}"
        );
        assert_hidden(&text);
    }

    #[test]
    fn tls_options_do_not_print_client_keys() {
        let options = TlsOptions::new();
        assert_hidden(&format!("{options:?}"));
    }
}
