//! A loopback emulator of the endpoints AWS hands out temporary
//! credentials from, where no real server can run: EC2 instance metadata
//! (IMDSv2 and v1), the ECS/EKS container credentials endpoint, and the
//! IAM Identity Center (SSO) portal. What was checked against AWS's
//! documentation is in `credentials_emulator.md` beside this file.
//!
//! Every credential document carries a fresh access key id
//! (`ASIAEMULATOR<source><n>`), so a test sees which issuance signed a
//! request and counts renewals.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The role the emulated instance profile has.
pub const ROLE: &str = "cloud-test-role";
/// The ECS path the emulator serves (what ECS puts in `..._RELATIVE_URI`).
pub const CONTAINER_PATH: &str = "/v2/credentials/cloud-test-task";

/// How the emulator behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long issued credentials live.
    pub lifetime: Duration,
    /// Whether IMDS answers GETs without a session token (IMDSv1).
    pub imds_v1: bool,
    /// Whether IMDS issues IMDSv2 session tokens (`false`: the token PUT
    /// is 404, as on an IMDS that predates v2).
    pub imds_v2: bool,
    /// The `Authorization` value the container endpoint requires, if any.
    pub container_token: Option<String>,
    /// The bearer token the SSO portal accepts.
    pub sso_token: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lifetime: Duration::from_secs(6 * 3600),
            imds_v1: false,
            imds_v2: true,
            container_token: None,
            sso_token: "sso-access-token-0123456789".to_owned(),
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    imds_sessions: AtomicU64,
    imds: AtomicU64,
    container: AtomicU64,
    sso: AtomicU64,
}

