//! Service-account keys: an RS256-signed JWT assertion, exchanged at the
//! key's token URI for an access token (RFC 7523, as Google documents it
//! for server-to-server applications).

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine as _;
use cloud_core::credential::{Temporary, TokenProvider};
use cloud_core::http::HttpClient;
use cloud_core::secret::Redactor;
use cloud_core::{Error, Result, Secret};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

use super::AccessToken;
use super::token;

/// Google's token endpoint, when a key file names none.
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// How long an assertion is valid (Google accepts at most an hour).
const ASSERTION_LIFETIME: u64 = 3600;

/// The fields of a key file the exchange needs; the key is kept as PEM
/// text in a `Secret` and parsed again for each signature.
#[derive(Debug, Clone)]
pub(crate) struct ServiceAccountKey {
    pub(crate) client_email: String,
    pub(super) private_key_id: Option<String>,
    pub(crate) private_key_pem: Secret,
    pub(super) token_uri: String,
    pub(super) project_id: Option<String>,
}

/// The DER inside a PEM block (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
fn pem_der(pem: &str) -> std::result::Result<(bool, Vec<u8>), String> {
    let pkcs8 = pem.contains("-----BEGIN PRIVATE KEY-----");
    let pkcs1 = pem.contains("-----BEGIN RSA PRIVATE KEY-----");
    if !pkcs8 && !pkcs1 {
        return Err("`private_key` is not a PEM private key".into());
    }
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| "`private_key` is not valid base64 PEM".to_owned())?;
    Ok((pkcs8, der))
}

fn key_pair(pem: &Secret) -> std::result::Result<RsaKeyPair, String> {
    let (pkcs8, der) = pem_der(pem.expose())?;
    let parsed = if pkcs8 {
        RsaKeyPair::from_pkcs8(&der)
    } else {
        RsaKeyPair::from_der(&der)
    };
    parsed.map_err(|e| format!("`private_key` is not a usable RSA key ({e})"))
}

impl ServiceAccountKey {
    /// Reads and checks a `service_account` key file (the key is parsed
    /// once here, so a broken key fails now, not at the first request).
    pub(crate) fn from_json(value: &Value) -> std::result::Result<Self, String> {
        let text = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let client_email = text("client_email").ok_or("the key file has no `client_email`")?;
        let pem = Secret::new(text("private_key").ok_or("the key file has no `private_key`")?);
        key_pair(&pem)?;
        Ok(ServiceAccountKey {
            client_email: client_email.to_owned(),
            private_key_id: text("private_key_id").map(str::to_owned),
            private_key_pem: pem,
            token_uri: text("token_uri").unwrap_or(DEFAULT_TOKEN_URI).to_owned(),
            project_id: text("project_id").map(str::to_owned),
        })
    }

