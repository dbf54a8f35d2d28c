//! Keystone (v3 and v2.0) and the v1.0 header auth of Swift's tempauth and
//! legacy Cloud Files: getting a token and the service catalog, caching
//! them, and refreshing them.
//!
//! One [`Session`] is shared by every driver made from one configuration:
//! they all use its token, which is renewed shortly before it expires (and
//! once more if a service answers 401), with concurrent callers waiting for
//! a single authentication rather than each starting one.

pub mod catalog;
pub mod env;
mod token;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use cloud_core::Url;
use cloud_core::credential::{Temporary, TokenCache};
use cloud_core::http::{Body, HttpClient, HttpRequest, Method, Request, Signer};
use cloud_core::secret::Redactor;
use cloud_core::{Error, ErrorKind, Result, Secret};
use serde_json::{Value, json};

pub use self::catalog::{Catalog, Interface};
use crate::error::{Api, response_error};

/// What a Keystone v3 token is scoped to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Scope {
    /// Project name (with its domain).
    pub project_name: Option<String>,
    /// Project id.
    pub project_id: Option<String>,
    /// The project's domain name (default `Default`).
    pub project_domain_name: Option<String>,
    /// The project's domain id.
    pub project_domain_id: Option<String>,
    /// A domain, for domain-scoped tokens.
    pub domain_name: Option<String>,
}

impl Scope {
    /// A project by name, in the `Default` domain unless `domain` is given.
    pub fn project(name: impl Into<String>, domain: Option<&str>) -> Self {
        Scope {
            project_name: Some(name.into()),
            project_domain_name: Some(domain.unwrap_or("Default").to_owned()),
            ..Scope::default()
        }
    }

    fn to_json(&self) -> Option<Value> {
        let domain = |name: &Option<String>, id: &Option<String>| match (id, name) {
            (Some(id), _) => Some(json!({ "id": id })),
            (None, Some(name)) => Some(json!({ "name": name })),
            (None, None) => None,
        };
        if let Some(id) = &self.project_id {
            return Some(json!({ "project": { "id": id } }));
        }
        if let Some(name) = &self.project_name {
            let d = domain(&self.project_domain_name, &self.project_domain_id)
                .unwrap_or(json!({ "id": "default" }));
            return Some(json!({ "project": { "name": name, "domain": d } }));
        }
        self.domain_name
            .as_ref()
            .map(|d| json!({ "domain": { "name": d } }))
    }
}

/// How to authenticate.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// Swift tempauth / legacy Cloud Files: `GET url` with `X-Auth-User` and `X-Auth-Key`.
    V1 {
        /// The auth URL (`…/auth/v1.0`).
        url: Url,
        /// `account:user`.
        user: String,
        /// The key.
        key: Secret,
    },
    /// Keystone v2.0 with a password.
    V2Password {
        /// The identity URL (`…/v2.0`).
        url: Url,
        /// User name.
        username: String,
        /// Password.
        password: Secret,
        /// Tenant (project) name, if any.
        tenant_name: Option<String>,
        /// Tenant (project) id, if any.
        tenant_id: Option<String>,
    },
    /// Keystone v2.0 with a Rackspace API key (`RAX-KSKEY:apiKeyCredentials`).
    V2ApiKey {
        /// The identity URL (`…/v2.0`).
        url: Url,
        /// User name.
        username: String,
        /// API key.
        api_key: Secret,
    },
    /// Keystone v3 with a password.
    V3Password {
        /// The identity URL (`…/v3`).
        url: Url,
        /// User name (needs a domain) or id.
        user: String,
        /// Whether `user` is an id rather than a name.
        user_is_id: bool,
        /// The user's domain name (default `Default`).
        user_domain: Option<String>,
        /// Password.
        password: Secret,
        /// The scope.
        scope: Scope,
    },
    /// Keystone v3 with an application credential (by id).
    V3ApplicationCredential {
        /// The identity URL (`…/v3`).
        url: Url,
        /// The credential's id.
        id: String,
        /// Its secret.
        secret: Secret,
    },
    /// Keystone v3 with an existing token, rescoped.
    V3Token {
        /// The identity URL (`…/v3`).
        url: Url,
        /// The token.
        token: Secret,
        /// The scope.
        scope: Scope,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, url) = match self {
            Auth::V1 { url, .. } => ("v1.0", url),
            Auth::V2Password { url, .. } => ("v2.0 password", url),
            Auth::V2ApiKey { url, .. } => ("v2.0 API key", url),
            Auth::V3Password { url, .. } => ("v3 password", url),
            Auth::V3ApplicationCredential { url, .. } => ("v3 application credential", url),
            Auth::V3Token { url, .. } => ("v3 token", url),
        };
        write!(f, "Auth({kind} at {url})")
    }
}

