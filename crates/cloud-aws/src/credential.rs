//! Where AWS credentials, region and endpoint come from.
//!
//! The same order as the AWS CLI and SDKs, for the sources this crate
//! reads: explicit configuration, then the standard environment variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_REGION`, `AWS_DEFAULT_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`...),
//! then the named profile in the shared `credentials` and `config` files.
//! Profiles that need a role assumption, SSO or an external process are
//! refused with a clear error rather than half-resolved.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use cloud_core::{Error, Result, Secret};

/// An access key, its secret and an optional session token.
#[derive(Clone)]
pub struct AwsCredentials {
    access_key_id: Secret,
    secret_access_key: Secret,
    session_token: Option<Secret>,
}

impl AwsCredentials {
    /// Long-term credentials.
    pub fn new(access_key_id: impl Into<Secret>, secret_access_key: impl Into<Secret>) -> Self {
        AwsCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        }
    }

    /// Adds a session token (temporary credentials).
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<Secret>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &Secret {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &Secret {
        &self.secret_access_key
    }

    /// The session token, if any.
    pub fn session_token(&self) -> Option<&Secret> {
        self.session_token.as_ref()
    }
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

pub use cloud_core::Environment;

fn shared_file(env: &Environment, var: &str, default: &str) -> Option<PathBuf> {
    env.var(var)
        .map(PathBuf::from)
        .or_else(|| env.home().map(|h| h.join(".aws").join(default)))
}

/// One profile's settings, merged from the credentials and config files.
#[derive(Default, Clone)]
pub(crate) struct Profile {
    pub(crate) values: HashMap<String, String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<_> = self.values.keys().collect();
        keys.sort();
        f.debug_struct("Profile").field("keys", &keys).finish()
    }
}

impl Profile {
    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Parses the INI dialect of the shared files into `section -> key -> value`.
/// In the config file, sections other than `default` are `[profile NAME]`.
pub(crate) fn parse_ini(text: &str, config_file: bool) -> HashMap<String, HashMap<String, String>> {
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let header = header.trim();
            let name = if config_file && header != "default" {
                header
                    .strip_prefix("profile")
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
            } else {
                Some(header)
            };
            current = name.map(str::to_owned);
            continue;
        }
        let (Some(section), Some((key, value))) = (&current, line.split_once('=')) else {
            continue;
        };
        // Nested settings (`s3 =` followed by indented lines) are not used here.
        let value = value.trim();
        sections
            .entry(section.clone())
            .or_default()
            .insert(key.trim().to_ascii_lowercase(), value.to_owned());
    }
    sections
}

/// Loads profile `name` from the shared files, credentials file first.
pub(crate) fn load_profile(env: &Environment, name: &str) -> Result<Option<Profile>> {
    let mut profile = Profile::default();
    let mut found = false;
    let files = [
        (shared_file(env, "AWS_CONFIG_FILE", "config"), true),
        (
            shared_file(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials"),
            false,
        ),
    ];
    // Config first, so the credentials file wins where both set a key.
    for (path, is_config) in files {
        let Some(path) = path else { continue };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        if let Some(values) = parse_ini(&text, is_config).remove(name) {
            found = true;
            profile.values.extend(values);
        }
    }
    Ok(found.then_some(profile))
}

/// What was resolved for a client.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) credentials: AwsCredentials,
    pub(crate) region: String,
    pub(crate) endpoint: Option<String>,
}

/// The default region when none is configured anywhere.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Resolves credentials, region and endpoint from the explicit values, the
/// environment and the profile, in that order.
pub(crate) fn resolve(
    env: &Environment,
    explicit: Option<AwsCredentials>,
    region: Option<String>,
    profile_name: Option<String>,
    endpoint: Option<String>,
    service_env_suffix: Option<&str>,
) -> Result<Resolved> {
    let profile_name = profile_name
        .or_else(|| env.var("AWS_PROFILE"))
        .unwrap_or_else(|| "default".to_owned());
    let profile = load_profile(env, &profile_name)?;
    let explicit_profile = env.var("AWS_PROFILE").is_some() || profile_name != "default";

    let credentials = match explicit {
        Some(c) => c,
        None => match (
            env.var("AWS_ACCESS_KEY_ID"),
            env.var("AWS_SECRET_ACCESS_KEY"),
        ) {
            (Some(id), Some(secret)) => {
                let mut c = AwsCredentials::new(id, secret);
                if let Some(token) = env.var("AWS_SESSION_TOKEN") {
                    c = c.with_session_token(token);
                }
                c
            }
            _ => from_profile(profile.as_ref(), &profile_name, explicit_profile)?,
        },
    };
    let region = region
        .or_else(|| env.var("AWS_REGION"))
        .or_else(|| env.var("AWS_DEFAULT_REGION"))
        .or_else(|| {
            profile
                .as_ref()
                .and_then(|p| p.get("region").map(str::to_owned))
        })
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let endpoint = endpoint
        .or_else(|| service_env_suffix.and_then(|s| env.var(&format!("AWS_ENDPOINT_URL_{s}"))))
        .or_else(|| env.var("AWS_ENDPOINT_URL"))
        .or_else(|| {
            profile
                .as_ref()
                .and_then(|p| p.get("endpoint_url").map(str::to_owned))
        });
    Ok(Resolved {
        credentials,
        region,
        endpoint,
    })
}