    /// The signed JWT asking for `scope`, issued at `now` (seconds).
    pub(super) fn assertion(&self, scope: &str, now: u64) -> Result<String> {
        let b64 =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let mut header = json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &self.private_key_id {
            header["kid"] = json!(kid);
        }
        let claims = json!({
            "iss": self.client_email,
            "scope": scope,
            "aud": self.token_uri,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
        });
        let message = format!("{}.{}", b64(&header), b64(&claims));
        let signature = self.sign_rs256(message.as_bytes())?;
        Ok(format!(
            "{message}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// The parsed key pair, for tests that verify signatures.
    #[cfg(test)]
    pub(crate) fn key_pair_for_tests(&self) -> RsaKeyPair {
        key_pair(&self.private_key_pem).expect("the test key parses")
    }

    /// `message` signed with the key, RSASSA-PKCS1-v1_5 over SHA-256: the
    /// JWT's RS256 and the V4 signed URL's GOOG4-RSA-SHA256.
    pub(crate) fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>> {
        let key = key_pair(&self.private_key_pem).map_err(|e| {
            Error::new(cloud_core::ErrorKind::InvalidCredentials, e).with_provider(crate::PROVIDER)
        })?;
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message,
            &mut signature,
        )
        .map_err(|_| {
            Error::new(
                cloud_core::ErrorKind::InvalidCredentials,
                "signing with the service-account key failed",
            )
            .with_provider(crate::PROVIDER)
        })?;
        Ok(signature)
    }
}

/// Fetches tokens for one service account.
#[derive(Debug)]
pub(super) struct Source {
    key: ServiceAccountKey,
    scope: String,
    http: HttpClient,
    redactor: Redactor,
}

impl Source {
    pub(super) fn new(
        key: ServiceAccountKey,
        scope: String,
        http: HttpClient,
        redactor: Redactor,
    ) -> Self {
        Source {
            key,
            scope,
            http,
            redactor,
        }
    }
}

#[async_trait]
impl TokenProvider for Source {
    type Credential = AccessToken;

    async fn fetch(&self) -> Result<Temporary<AccessToken>> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let assertion = Secret::new(self.key.assertion(&self.scope, now)?);
        // A signed assertion buys a token for an hour: as secret as one.
        self.redactor.add_issued(&assertion);
        let what = format!("the token endpoint for {}", self.key.client_email);
        token::exchange(
            &self.http,
            &self.key.token_uri,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.expose()),
            ],
            &what,
            &self.redactor,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cloud_core::credential::{CachedCredential, CredentialProvider};
    use cloud_testkit::canned::{Canned, CannedTransport};
    use ring::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    use super::*;

    fn key() -> ServiceAccountKey {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/service-account.json"
        ))
        .unwrap();
        ServiceAccountKey::from_json(&serde_json::from_str(&text).unwrap()).unwrap()
    }

    fn decode(part: &str) -> Value {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn assertions_are_rs256_jwts_the_public_key_verifies() {
        let key = key();
        let jwt = key
            .assertion(
                "https://www.googleapis.com/auth/cloud-platform",
                1_700_000_000,
            )
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = decode(parts[0]);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], "0123456789abcdef0123456789abcdef01234567");
        let claims = decode(parts[1]);
        assert_eq!(
            claims["iss"],
            "cloud-test@cloud-test-project.iam.gserviceaccount.com"
        );
        assert_eq!(claims["aud"], "https://oauth2.googleapis.com/token");
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            3600
        );
        let pair = key_pair(&key.private_key_pem).unwrap();
        let public =
            UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public_key().as_ref());
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap();
        let signed = format!("{}.{}", parts[0], parts[1]);
        public.verify(signed.as_bytes(), &signature).unwrap();
        let mut forged = signed.clone();
        forged.push('x');
        assert!(public.verify(forged.as_bytes(), &signature).is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_exchange_for_concurrent_callers_and_a_new_one_near_expiry() {
        let transport = Arc::new(CannedTransport::new());
        let http = HttpClient::builder("google")
            .transport(transport.clone())
            .build()
            .unwrap();
        let cached = Arc::new(CachedCredential::new(Source::new(
            key(),
            "s".into(),
            http,
            Redactor::new(),
        )));
        // Lives 2 s, less than the renewal margin: renewed half-way through.
        transport.push(Canned::new(
            200,
            r#"{"access_token": "ya29.short", "expires_in": 2, "token_type": "Bearer"}"#,
        ));
        let callers: Vec<_> = (0..20)
            .map(|_| {
                let cached = cached.clone();
                tokio::spawn(async move {
                    cached
                        .credential()
                        .await
                        .map(|t| t.secret().expose().to_owned())
                })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.await.unwrap().unwrap(), "ya29.short");
        }
        assert_eq!(cached.fetches(), 1, "twenty callers, one exchange");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        transport.push(Canned::new(
            200,
            r#"{"access_token": "ya29.next", "expires_in": 3600, "token_type": "Bearer"}"#,
        ));
        assert_eq!(
            cached.credential().await.unwrap().secret().expose(),
            "ya29.next"
        );
        assert_eq!(cached.fetches(), 2);
    }

    #[tokio::test]
    async fn tokens_are_exchanged_cached_and_errors_scrubbed() {
        let transport = Arc::new(CannedTransport::new());
        let http = HttpClient::builder("google")
            .transport(transport.clone())
            .retry(cloud_core::http::RetryPolicy::new().max_attempts(1))
            .build()
            .unwrap();
        let source = Source::new(key(), "scope-a".into(), http, Redactor::new());
        let cached = CachedCredential::new(source);
        transport.push(
            Canned::new(
                200,
                r#"{"access_token": "ya29.first", "expires_in": 3599, "token_type": "Bearer"}"#,
            )
            .header("content-type", "application/json"),
        );
        let token = cached.credential().await.unwrap();
        assert_eq!(token.secret().expose(), "ya29.first");
        assert_eq!(
            cached.credential().await.unwrap().secret().expose(),
            "ya29.first"
        );
        assert_eq!(cached.fetches(), 1);
        let sent = transport.requests();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(
            sent[0].contains("POST") && sent[0].contains("oauth2.googleapis.com/token"),
            "{sent:?}"
        );
        assert!(cached.invalidate().await);
        transport.push(Canned::new(
            400,
            r#"{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}"#,
        ));
        let err = cached.credential().await.unwrap_err();
        assert_eq!(err.kind(), &cloud_core::ErrorKind::InvalidCredentials);
        assert!(err.to_string().contains("Invalid JWT Signature"), "{err}");
    }
}