/// Joins `path` to a base URL that may or may not end in `/`.
pub(crate) fn join(base: &Url, path: &str) -> Result<Url> {
    let mut text = base.as_str().trim_end_matches('/').to_owned();
    text.push('/');
    text.push_str(path.trim_start_matches('/'));
    Url::parse(&text).map_err(|e| Error::invalid_input(format!("invalid URL `{text}`: {e}")))
}

/// A token and what came with it.
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The token.
    pub token: Secret,
    /// When it expires, if the server said.
    pub expires: Option<SystemTime>,
    /// The service catalog.
    pub catalog: Catalog,
    /// The default region the identity service suggested (Rackspace).
    pub default_region: Option<String>,
    /// The authenticated user's id, when the service said.
    pub user_id: Option<String>,
    /// The project (tenant) the token is scoped to, when it is.
    pub project_id: Option<String>,
}

/// A shared, self-renewing authentication.
#[derive(Debug, Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    auth: Auth,
    http: HttpClient,
    region: Option<String>,
    interface: Interface,
    tokens: TokenCache<TokenInfo>,
    /// The auth secrets and every token issued, cut out of errors.
    redactor: Redactor,
}

impl fmt::Debug for SessionInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("auth", &self.auth)
            .field("region", &self.region)
            .field("interface", &self.interface)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// The identity endpoint it authenticates at.
    pub(crate) fn url(&self) -> &Url {
        match self {
            Auth::V1 { url, .. }
            | Auth::V2Password { url, .. }
            | Auth::V2ApiKey { url, .. }
            | Auth::V3Password { url, .. }
            | Auth::V3ApplicationCredential { url, .. }
            | Auth::V3Token { url, .. } => url,
        }
    }
}

impl Session {
    /// The identity endpoint the session authenticates at.
    pub(crate) fn identity_url(&self) -> &Url {
        self.inner.auth.url()
    }

    /// A session that authenticates with `auth` through `http` (a client
    /// without a signer), renewing tokens `margin` before they expire.
    pub fn new(
        auth: Auth,
        http: HttpClient,
        region: Option<String>,
        interface: Interface,
        margin: Duration,
    ) -> Self {
        // The client's own: what it cuts out of error answers is what the
        // session cuts out of errors.
        let redactor = http.redactor().clone();
        match &auth {
            Auth::V1 { key, .. } => redactor.add(key),
            Auth::V2Password { password, .. } | Auth::V3Password { password, .. } => {
                redactor.add(password);
            }
            Auth::V2ApiKey { api_key, .. } => redactor.add(api_key),
            Auth::V3ApplicationCredential { secret, .. } => redactor.add(secret),
            Auth::V3Token { token, .. } => redactor.add(token),
        }
        Session {
            inner: Arc::new(SessionInner {
                redactor,
                auth,
                http,
                region,
                interface,
                tokens: TokenCache::new(margin),
            }),
        }
    }

    /// The session's credentials and tokens, for scrubbing errors.
    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    /// How many times this session has authenticated (for tests and metrics).
    pub fn authentications(&self) -> u64 {
        self.inner.tokens.fetches()
    }

    /// The region the session uses.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The current token, authenticating if there is none or it is about to expire.
    pub async fn token(&self) -> Result<Arc<TokenInfo>> {
        self.inner
            .tokens
            .get_or_fetch(|| async {
                let info = self
                    .authenticate()
                    .await
                    .map_err(|e| self.inner.redactor.scrub(e))?;
                self.inner.redactor.add_issued(&info.token);
                let expires = info.expires;
                Ok(Temporary {
                    value: info,
                    expires,
                })
            })
            .await
    }

    /// Forgets the token (a service rejected it).
    pub async fn invalidate(&self) {
        self.inner.tokens.invalidate().await;
    }

    /// The URL of a service: the first of `types` found, preferring `names`.
    pub async fn endpoint(&self, types: &[&str], names: &[&str]) -> Result<Url> {
        let info = self.token().await?;
        let region = Self::region_in(&self.inner.region, &info, types);
        info.catalog
            .find(types, names, region.as_deref(), self.inner.interface)
    }

