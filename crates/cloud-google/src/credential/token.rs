//! The OAuth 2.0 token endpoint's answers, shared by the sources that
//! exchange a grant for an access token (service accounts, authorized
//! users) and by the metadata server, which answers in the same shape.

use std::time::{Duration, SystemTime};

use cloud_core::credential::Temporary;
use cloud_core::http::{Body, HttpClient, HttpRequest, Method};
use cloud_core::secret::Redactor;
use cloud_core::{Error, ErrorKind, Result, Secret, Url};
use serde_json::Value;

use super::AccessToken;
use crate::PROVIDER;

/// What a token endpoint answers (OAuth 2.0, RFC 6749 section 5.1).
#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    expires_in: u64,
}

/// Reads `{"access_token", "expires_in", "token_type"}`; an error answer
/// (`{"error", "error_description"}`) is `InvalidCredentials` saying what
/// the endpoint said. The new token joins `redactor`.
pub(super) fn read(
    status: u16,
    body: &[u8],
    what: &str,
    redactor: &Redactor,
) -> Result<Temporary<AccessToken>> {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    if !(200..300).contains(&status) {
        let text = |k: &str| {
            value
                .as_ref()
                .and_then(|v| v.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let reason = match (text("error"), text("error_description")) {
            (Some(e), Some(d)) => format!("{e}: {d}"),
            (Some(e), None) => e,
            _ => format!("HTTP {status}"),
        };
        let kind = if (500..600).contains(&status) {
            ErrorKind::Provider
        } else {
            ErrorKind::InvalidCredentials
        };
        let err = Error::new(kind, format!("{what} refused the credentials: {reason}"))
            .with_provider(PROVIDER)
            .with_status(status);
        return Err(redactor.scrub(err));
    }
    let value = value.ok_or_else(|| Error::malformed(PROVIDER, format!("{what}: not JSON")))?;
    let answer: TokenAnswer = cloud_core::http::json::decode(PROVIDER, what, "the token", &value)
        .map_err(|e| redactor.scrub(e))?;
    if answer.access_token.is_empty() {
        return Err(Error::malformed(
            PROVIDER,
            format!("{what}: an empty `access_token`"),
        ));
    }
    if let Some(kind) = answer.token_type.as_deref()
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(Error::malformed(
            PROVIDER,
            format!("{what}: a token of type `{kind}`, not Bearer"),
        ));
    }
    let lifetime = answer.expires_in;
    let secret = Secret::new(answer.access_token);
    redactor.add_issued(&secret);
    Ok(Temporary::until(
        AccessToken(secret),
        SystemTime::now() + Duration::from_secs(lifetime),
    ))
}

/// POSTs `form` to the token endpoint `url` and reads the token.
pub(super) async fn exchange(
    http: &HttpClient,
    url: &str,
    form: &[(&str, &str)],
    what: &str,
    redactor: &Redactor,
) -> Result<Temporary<AccessToken>> {
    let url = Url::parse(url)
        .map_err(|e| Error::invalid_input(format!("{what}: invalid token URI: {e}")))?;
    let body = cloud_core::url::form_urlencode(form.iter().copied());
    // Token grants are safe to repeat: a lost answer is asked for again.
    let request = HttpRequest::new(Method::POST, url)
        .header("content-type", "application/x-www-form-urlencoded")?
        .header("accept", "application/json")?
        .idempotent(true)
        .body(Body::from_bytes(body));
    let response = http.send(request).await.map_err(|e| redactor.scrub(e))?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    read(status, &bytes, what, redactor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_and_errors_typed() {
        let r = Redactor::new();
        let ok = read(
            200,
            br#"{"access_token": "ya29.t", "expires_in": 3599, "token_type": "Bearer"}"#,
            "t",
            &r,
        )
        .unwrap();
        assert_eq!(ok.value.secret().expose(), "ya29.t");
        let err = read(
            400,
            br#"{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}"#,
            "t",
            &r,
        )
        .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
        assert!(err.to_string().contains("Invalid JWT Signature"), "{err}");
        assert!(read(200, b"{}", "t", &r).is_err());
        assert!(
            read(
                200,
                br#"{"access_token": "x", "expires_in": 1, "token_type": "MAC"}"#,
                "t",
                &r
            )
            .is_err()
        );
        assert_eq!(
            read(503, b"", "t", &r).unwrap_err().kind(),
            &ErrorKind::Provider
        );
    }
}