/// A running emulator; stops when dropped.
#[derive(Debug)]
pub struct CredentialsEmulator {
    addr: SocketAddr,
    counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CredentialsEmulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CredentialsEmulator {
    /// Starts on a free loopback port.
    pub async fn start(settings: Settings) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let settings = Arc::new(Mutex::new(settings));
        let state = Arc::new(State {
            counters: counters.clone(),
            settings,
            sessions: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(state.handle(req)) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(CredentialsEmulator {
            addr,
            counters,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// IMDSv2 session tokens issued.
    pub fn imds_sessions(&self) -> u64 {
        self.counters.imds_sessions.load(Ordering::SeqCst)
    }

    /// Instance profile credentials issued.
    pub fn imds_issued(&self) -> u64 {
        self.counters.imds.load(Ordering::SeqCst)
    }

    /// Container credentials issued.
    pub fn container_issued(&self) -> u64 {
        self.counters.container.load(Ordering::SeqCst)
    }
}

struct State {
    counters: Arc<Counters>,
    settings: Arc<Mutex<Settings>>,
    sessions: Mutex<Vec<(String, SystemTime)>>,
}

type Answer = Response<Full<Bytes>>;

fn answer(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Answer {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        response.headers_mut().insert("content-type", v);
    }
    response
}

fn rfc3339(time: SystemTime) -> String {
    cloud_core::time::format_rfc3339(time)
}

impl State {
    fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn handle(&self, req: Request<Incoming>) -> Answer {
        let path = req.uri().path().to_owned();
        if path.starts_with("/latest/") {
            self.imds(&req, &path)
        } else if path == CONTAINER_PATH {
            self.container(&req)
        } else if path == "/federation/credentials" {
            self.sso(&req)
        } else {
            answer(StatusCode::NOT_FOUND, "text/plain", "not found")
        }
    }

    fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
        req.headers().get(name).and_then(|v| v.to_str().ok())
    }

    fn imds(&self, req: &Request<Incoming>, path: &str) -> Answer {
        let settings = self.settings();
        if path == "/latest/api/token" {
            if !settings.imds_v2 {
                return answer(StatusCode::NOT_FOUND, "text/html", "<html>404</html>");
            }
            if req.method() != Method::PUT {
                return answer(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "");
            }
            // IMDS refuses token requests that went through a proxy.
            if req.headers().contains_key("x-forwarded-for") {
                return answer(StatusCode::FORBIDDEN, "text/plain", "");
            }
            let ttl = Self::header(req, "x-aws-ec2-metadata-token-ttl-seconds")
                .and_then(|t| t.parse::<u64>().ok())
                .filter(|t| (1..=21600).contains(t));
            let Some(ttl) = ttl else {
                return answer(StatusCode::BAD_REQUEST, "text/plain", "");
            };
            let n = self.counters.imds_sessions.fetch_add(1, Ordering::SeqCst);
            let token = format!("AQAEAEMULATEDSESSIONTOKEN{n:04}==");
            let expires = SystemTime::now() + Duration::from_secs(ttl);
            self.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((token.clone(), expires));
            let mut response = answer(StatusCode::OK, "text/plain", token);
            if let Ok(v) = ttl.to_string().parse() {
                response
                    .headers_mut()
                    .insert("x-aws-ec2-metadata-token-ttl-seconds", v);
            }
            return response;
        }
        if req.method() != Method::GET {
            return answer(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "");
        }
        match Self::header(req, "x-aws-ec2-metadata-token") {
            Some(token) => {
                let now = SystemTime::now();
                let valid = self
                    .sessions
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .any(|(t, expires)| t == token && *expires > now);
                if !valid {
                    return answer(StatusCode::UNAUTHORIZED, "text/plain", "");
                }
            }
            None if !settings.imds_v1 => {
                return answer(StatusCode::UNAUTHORIZED, "text/plain", "");
            }
            None => {}
        }
        let prefix = "/latest/meta-data/iam/security-credentials/";
        match path.strip_prefix(prefix) {
            Some("") => answer(StatusCode::OK, "text/plain", ROLE),
            Some(ROLE) => {
                let n = self.counters.imds.fetch_add(1, Ordering::SeqCst);
                let now = SystemTime::now();
                let body = serde_json::json!({
                    "Code": "Success",
                    "LastUpdated": rfc3339(now),
                    "Type": "AWS-HMAC",
                    "AccessKeyId": format!("ASIAEMULATORIMDS{n}"),
                    "SecretAccessKey": format!("imds-secret-{n}-wJalrXUtnFEMI"),
                    "Token": format!("imds-session-token-{n}"),
                    "Expiration": rfc3339(now + settings.lifetime),
                });
                answer(StatusCode::OK, "text/plain", body.to_string())
            }
            _ => answer(StatusCode::NOT_FOUND, "text/html", "<html>404</html>"),
        }
    }

    fn container(&self, req: &Request<Incoming>) -> Answer {
        let settings = self.settings();
        if let Some(required) = &settings.container_token
            && Self::header(req, "authorization") != Some(required.as_str())
        {
            return answer(
                StatusCode::UNAUTHORIZED,
                "application/json",
                r#"{"code":"AccessDeniedException","message":"Unauthorized"}"#,
            );
        }
        let n = self.counters.container.fetch_add(1, Ordering::SeqCst);
        let body = serde_json::json!({
            "AccessKeyId": format!("ASIAEMULATORECS{n}"),
            "Expiration": rfc3339(SystemTime::now() + settings.lifetime),
            "RoleArn": "arn:aws:iam::123456789012:role/cloud-test-task",
            "SecretAccessKey": format!("ecs-secret-{n}-wJalrXUtnFEMI"),
            "Token": format!("ecs-session-token-{n}"),
        });
        answer(StatusCode::OK, "application/json", body.to_string())
    }

    fn sso(&self, req: &Request<Incoming>) -> Answer {
        let settings = self.settings();
        let query = req.uri().query().unwrap_or("");
        let has = |key: &str| query.split('&').any(|p| p.starts_with(&format!("{key}=")));
        if Self::header(req, "x-amz-sso_bearer_token") != Some(settings.sso_token.as_str()) {
            return answer(
                StatusCode::UNAUTHORIZED,
                "application/json",
                r#"{"message":"Session token not found or invalid"}"#,
            );
        }
        if !has("account_id") || !has("role_name") {
            return answer(
                StatusCode::BAD_REQUEST,
                "application/json",
                r#"{"message":"account_id and role_name are required"}"#,
            );
        }
        let n = self.counters.sso.fetch_add(1, Ordering::SeqCst);
        let expires = SystemTime::now() + settings.lifetime;
        let millis = expires
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        let body = serde_json::json!({
            "roleCredentials": {
                "accessKeyId": format!("ASIAEMULATORSSO{n}"),
                "secretAccessKey": format!("sso-secret-{n}-wJalrXUtnFEMI"),
                "sessionToken": format!("sso-session-token-{n}"),
                "expiration": millis,
            }
        });
        answer(StatusCode::OK, "application/json", body.to_string())
    }
}