    /// The region a service of `types` is used in: the configured one, else
    /// the identity service's default, else the first the catalog lists.
    pub async fn region_for(&self, types: &[&str]) -> Result<Option<String>> {
        let info = self.token().await?;
        Ok(Self::region_in(&self.inner.region, &info, types))
    }

    fn region_in(configured: &Option<String>, info: &TokenInfo, types: &[&str]) -> Option<String> {
        configured
            .clone()
            .or_else(|| info.default_region.clone())
            .or_else(|| info.catalog.first_region(types))
    }

    async fn send_auth(
        &self,
        request: HttpRequest,
    ) -> Result<(
        cloud_core::http::HeaderMap,
        Value,
        cloud_core::http::StatusCode,
    )> {
        let response = self.inner.http.send(request).await?;
        let (status, headers, body) = response.into_parts();
        let bytes = body.bytes_limited(16 * 1024 * 1024).await?;
        if !status.is_success() {
            let mut err = response_error(Api::Identity, status, &headers, &bytes, None);
            if status.as_u16() == 401 {
                err = Error::new(ErrorKind::InvalidCredentials, err.message())
                    .with_provider(crate::PROVIDER_OPENSTACK)
                    .with_status(401);
            }
            return Err(err);
        }
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| {
                Error::malformed(
                    crate::PROVIDER_OPENSTACK,
                    format!("identity answered invalid JSON: {e}"),
                )
            })?
        };
        Ok((headers, value, status))
    }

    async fn authenticate(&self) -> Result<TokenInfo> {
        match &self.inner.auth {
            Auth::V1 { url, user, key } => {
                let request = HttpRequest::new(Method::GET, url.clone())
                    .header("x-auth-user", user)?
                    .header("x-auth-key", key.expose())?;
                let (headers, _, _) = self.send_auth(request).await?;
                let header = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let token = header("x-auth-token")
                    .or_else(|| header("x-storage-token"))
                    .ok_or_else(|| {
                        Error::malformed(
                            crate::PROVIDER_OPENSTACK,
                            "v1.0 auth answered without X-Auth-Token",
                        )
                    })?;
                let storage = header("x-storage-url").ok_or_else(|| {
                    Error::malformed(
                        crate::PROVIDER_OPENSTACK,
                        "v1.0 auth answered without X-Storage-Url",
                    )
                })?;
                let expires = header("x-auth-token-expires")
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .map(|s| SystemTime::now() + Duration::from_secs(s));
                let catalog = Catalog {
                    services: vec![catalog::Service {
                        service_type: "object-store".into(),
                        name: "swift".into(),
                        endpoints: vec![catalog::Endpoint {
                            region: None,
                            interface: self.inner.interface,
                            url: storage,
                        }],
                    }],
                };
                Ok(TokenInfo {
                    token: Secret::new(token),
                    expires,
                    catalog,
                    default_region: None,
                    user_id: None,
                    project_id: None,
                })
            }
            Auth::V2Password {
                url,
                username,
                password,
                tenant_name,
                tenant_id,
            } => {
                let mut auth = json!({ "passwordCredentials": { "username": username, "password": password.expose() } });
                if let Some(t) = tenant_name {
                    auth["tenantName"] = json!(t);
                }
                if let Some(t) = tenant_id {
                    auth["tenantId"] = json!(t);
                }
                self.v2(url, json!({ "auth": auth })).await
            }
            Auth::V2ApiKey {
                url,
                username,
                api_key,
            } => {
                let body = json!({ "auth": { "RAX-KSKEY:apiKeyCredentials": { "username": username, "apiKey": api_key.expose() } } });
                self.v2(url, body).await
            }
            Auth::V3Password {
                url,
                user,
                user_is_id,
                user_domain,
                password,
                scope,
            } => {
                let mut user_json = if *user_is_id {
                    json!({ "id": user, "password": password.expose() })
                } else {
                    json!({ "name": user, "password": password.expose(), "domain": { "name": user_domain.as_deref().unwrap_or("Default") } })
                };
                if *user_is_id {
                    user_json.as_object_mut().map(|o| o.remove("domain"));
                }
                let mut auth = json!({ "identity": { "methods": ["password"], "password": { "user": user_json } } });
                if let Some(s) = scope.to_json() {
                    auth["scope"] = s;
                }
                self.v3(url, json!({ "auth": auth })).await
            }
            Auth::V3ApplicationCredential { url, id, secret } => {
                let body = json!({ "auth": { "identity": { "methods": ["application_credential"], "application_credential": { "id": id, "secret": secret.expose() } } } });
                self.v3(url, body).await
            }
            Auth::V3Token { url, token, scope } => {
                let mut auth = json!({ "identity": { "methods": ["token"], "token": { "id": token.expose() } } });
                if let Some(s) = scope.to_json() {
                    auth["scope"] = s;
                }
                self.v3(url, json!({ "auth": auth })).await
            }
        }
    }

    async fn v2(&self, url: &Url, body: Value) -> Result<TokenInfo> {
        let request = HttpRequest::new(Method::POST, join(url, "tokens")?)
            .header("content-type", "application/json")?
            .body(Body::from_bytes(body.to_string()))
            .idempotent(true);
        let (_, value, _) = self.send_auth(request).await?;
        let access = wire::<token::AccessV2>(value, "the v2.0 token answer")?.access;
        Ok(TokenInfo {
            token: Secret::new(access.token.id),
            expires: time(access.token.expires.as_deref()),
            catalog: Catalog::v2(access.service_catalog),
            default_region: access
                .user
                .as_ref()
                .and_then(|u| u.default_region.clone())
                .filter(|r| !r.is_empty()),
            user_id: access.user.and_then(|u| u.id),
            project_id: access.token.tenant.and_then(|t| t.id),
        })
    }

    async fn v3(&self, url: &Url, body: Value) -> Result<TokenInfo> {
        let request = HttpRequest::new(Method::POST, join(url, "auth/tokens")?)
            .header("content-type", "application/json")?
            .body(Body::from_bytes(body.to_string()))
            .idempotent(true);
        let (headers, value, _) = self.send_auth(request).await?;
        let answer = wire::<token::TokenV3>(value, "the v3 token answer")?.token;
        let token = headers
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::malformed(
                    crate::PROVIDER_OPENSTACK,
                    "v3 token response has no X-Subject-Token",
                )
            })?;
        Ok(TokenInfo {
            token: Secret::new(token),
            expires: time(answer.expires_at.as_deref()),
            catalog: Catalog::v3(answer.catalog),
            default_region: None,
            user_id: answer.user.and_then(|u| u.id),
            project_id: answer.project.and_then(|p| p.id),
        })
    }
}

