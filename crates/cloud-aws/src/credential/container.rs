//! Container credentials: ECS task roles, EKS Pod Identity and anything
//! else serving `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI`.

use std::path::PathBuf;

use async_trait::async_trait;
use cloud_core::Url;
use cloud_core::credential::{Temporary, TokenProvider};
use cloud_core::http::{HttpRequest, Method};
use cloud_core::{Environment, Error, ErrorKind, Result, Secret};

use super::{AwsCredentials, Reach, metadata_credentials};

/// Where ECS serves relative URIs.
const ECS_HOST: &str = "http://169.254.170.2";

/// How the request is authorised.
#[derive(Debug, Clone)]
enum Authorization {
    None,
    Token(Secret),
    /// Read at every renewal: EKS rotates it.
    TokenFile(PathBuf),
}

/// The container credentials endpoint.
#[derive(Debug)]
pub(crate) struct Container {
    url: Url,
    authorization: Authorization,
    reach: Reach,
}

impl Container {
    /// The source the environment describes, or `None` outside a container.
    pub(crate) fn from_env(env: &Environment, reach: Reach) -> Result<Option<Self>> {
        let url = if let Some(relative) = env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let text = format!("{ECS_HOST}/{}", relative.trim_start_matches('/'));
            parse(&text)?
        } else if let Some(full) = env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            let url = parse(&full)?;
            check_full_uri(&url)?;
            url
        } else {
            return Ok(None);
        };
        let authorization = if let Some(file) = env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            Authorization::TokenFile(PathBuf::from(file))
        } else if let Some(token) = env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN") {
            let token = Secret::new(token);
            reach.redactor.add_issued(&token);
            Authorization::Token(token)
        } else {
            Authorization::None
        };
        Ok(Some(Container {
            url,
            authorization,
            reach,
        }))
    }

    async fn authorization(&self) -> Result<Option<Secret>> {
        match &self.authorization {
            Authorization::None => Ok(None),
            Authorization::Token(t) => Ok(Some(t.clone())),
            Authorization::TokenFile(path) => {
                let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                    Error::io(
                        format!(
                            "reading the container authorization token {}",
                            path.display()
                        ),
                        e,
                    )
                })?;
                let token = Secret::new(text.trim());
                self.reach.redactor.add_issued(&token);
                Ok(Some(token))
            }
        }
    }
}

fn parse(text: &str) -> Result<Url> {
    Url::parse(text).map_err(|e| {
        Error::invalid_input(format!(
            "the container credentials URI `{}` is invalid: {e}",
            cloud_core::error::quote(text)
        ))
    })
}

/// The SDKs accept a full URI over plain HTTP only on loopback and on the
/// link-local addresses ECS and EKS Pod Identity serve from: credentials
/// must not cross a network in clear.
fn check_full_uri(url: &Url) -> Result<()> {
    if url.scheme() == "https" {
        return Ok(());
    }
    let allowed = match url.ip() {
        Some(std::net::IpAddr::V4(ip)) => {
            ip.is_loopback()
                || ip == std::net::Ipv4Addr::new(169, 254, 170, 2)
                || ip == std::net::Ipv4Addr::new(169, 254, 170, 23)
        }
        Some(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.segments() == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23]
        }
        None => url.host_str() == Some("localhost"),
    };
    if url.scheme() == "http" && allowed {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI `{url}` must be https, or http on a loopback \
             or the ECS/EKS link-local address"
        )))
    }
}

#[async_trait]
impl TokenProvider for Container {
    type Credential = AwsCredentials;

    async fn fetch(&self) -> Result<Temporary<AwsCredentials>> {
        let mut request = HttpRequest::new(Method::GET, self.url.clone()).idempotent(true);
        if let Some(token) = self.authorization().await? {
            request = request
                .header("authorization", token.expose())
                .map_err(|_| {
                    Error::invalid_input("the container authorization token is not a valid header")
                })?;
        }
        let http = self.reach.direct_client(&self.url)?;
        let response = http.send(request).await.map_err(|e| {
            Error::new(
                ErrorKind::InvalidCredentials,
                format!("container credentials at {} are unreachable: {e}", self.url),
            )
            .with_provider(crate::PROVIDER)
        })?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            return Err(Error::new(
                ErrorKind::InvalidCredentials,
                format!(
                    "container credentials at {} answered {status}: {}",
                    self.url,
                    cloud_core::error::quote(&String::from_utf8_lossy(&body))
                ),
            )
            .with_provider(crate::PROVIDER)
            .with_status(status.as_u16()));
        }
        tracing::debug!(url = %self.url, "container credentials");
        Ok(self
            .reach
            .issued(metadata_credentials("container credentials", &body)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_and_link_local() {
        for ok in [
            "http://127.0.0.1:8080/creds",
            "http://localhost/x",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
            "https://creds.example.com/x",
        ] {
            check_full_uri(&Url::parse(ok).unwrap()).unwrap();
        }
        for bad in [
            "http://10.0.0.1/creds",
            "http://creds.example.com/x",
            "ftp://127.0.0.1/",
        ] {
            assert!(check_full_uri(&Url::parse(bad).unwrap()).is_err(), "{bad}");
        }
    }
}
