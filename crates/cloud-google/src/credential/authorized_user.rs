//! Authorized users (`gcloud auth application-default login`): a refresh
//! token exchanged at Google's token endpoint with the OAuth client's id
//! and secret.

use async_trait::async_trait;
use cloud_core::credential::{Temporary, TokenProvider};
use cloud_core::http::HttpClient;
use cloud_core::secret::Redactor;
use cloud_core::{Result, Secret};
use serde_json::Value;

use super::AccessToken;
use super::token;

const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The fields of an `authorized_user` file.
#[derive(Debug, Clone)]
pub(super) struct AuthorizedUser {
    client_id: String,
    pub(super) client_secret: Secret,
    pub(super) refresh_token: Secret,
    pub(super) token_uri: String,
    pub(super) quota_project_id: Option<String>,
}

impl AuthorizedUser {
    pub(super) fn from_json(value: &Value) -> std::result::Result<Self, String> {
        let text = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        Ok(AuthorizedUser {
            client_id: text("client_id")
                .ok_or("the file has no `client_id`")?
                .to_owned(),
            client_secret: Secret::new(
                text("client_secret").ok_or("the file has no `client_secret`")?,
            ),
            refresh_token: Secret::new(
                text("refresh_token").ok_or("the file has no `refresh_token`")?,
            ),
            token_uri: text("token_uri").unwrap_or(TOKEN_URI).to_owned(),
            quota_project_id: text("quota_project_id").map(str::to_owned),
        })
    }
}

/// Fetches tokens for one authorized user.
#[derive(Debug)]
pub(super) struct Source {
    user: AuthorizedUser,
    http: HttpClient,
    redactor: Redactor,
}

impl Source {
    pub(super) fn new(user: AuthorizedUser, http: HttpClient, redactor: Redactor) -> Self {
        Source {
            user,
            http,
            redactor,
        }
    }
}

#[async_trait]
impl TokenProvider for Source {
    type Credential = AccessToken;

    async fn fetch(&self) -> Result<Temporary<AccessToken>> {
        token::exchange(
            &self.http,
            &self.user.token_uri,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &self.user.client_id),
                ("client_secret", self.user.client_secret.expose()),
                ("refresh_token", self.user.refresh_token.expose()),
            ],
            "Google's token endpoint (authorized user)",
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

    use super::*;

    #[tokio::test]
    async fn the_refresh_token_is_exchanged_and_never_shown() {
        let user = AuthorizedUser::from_json(&serde_json::json!({
            "type": "authorized_user", "client_id": "c.apps.googleusercontent.com",
            "client_secret": "d-secret-xyz", "refresh_token": "1//refresh-xyz"
        }))
        .unwrap();
        assert!(!format!("{user:?}").contains("refresh-xyz"));
        let transport = Arc::new(CannedTransport::new());
        let http = HttpClient::builder("google")
            .transport(transport.clone())
            .build()
            .unwrap();
        let redactor = Redactor::new();
        redactor.add(&user.refresh_token);
        let cached = CachedCredential::new(Source::new(user, http, redactor));
        // The endpoint echoes the refresh token in its complaint: scrubbed.
        transport.push(Canned::new(400, r#"{"error": "invalid_grant", "error_description": "Token 1//refresh-xyz has been expired or revoked."}"#));
        let err = cached.credential().await.unwrap_err();
        assert!(!err.to_string().contains("refresh-xyz"), "{err}");
        assert!(err.to_string().contains("expired or revoked"), "{err}");
        transport.push(Canned::new(
            200,
            r#"{"access_token": "ya29.user", "expires_in": 3600, "token_type": "Bearer"}"#,
        ));
        assert_eq!(
            cached.credential().await.unwrap().secret().expose(),
            "ya29.user"
        );
        assert!(
            transport
                .requests()
                .iter()
                .all(|r| !r.contains("refresh-xyz")),
            "the request log shows no secret"
        );
    }

    #[test]
    fn missing_fields_are_named() {
        let err = AuthorizedUser::from_json(&serde_json::json!({"client_id": "c"})).unwrap_err();
        assert!(err.contains("client_secret"), "{err}");
    }
}