/// `value` as a token answer's wire type; malformed names the field.
fn wire<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    cloud_core::http::json::decode(crate::PROVIDER_OPENSTACK, "identity", what, value)
}

fn time(text: Option<&str>) -> Option<SystemTime> {
    text.and_then(cloud_core::time::parse_rfc3339)
}

/// Adds the session's token to each request, and re-authenticates once
/// when a service answers 401.
#[derive(Debug, Clone)]
pub struct TokenSigner {
    session: Session,
}

impl TokenSigner {
    /// Signs with `session`'s token.
    pub fn new(session: Session) -> Self {
        TokenSigner { session }
    }
}

#[async_trait]
impl Signer for TokenSigner {
    async fn sign(&self, request: &mut Request<Body>) -> Result<()> {
        let info = self.session.token().await?;
        let value = info.token.expose().parse().map_err(|_| {
            Error::malformed(
                crate::PROVIDER_OPENSTACK,
                "the token is not a valid header value",
            )
        })?;
        request.headers_mut().insert("x-auth-token", value);
        Ok(())
    }

    async fn refresh(&self) -> Result<bool> {
        tracing::debug!("a service rejected the token; authenticating again");
        self.session.invalidate().await;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert_eq!(
            Scope::project("demo", None).to_json(),
            Some(json!({ "project": { "name": "demo", "domain": { "name": "Default" } } }))
        );
        let by_id = Scope {
            project_id: Some("p1".into()),
            ..Scope::default()
        };
        assert_eq!(by_id.to_json(), Some(json!({ "project": { "id": "p1" } })));
        assert_eq!(Scope::default().to_json(), None);
        let url = Url::parse("http://k/v3").unwrap();
        assert_eq!(
            join(&url, "auth/tokens").unwrap().as_str(),
            "http://k/v3/auth/tokens"
        );
        let url = Url::parse("http://k/v2.0/").unwrap();
        assert_eq!(
            join(&url, "tokens").unwrap().as_str(),
            "http://k/v2.0/tokens"
        );
    }

    #[test]
    fn auth_never_prints_secrets() {
        let auth = Auth::V2ApiKey {
            url: Url::parse("https://identity.example/v2.0").unwrap(),
            username: "ada".into(),
            api_key: Secret::new("the-api-key"),
        };
        assert!(!format!("{auth:?}").contains("the-api-key"));
    }
}
