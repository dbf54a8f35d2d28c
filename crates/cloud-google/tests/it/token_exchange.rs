//! The service-account grant against the Google reference emulator's token
//! endpoint, which checks the JWT's RS256 signature and claims with its own
//! code (skipped when it is not running; `cargo xtask test` starts it).

use cloud_core::ErrorKind;
use cloud_core::http::ClientOptions;
use cloud_google::GoogleCredentials;

const SCOPE: &str = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";

fn emulator() -> Option<String> {
    cloud_testkit::servers::live_server("google-reference", "CLOUD_TEST_GOOGLE_REFERENCE_URL")
}

/// The test key's file with its token URI pointed at the emulator, and
/// `edit` applied.
fn key_file(url: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/service-account.json"
    );
    let mut key: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    key["token_uri"] = format!("{url}/token").into();
    edit(&mut key);
    key.to_string()
}

async fn token(key: &str) -> cloud_core::Result<String> {
    let resolved = GoogleCredentials::from_json(key, "the test key")?
        .scopes([SCOPE])
        .build(&ClientOptions::default())?;
    let token = resolved.provider().credential().await?;
    Ok(token.secret().expose().to_owned())
}

#[test]
fn a_signed_assertion_is_granted_a_token_for_its_scope() {
    cloud_testkit::run(async {
        let Some(url) = emulator() else {
            return;
        };
        let token = token(&key_file(&url, |_| {})).await.unwrap();
        assert!(token.starts_with("ya29.emulator-"), "{token}");
        let info: serde_json::Value =
            serde_json::from_str(&http_get(&format!("{url}/tokeninfo?access_token={token}")).await)
                .unwrap();
        assert_eq!(info["scope"], SCOPE);
    });
}

#[test]
fn an_assertion_the_emulator_cannot_verify_is_refused() {
    cloud_testkit::run(async {
        let Some(url) = emulator() else {
            return;
        };
        // Signed by the right key for another account: `iss` does not match.
        let other = key_file(&url, |key| {
            key["client_email"] = "someone-else@cloud-test-project.iam.gserviceaccount.com".into();
        });
        let err = token(&other).await.unwrap_err();
        assert_eq!(*err.kind(), ErrorKind::InvalidCredentials, "{err}");
        // An audience the emulator is not: the signature holds, `aud` fails.
        let elsewhere = key_file(&url, |key| {
            key["token_uri"] = format!("{url}/token?elsewhere").into();
        });
        let err = token(&elsewhere).await.unwrap_err();
        assert_eq!(*err.kind(), ErrorKind::InvalidCredentials, "{err}");
        assert!(!err.to_string().contains("PRIVATE KEY"), "{err}");
    });
}

/// The emulator's own check, apart from the client: right claims under a
/// signature that is not the key's are refused.
#[test]
fn the_emulator_checks_signatures() {
    cloud_testkit::run(async {
        let Some(url) = emulator() else {
            return;
        };
        let b64 = |text: &str| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let claims = format!(
            r#"{{"iss":"cloud-test@cloud-test-project.iam.gserviceaccount.com","aud":"{url}/token","scope":"{SCOPE}","iat":{now},"exp":{}}}"#,
            now + 600
        );
        let forged = format!(
            "{}.{}.{}",
            b64(r#"{"alg":"RS256","typ":"JWT"}"#),
            b64(&claims),
            b64(&"x".repeat(256))
        );
        let http = cloud_core::http::HttpClient::builder("google")
            .allow_http(true)
            .build()
            .unwrap();
        let request = cloud_core::http::HttpRequest::new(
            cloud_core::http::Method::POST,
            cloud_core::Url::parse(&format!("{url}/token")).unwrap(),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .unwrap()
        .body(cloud_core::http::Body::from(
            cloud_core::url::form_urlencode([
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", forged.as_str()),
            ]),
        ));
        let response = http.send(request).await.unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let body = String::from_utf8(response.bytes().await.unwrap().to_vec()).unwrap();
        assert!(body.contains("Invalid JWT Signature"), "{body}");
    });
}

/// A plain GET through the core client, for the emulator's tokeninfo.
async fn http_get(url: &str) -> String {
    let http = cloud_core::http::HttpClient::builder("google")
        .allow_http(true)
        .build()
        .unwrap();
    let request = cloud_core::http::HttpRequest::new(
        cloud_core::http::Method::GET,
        cloud_core::Url::parse(url).unwrap(),
    );
    let response = http.send(request).await.unwrap();
    String::from_utf8(response.bytes().await.unwrap().to_vec()).unwrap()
}