fn from_profile(profile: Option<&Profile>, name: &str, explicit: bool) -> Result<AwsCredentials> {
    let Some(profile) = profile else {
        let why = if explicit {
            format!("profile `{name}` is not in the shared credentials or config file")
        } else {
            "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, configure a profile, \
             or pass them explicitly"
                .to_owned()
        };
        return Err(Error::new(cloud_core::ErrorKind::InvalidCredentials, why)
            .with_provider(crate::PROVIDER));
    };
    if let (Some(id), Some(secret)) = (
        profile.get("aws_access_key_id"),
        profile.get("aws_secret_access_key"),
    ) {
        let mut c = AwsCredentials::new(id, secret);
        if let Some(token) = profile.get("aws_session_token") {
            c = c.with_session_token(token);
        }
        return Ok(c);
    }
    for (key, what) in [
        ("role_arn", "assumes a role"),
        ("sso_session", "uses SSO"),
        ("sso_start_url", "uses SSO"),
        ("credential_process", "runs a credential process"),
        ("web_identity_token_file", "uses web identity"),
    ] {
        if profile.get(key).is_some() {
            return Err(Error::invalid_input(format!(
                "profile `{name}` {what} ({key}), which cloud-aws does not resolve; \
                 export temporary credentials to the environment instead"
            )));
        }
    }
    Err(Error::new(
        cloud_core::ErrorKind::InvalidCredentials,
        format!("profile `{name}` has no aws_access_key_id and aws_secret_access_key"),
    )
    .with_provider(crate::PROVIDER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(credentials: &str, config: &str) -> (tempfile::TempDir, Vec<(String, String)>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("credentials"), credentials).unwrap();
        std::fs::write(dir.path().join("config"), config).unwrap();
        let vars = vec![
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                dir.path().join("credentials").display().to_string(),
            ),
            (
                "AWS_CONFIG_FILE".to_owned(),
                dir.path().join("config").display().to_string(),
            ),
        ];
        (dir, vars)
    }

    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secretdefault

[work]
aws_access_key_id=AKIDWORK
aws_secret_access_key=secretwork
aws_session_token = tokenwork
";
    const CONFIG: &str = "\
[default]
region = eu-west-1

[profile work]
region = ap-southeast-2
endpoint_url = http://127.0.0.1:4566

[profile assumed]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = default
";

    #[test]
    fn environment_beats_profiles() {
        let (_dir, mut vars) = files(CREDENTIALS, CONFIG);
        vars.push(("AWS_ACCESS_KEY_ID".into(), "AKIDENV".into()));
        vars.push(("AWS_SECRET_ACCESS_KEY".into(), "secretenv".into()));
        vars.push(("AWS_REGION".into(), "us-west-2".into()));
        let r = resolve(&Environment::from_vars(vars), None, None, None, None, None).unwrap();
        assert_eq!(r.credentials.access_key_id().expose(), "AKIDENV");
        assert_eq!(r.region, "us-west-2");
    }

    #[test]
    fn named_profiles_merge_both_files() {
        let (_dir, mut vars) = files(CREDENTIALS, CONFIG);
        vars.push(("AWS_PROFILE".into(), "work".into()));
        let r = resolve(
            &Environment::from_vars(vars),
            None,
            None,
            None,
            None,
            Some("S3"),
        )
        .unwrap();
        assert_eq!(r.credentials.access_key_id().expose(), "AKIDWORK");
        assert_eq!(r.credentials.session_token().unwrap().expose(), "tokenwork");
        assert_eq!(r.region, "ap-southeast-2");
        assert_eq!(r.endpoint.as_deref(), Some("http://127.0.0.1:4566"));
    }

    #[test]
    fn default_profile_and_explicit_values() {
        let (_dir, vars) = files(CREDENTIALS, CONFIG);
        let env = Environment::from_vars(vars);
        let r = resolve(&env, None, None, None, None, None).unwrap();
        assert_eq!(r.credentials.access_key_id().expose(), "AKIDDEFAULT");
        assert_eq!(r.region, "eu-west-1");
        let explicit = AwsCredentials::new("AKIDX", "sx");
        let r = resolve(
            &env,
            Some(explicit),
            Some("sa-east-1".into()),
            None,
            None,
            None,
        )
        .unwrap();
        assert_eq!(r.credentials.access_key_id().expose(), "AKIDX");
        assert_eq!(r.region, "sa-east-1");
    }

    #[test]
    fn unsupported_and_missing_profiles_are_clear_errors() {
        let (_dir, vars) = files(CREDENTIALS, CONFIG);
        let env = Environment::from_vars(vars);
        let err = resolve(&env, None, None, Some("assumed".into()), None, None).unwrap_err();
        assert!(err.to_string().contains("assumes a role"), "{err}");
        let err = resolve(&env, None, None, Some("nope".into()), None, None).unwrap_err();
        assert!(err.to_string().contains("profile `nope`"), "{err}");
        let empty = Environment::from_vars(Vec::<(String, String)>::new());
        let err = resolve(&empty, None, None, None, None, None).unwrap_err();
        assert_eq!(err.kind(), &cloud_core::ErrorKind::InvalidCredentials);
    }

    #[test]
    fn credentials_do_not_print() {
        let c = AwsCredentials::new("AKIDVISIBLE", "very-secret").with_session_token("tok-secret");
        let text = format!("{c:?}");
        assert!(
            !text.contains("AKIDVISIBLE")
                && !text.contains("very-secret")
                && !text.contains("tok-secret")
        );
    }
}
