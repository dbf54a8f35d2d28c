//! Signature Version 4, through `aws-sigv4`.
//!
//! Each attempt of a request is signed afresh (the client calls the signer
//! per attempt), so retries never carry a stale timestamp. In-memory bodies
//! are hashed into the signature; streamed bodies are sent as
//! `UNSIGNED-PAYLOAD`, which S3 accepts over TLS, with integrity checked by
//! `Content-MD5` or the returned ETag instead.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use cloud_core::http::{Body, Request, Signer};
use cloud_core::{Error, ErrorKind, Result};

use crate::credential::{AwsCredentialProvider, AwsCredentials};

/// `x-amz-content-sha256` of a body sent in unsigned `aws-chunked` frames
/// followed by a trailing checksum (`s3/chunked.rs`): the request is signed
/// with this value in place of the payload's hash.
pub(crate) const UNSIGNED_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/// Signs requests for one service in one region, with the credentials its
/// provider holds at each attempt (renewed temporary credentials included).
#[derive(Clone)]
pub(crate) struct SigV4 {
    credentials: AwsCredentialProvider,
    region: String,
    service: &'static str,
    s3: bool,
}

impl std::fmt::Debug for SigV4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigV4")
            .field("region", &self.region)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl SigV4 {
    pub(crate) fn new(
        credentials: AwsCredentialProvider,
        region: &str,
        service: &'static str,
    ) -> Self {
        SigV4 {
            credentials,
            region: region.to_owned(),
            service,
            s3: service == "s3",
        }
    }

    /// The identity aws-sigv4 signs with, from the provider's current credentials.
    async fn identity(&self) -> Result<Identity> {
        let credentials: std::sync::Arc<AwsCredentials> = self.credentials.credential().await?;
        let creds = Credentials::new(
            credentials.access_key_id().expose(),
            credentials.secret_access_key().expose(),
            credentials.session_token().map(|t| t.expose().to_owned()),
            None,
            "cloud-aws",
        );
        Ok(creds.into())
    }

    fn settings(&self) -> SigningSettings {
        let mut settings = SigningSettings::default();
        if self.s3 {
            // S3 signs the path as sent (no double encoding, no normalisation)
            // and wants the payload hash in x-amz-content-sha256.
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        settings
    }

    fn params<'a>(
        &'a self,
        identity: &'a Identity,
        settings: SigningSettings,
        time: SystemTime,
    ) -> Result<aws_sigv4::http_request::SigningParams<'a>> {
        v4::SigningParams::builder()
            .identity(identity)
            .region(&self.region)
            .name(self.service)
            .time(time)
            .settings(settings)
            .build()
            .map(Into::into)
            .map_err(|e| Error::new(ErrorKind::InvalidInput, format!("cannot sign: {e}")))
    }

    /// A URL for `method` on `url` that works without credentials until `expires_in`.
    pub(crate) async fn presign(
        &self,
        method: &str,
        url: &cloud_core::Url,
        expires_in: Duration,
    ) -> Result<cloud_core::Url> {
        let mut settings = self.settings();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(expires_in);
        settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
        let identity = self.identity().await?;
        let params = self.params(&identity, settings, SystemTime::now())?;
        let signable = SignableRequest::new(
            method,
            url.as_str(),
            std::iter::empty(),
            SignableBody::UnsignedPayload,
        )
        .map_err(|e| Error::invalid_input(format!("cannot presign {url}: {e}")))?;
        let (instructions, _) = quietly(|| sign(signable, &params))
            .map_err(|e| Error::invalid_input(format!("cannot presign: {e}")))?
            .into_parts();
        let mut request = http_request(method, url)?;
        instructions.apply_to_request_http1x(&mut request);
        cloud_core::Url::parse(&request.uri().to_string())
            .map_err(|e| Error::invalid_input(format!("presigned URL is invalid: {e}")))
    }
}

/// Runs `f` with tracing switched off: aws-sigv4 traces its signing
/// parameters, access key id included, and a user's TRACE log must not
/// hold credentials.
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    tracing::dispatcher::with_default(&tracing::Dispatch::none(), f)
}

fn http_request(method: &str, url: &cloud_core::Url) -> Result<Request<()>> {
    Request::builder()
        .method(method)
        .uri(url.as_str())
        .body(())
        .map_err(|e| Error::invalid_input(format!("invalid request: {e}")))
}

#[async_trait]
impl Signer for SigV4 {
    async fn sign(&self, request: &mut Request<Body>) -> Result<()> {
        let uri = request.uri().to_string();
        let method = request.method().as_str().to_owned();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter(|(name, _)| *name != "user-agent")
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_owned(), v.to_owned()))
            })
            .collect();
        // A body framed with a trailing checksum (s3/chunked.rs) says so in
        // x-amz-content-sha256, and is signed as that kind of payload.
        let trailer = request
            .headers()
            .get("x-amz-content-sha256")
            .is_some_and(|v| v == UNSIGNED_TRAILER);
        let body = match request.body().as_bytes() {
            _ if trailer => SignableBody::StreamingUnsignedPayloadTrailer,
            Some(bytes) => SignableBody::Bytes(bytes),
            None if request.body().is_empty() => SignableBody::Bytes(&[]),
            None if self.s3 => SignableBody::UnsignedPayload,
            None => {
                return Err(Error::invalid_input(format!(
                    "{} requests need an in-memory body to be signed",
                    self.service
                )));
            }
        };
        let signable = SignableRequest::new(
            &method,
            uri,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            body,
        )
        .map_err(|e| Error::invalid_input(format!("cannot sign request: {e}")))?;
        let identity = self.identity().await?;
        let params = self.params(&identity, self.settings(), SystemTime::now())?;
        let (instructions, _) = quietly(|| sign(signable, &params))
            .map_err(|e| Error::invalid_input(format!("cannot sign request: {e}")))?
            .into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
    }

    async fn refresh(&self) -> Result<bool> {
        Ok(self.credentials.invalidate().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn signs_with_authorization_and_payload_hash() {
        let signer = SigV4::new(
            fixed(AwsCredentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI")),
            "eu-west-1",
            "s3",
        );
        let mut request = Request::builder()
            .method("PUT")
            .uri("https://bucket.s3.eu-west-1.amazonaws.com/a%20b.txt")
            .body(Body::from_bytes("hello"))
            .unwrap();
        signer.sign(&mut request).await.unwrap();
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
            "{auth}"
        );
        assert!(auth.contains("/eu-west-1/s3/aws4_request"));
        assert_eq!(
            request.headers()["x-amz-content-sha256"],
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert!(!format!("{signer:?}").contains("wJalrXUtnFEMI"));
    }

    fn fixed(credentials: AwsCredentials) -> AwsCredentialProvider {
        std::sync::Arc::new(cloud_core::credential::StaticCredential::new(credentials))
    }

    #[tokio::test]
    async fn presigned_urls_carry_the_signature_in_the_query() {
        let signer = SigV4::new(
            fixed(AwsCredentials::new("AKIDEXAMPLE", "secret")),
            "us-east-1",
            "s3",
        );
        let url = cloud_core::Url::parse("http://127.0.0.1:9000/bucket/key.txt").unwrap();
        let signed = signer
            .presign("GET", &url, Duration::from_secs(300))
            .await
            .unwrap();
        let query = signed.query().unwrap();
        assert!(query.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"));
        assert!(query.contains("X-Amz-Expires=300"));
        assert!(query.contains("X-Amz-Signature="));
        assert!(!query.contains("secret"));
    }
}
