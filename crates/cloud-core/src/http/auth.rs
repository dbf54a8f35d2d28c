//! The authentication strategies most REST providers use, as
//! [`Signer`]s: HTTP basic authentication and a credential in one header
//! (`Authorization: Bearer <token>`, `Apikey <key>`, `X-API-Key: <key>`).
//! Both hand their secrets to the client's redactor ([`Signer::secrets`]),
//! mark the header sensitive, and never show it in `Debug`.

use async_trait::async_trait;
use base64::Engine as _;
use http::{HeaderName, HeaderValue};

use super::body::Body;
use super::signer::Signer;
use crate::Secret;
use crate::error::{Error, Result};

/// `Authorization: Basic base64(user:password)`.
///
/// ```
/// use cloud_core::Secret;
/// use cloud_core::http::auth::BasicAuth;
///
/// let auth = BasicAuth::new("user@example.com", &Secret::new("pw"));
/// assert!(!format!("{auth:?}").contains("pw"));
/// ```
pub struct BasicAuth {
    password: Secret,
    header: Secret,
}

impl BasicAuth {
    /// The header for `user` and `password`.
    pub fn new(user: &str, password: &Secret) -> Self {
        let pair = format!("{user}:{}", password.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        BasicAuth {
            password: password.clone(),
            header: Secret::new(format!("Basic {encoded}")),
        }
    }
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BasicAuth([redacted])")
    }
}

#[async_trait]
impl Signer for BasicAuth {
    async fn sign(&self, request: &mut http::Request<Body>) -> Result<()> {
        insert(request, http::header::AUTHORIZATION, &self.header)
    }

    fn secrets(&self) -> Vec<Secret> {
        vec![self.password.clone(), self.header.clone()]
    }
}

/// One header carrying the credential: `Authorization: Bearer <token>`
/// ([`HeaderAuth::bearer`]), a provider's own scheme
/// ([`HeaderAuth::authorization`]), or an API-key header
/// ([`HeaderAuth::new`]).
///
/// ```
/// use cloud_core::Secret;
/// use cloud_core::http::auth::HeaderAuth;
///
/// let auth = HeaderAuth::bearer(&Secret::new("pat-123"));
/// assert!(!format!("{auth:?}").contains("pat-123"));
/// ```
pub struct HeaderAuth {
    name: HeaderName,
    credential: Secret,
    value: Secret,
}

impl HeaderAuth {
    /// `name: credential`.
    pub fn new(name: &'static str, credential: &Secret) -> Self {
        HeaderAuth {
            name: HeaderName::from_static(name),
            credential: credential.clone(),
            value: credential.clone(),
        }
    }

    /// `Authorization: <scheme> <credential>`.
    pub fn authorization(scheme: &str, credential: &Secret) -> Self {
        HeaderAuth {
            name: http::header::AUTHORIZATION,
            credential: credential.clone(),
            value: Secret::new(format!("{scheme} {}", credential.expose())),
        }
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: &Secret) -> Self {
        Self::authorization("Bearer", token)
    }
}

impl std::fmt::Debug for HeaderAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HeaderAuth({}: [redacted])", self.name)
    }
}

#[async_trait]
impl Signer for HeaderAuth {
    async fn sign(&self, request: &mut http::Request<Body>) -> Result<()> {
        insert(request, self.name.clone(), &self.value)
    }

    fn secrets(&self) -> Vec<Secret> {
        vec![self.credential.clone(), self.value.clone()]
    }
}

fn insert(request: &mut http::Request<Body>, name: HeaderName, value: &Secret) -> Result<()> {
    let mut value = HeaderValue::from_str(value.expose()).map_err(|_| {
        Error::invalid_input("the credential holds characters a header cannot carry")
    })?;
    value.set_sensitive(true);
    request.headers_mut().insert(name, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_strategy_signs_and_hides_its_secret() {
        let basic = BasicAuth::new("user@example.com", &Secret::new("pw-1"));
        let mut request = http::Request::new(Body::empty());
        basic.sign(&mut request).await.unwrap();
        // base64("user@example.com:pw-1")
        assert_eq!(
            request.headers()["authorization"],
            "Basic dXNlckBleGFtcGxlLmNvbTpwdy0x"
        );
        assert!(request.headers()["authorization"].is_sensitive());
        assert_eq!(basic.secrets().len(), 2);

        for (auth, name, expected) in [
            (
                HeaderAuth::bearer(&Secret::new("t1")),
                "authorization",
                "Bearer t1",
            ),
            (
                HeaderAuth::authorization("Apikey", &Secret::new("k1")),
                "authorization",
                "Apikey k1",
            ),
            (
                HeaderAuth::new("x-api-key", &Secret::new("k2")),
                "x-api-key",
                "k2",
            ),
        ] {
            let mut request = http::Request::new(Body::empty());
            auth.sign(&mut request).await.unwrap();
            assert_eq!(request.headers()[name], expected);
            assert!(request.headers()[name].is_sensitive());
            assert!(!format!("{auth:?}").contains(expected));
        }
        let bad = HeaderAuth::bearer(&Secret::new("a\nb"));
        assert!(
            bad.sign(&mut http::Request::new(Body::empty()))
                .await
                .is_err()
        );
    }

    #[test]
    fn a_client_built_with_a_signer_redacts_its_secrets() {
        let client = super::super::HttpClient::builder("p")
            .signer(std::sync::Arc::new(BasicAuth::new(
                "u",
                &Secret::new("pw-long"),
            )))
            .build()
            .unwrap();
        assert_eq!(
            client.redactor().scrub_text("echo pw-long").as_deref(),
            Some("echo [redacted]")
        );
    }
}
