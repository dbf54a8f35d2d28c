//! Which credential source a client uses, and its region and endpoints.
//!
//! The order follows the AWS SDKs:
//!
//! 1. credentials given to the builder;
//! 2. `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`);
//! 3. `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` (EKS), unless a
//!    profile was named explicitly;
//! 4. the profile (`AWS_PROFILE`, else `default`): `role_arn` (with
//!    `source_profile`, `credential_source` or `web_identity_token_file`),
//!    SSO, static keys, then `credential_process`;
//! 5. container credentials (`AWS_CONTAINER_CREDENTIALS_*`: ECS, EKS Pod Identity);
//! 6. EC2 instance metadata, unless `AWS_EC2_METADATA_DISABLED`.
//!
//! The choice is made when the client is built, from the environment and
//! files alone; the chosen source is asked lazily, at the first request.

use std::sync::Arc;
use std::time::Duration;

use cloud_core::Url;
use cloud_core::credential::{CachedCredential, CredentialProvider, StaticCredential};
use cloud_core::{Environment, Error, ErrorKind, Result};

use super::container::Container;
use super::imds::InstanceMetadata;
use super::process::CredentialProcess;
use super::profile::{Profile, ProfileFiles};
use super::sso::Sso;
use super::sts::{AssumeRole, Role, WebIdentity};
use super::{AwsCredentialProvider, AwsCredentials, DEFAULT_REGION, Reach};

/// The chosen source and a description of it for logs and errors.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) provider: AwsCredentialProvider,
    pub(crate) source: String,
}

/// Everything read from the environment and shared files.
#[derive(Debug)]
pub(crate) struct Settings {
    env: Environment,
    files: ProfileFiles,
    profile_name: String,
    /// Whether the profile was chosen (builder or `AWS_PROFILE`) rather than defaulted.
    explicit_profile: bool,
    /// The resolved region.
    pub(crate) region: String,
}

/// How deep `source_profile` chains may go.
const MAX_CHAIN: usize = 8;

impl Settings {
    /// Reads the shared files and settles the region.
    pub(crate) fn load(
        env: &Environment,
        region: Option<String>,
        profile: Option<String>,
    ) -> Result<Self> {
        let explicit_profile = profile.is_some() || env.var("AWS_PROFILE").is_some();
        let profile_name = profile
            .or_else(|| env.var("AWS_PROFILE"))
            .unwrap_or_else(|| "default".to_owned());
        let files = ProfileFiles::load(env)?;
        let region = region
            .or_else(|| env.var("AWS_REGION"))
            .or_else(|| env.var("AWS_DEFAULT_REGION"))
            .or_else(|| {
                files
                    .profile(&profile_name)?
                    .get("region")
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        Ok(Settings {
            env: env.clone(),
            files,
            profile_name,
            explicit_profile,
            region,
        })
    }

    fn profile(&self) -> Option<&Profile> {
        self.files.profile(&self.profile_name)
    }

    /// The endpoint of the service whose environment suffix is `suffix`
    /// (`S3`, `STS`...): the builder's, `AWS_ENDPOINT_URL_<suffix>`,
    /// `AWS_ENDPOINT_URL`, then the profile's `endpoint_url`.
    pub(crate) fn endpoint(&self, explicit: Option<&str>, suffix: &str) -> Option<String> {
        explicit
            .map(str::to_owned)
            .or_else(|| self.env.var(&format!("AWS_ENDPOINT_URL_{suffix}")))
            .or_else(|| self.env.var("AWS_ENDPOINT_URL"))
            .or_else(|| self.profile()?.get("endpoint_url").map(str::to_owned))
    }

    /// Picks the credential source.
    pub(crate) fn credentials(
        &self,
        explicit: Option<AwsCredentialProvider>,
        explicit_endpoint: Option<&str>,
        imds_v1_fallback: bool,
        reach: &Reach,
    ) -> Result<Resolved> {
        let picker = Picker {
            settings: self,
            explicit_endpoint,
            imds_v1_fallback,
            reach,
        };
        picker.pick(explicit)
    }
}

/// One credential choice in progress.
struct Picker<'a> {
    settings: &'a Settings,
    explicit_endpoint: Option<&'a str>,
    imds_v1_fallback: bool,
    reach: &'a Reach,
}

fn fixed(credentials: AwsCredentials, reach: &Reach) -> AwsCredentialProvider {
    let issued = reach.issued(cloud_core::credential::Temporary::forever(credentials));
    Arc::new(StaticCredential::new(issued.value))
}

fn resolved(provider: AwsCredentialProvider, source: impl Into<String>) -> Resolved {
    Resolved {
        provider,
        source: source.into(),
    }
}

impl Picker<'_> {
    fn env(&self) -> &Environment {
        &self.settings.env
    }

    fn pick(&self, explicit: Option<AwsCredentialProvider>) -> Result<Resolved> {
        if let Some(provider) = explicit {
            let registered = Registered {
                inner: provider,
                redactor: self.reach.redactor.clone(),
                last: std::sync::Mutex::new(None),
            };
            return Ok(resolved(Arc::new(registered), "given to the builder"));
        }
        if let Some(credentials) = self.environment_keys() {
            return Ok(resolved(fixed(credentials, self.reach), "environment"));
        }
        let settings = self.settings;
        if !settings.explicit_profile
            && let Some(web) = self.web_identity_from_env()?
        {
            return Ok(web);
        }
        let name = &settings.profile_name;
        if let Some(found) = self.profile_source(name, &mut Vec::new())? {
            return Ok(found);
        }
        if settings.explicit_profile {
            let why = if settings.profile().is_some() {
                format!(
                    "profile `{name}` has no credentials (keys, role_arn, SSO or credential_process)"
                )
            } else {
                format!("profile `{name}` is not in the shared credentials or config file")
            };
            return Err(no_credentials(why));
        }
        if let Some(container) = Container::from_env(self.env(), self.reach.clone())? {
            return Ok(resolved(
                Arc::new(CachedCredential::new(container)),
                "container credentials",
            ));
        }
        if let Some(imds) = self.instance_metadata()? {
            // The last resort: when it fails too, the error names every
            // source tried, not only the metadata service's refusal.
            let last = LastResort {
                inner: imds,
                tried: self.sources_tried(),
            };
            return Ok(resolved(Arc::new(last), "instance metadata"));
        }
        Err(no_credentials(format!(
            "{}; instance metadata: disabled (AWS_EC2_METADATA_DISABLED)",
            self.sources_tried()
        )))
    }

    /// What the chain looked at before instance metadata, and where
    /// credentials go, as the AWS CLI's "Unable to locate credentials" says.
    fn sources_tried(&self) -> String {
        format!(
            "unable to locate AWS credentials: put keys in {} (profile `{}`, or \
             `aws configure`), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Tried: \
             the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: not set), web identity \
             (AWS_WEB_IDENTITY_TOKEN_FILE: not set), the shared files (no keys, role, SSO or \
             credential_process for profile `{}`), container credentials \
             (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI: not set)",
            ProfileFiles::paths(self.env()),
            self.settings.profile_name,
            self.settings.profile_name
        )
    }

    fn environment_keys(&self) -> Option<AwsCredentials> {
        let id = self.env().var("AWS_ACCESS_KEY_ID")?;
        let secret = self.env().var("AWS_SECRET_ACCESS_KEY")?;
        let mut credentials = AwsCredentials::new(id, secret);
        if let Some(token) = self.env().var("AWS_SESSION_TOKEN") {
            credentials = credentials.with_session_token(token);
        }
        Some(credentials)
    }

    fn instance_metadata(&self) -> Result<Option<AwsCredentialProvider>> {
        let endpoint = self
            .settings
            .profile()
            .and_then(|p| p.get("ec2_metadata_service_endpoint"));
        Ok(InstanceMetadata::from_env(
            self.env(),
            endpoint,
            self.imds_v1_fallback,
            self.reach.clone(),
        )?
        .map(|imds| Arc::new(CachedCredential::new(imds)) as AwsCredentialProvider))
    }

    fn sts_endpoint(&self) -> Result<Url> {
        let region = &self.settings.region;
        let text = self
            .settings
            .endpoint(self.explicit_endpoint, "STS")
            .unwrap_or_else(|| {
                let suffix = if region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                format!("https://sts.{region}.{suffix}/")
            });
        Url::parse(&text)
            .map_err(|e| Error::invalid_input(format!("invalid STS endpoint `{text}`: {e}")))
    }

    fn role(&self, arn: &str, profile: Option<&Profile>) -> Result<Role> {
        let setting = |key: &str| profile.and_then(|p| p.get(key)).map(str::to_owned);
        let duration = match setting("duration_seconds") {
            Some(text) => Some(Duration::from_secs(text.parse().map_err(|_| {
                Error::invalid_input(format!(
                    "duration_seconds `{}` is not a number of seconds",
                    cloud_core::error::quote(&text)
                ))
            })?)),
            None => None,
        };
        Ok(Role {
            arn: arn.to_owned(),
            session_name: setting("role_session_name")
                .or_else(|| self.env().var("AWS_ROLE_SESSION_NAME")),
            duration,
            external_id: setting("external_id"),
            endpoint: self.sts_endpoint()?,
            region: self.settings.region.clone(),
        })
    }

    fn web_identity_from_env(&self) -> Result<Option<Resolved>> {
        let (Some(file), Some(arn)) = (
            self.env().var("AWS_WEB_IDENTITY_TOKEN_FILE"),
            self.env().var("AWS_ROLE_ARN"),
        ) else {
            return Ok(None);
        };
        let source = WebIdentity {
            role: self.role(&arn, None)?,
            token_file: file.into(),
            reach: self.reach.clone(),
        };
        Ok(Some(resolved(
            Arc::new(CachedCredential::new(source)),
            format!("web identity token for {arn}"),
        )))
    }

    /// The source profile `name` describes, or `None` if it holds none.
    /// `visited` guards `source_profile` chains against cycles.
    fn profile_source(&self, name: &str, visited: &mut Vec<String>) -> Result<Option<Resolved>> {
        let Some(profile) = self.settings.files.profile(name) else {
            return Ok(None);
        };
        if let Some(arn) = profile.get("role_arn") {
            return self.assumed_role(name, profile, arn, visited).map(Some);
        }
        if let Some(sso) = Sso::from_profile(
            self.env(),
            &self.settings.files,
            name,
            profile,
            self.reach.clone(),
        )? {
            return Ok(Some(resolved(
                Arc::new(CachedCredential::new(sso)),
                format!("SSO profile `{name}`"),
            )));
        }
        if let Some(credentials) = static_keys(profile) {
            return Ok(Some(resolved(
                fixed(credentials, self.reach),
                format!("profile `{name}`"),
            )));
        }
        if let Some(command) = profile.get("credential_process") {
            let process = CredentialProcess {
                command: command.to_owned(),
                profile: name.to_owned(),
                reach: self.reach.clone(),
            };
            return Ok(Some(resolved(
                Arc::new(CachedCredential::new(process)),
                format!("credential_process of profile `{name}`"),
            )));
        }
        Ok(None)
    }

    fn assumed_role(
        &self,
        name: &str,
        profile: &Profile,
        arn: &str,
        visited: &mut Vec<String>,
    ) -> Result<Resolved> {
        if profile.get("mfa_serial").is_some() {
            return Err(Error::invalid_input(format!(
                "profile `{name}` assumes a role with MFA (mfa_serial), which needs a code typed \
                 in; export temporary credentials (aws sts assume-role) instead"
            )));
        }
        let role = self.role(arn, Some(profile))?;
        if let Some(file) = profile.get("web_identity_token_file") {
            let source = WebIdentity {
                role,
                token_file: file.into(),
                reach: self.reach.clone(),
            };
            return Ok(resolved(
                Arc::new(CachedCredential::new(source)),
                format!("web identity for {arn} (profile `{name}`)"),
            ));
        }
        let source = match (
            profile.get("source_profile"),
            profile.get("credential_source"),
        ) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_input(format!(
                    "profile `{name}` sets both source_profile and credential_source; keep one"
                )));
            }
            (Some(source), None) => self.source_profile(name, profile, source, visited)?,
            (None, Some(source)) => self.credential_source(name, source)?,
            (None, None) => {
                return Err(Error::invalid_input(format!(
                    "profile `{name}` has role_arn but neither source_profile nor credential_source"
                )));
            }
        };
        let assume = AssumeRole {
            role,
            source: source.provider,
            reach: self.reach.clone(),
        };
        Ok(resolved(
            Arc::new(CachedCredential::new(assume)),
            format!("role {arn} (profile `{name}`, from {})", source.source),
        ))
    }

    fn source_profile(
        &self,
        name: &str,
        profile: &Profile,
        source: &str,
        visited: &mut Vec<String>,
    ) -> Result<Resolved> {
        // A profile naming itself holds the keys the role is assumed with.
        if source == name {
            return static_keys(profile)
                .map(|c| resolved(fixed(c, self.reach), format!("profile `{name}`")))
                .ok_or_else(|| {
                    Error::invalid_input(format!(
                        "profile `{name}` is its own source_profile but has no keys"
                    ))
                });
        }
        visited.push(name.to_owned());
        if visited.iter().any(|v| v == source) || visited.len() > MAX_CHAIN {
            return Err(Error::invalid_input(format!(
                "source_profile loops: {} -> {source}",
                visited.join(" -> ")
            )));
        }
        self.profile_source(source, visited)?.ok_or_else(|| {
            Error::invalid_input(format!(
                "profile `{name}` takes source_profile `{source}`, which is missing or has no credentials"
            ))
        })
    }

    fn credential_source(&self, name: &str, source: &str) -> Result<Resolved> {
        let missing = |what: &str| {
            no_credentials(format!(
                "profile `{name}` takes credential_source {source}, but {what}"
            ))
        };
        match source {
            "Environment" => self
                .environment_keys()
                .map(|c| resolved(fixed(c, self.reach), "environment"))
                .ok_or_else(|| missing("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")),
            "EcsContainer" => Container::from_env(self.env(), self.reach.clone())?
                .map(|c| {
                    resolved(
                        Arc::new(CachedCredential::new(c)) as AwsCredentialProvider,
                        "container credentials",
                    )
                })
                .ok_or_else(|| missing("no AWS_CONTAINER_CREDENTIALS_* variable is set")),
            "Ec2InstanceMetadata" => self
                .instance_metadata()?
                .map(|p| resolved(p, "instance metadata"))
                .ok_or_else(|| missing("AWS_EC2_METADATA_DISABLED is set")),
            other => Err(Error::invalid_input(format!(
                "profile `{name}` has credential_source `{}`; expected Environment, \
                 EcsContainer or Ec2InstanceMetadata",
                cloud_core::error::quote(other)
            ))),
        }
    }
}

/// A source given to the builder: whatever it hands out joins the
/// redactor (once per new credential), as the chain's own sources do.
struct Registered {
    inner: AwsCredentialProvider,
    redactor: cloud_core::secret::Redactor,
    /// The credential last registered (held, so its address is not reused).
    last: std::sync::Mutex<Option<Arc<AwsCredentials>>>,
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[async_trait::async_trait]
impl CredentialProvider for Registered {
    type Credential = AwsCredentials;

    async fn credential(&self) -> Result<Arc<AwsCredentials>> {
        let credentials = self.inner.credential().await?;
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if !last.as_ref().is_some_and(|l| Arc::ptr_eq(l, &credentials)) {
            self.redactor.add_issued(credentials.access_key_id());
            self.redactor.add_issued(credentials.secret_access_key());
            if let Some(token) = credentials.session_token() {
                self.redactor.add_issued(token);
            }
            *last = Some(credentials.clone());
        }
        Ok(credentials)
    }

    async fn invalidate(&self) -> bool {
        self.inner.invalidate().await
    }
}

/// Instance metadata as the chain's last source: its failure names every
/// source tried before it.
#[derive(Debug)]
struct LastResort {
    inner: AwsCredentialProvider,
    tried: String,
}

#[async_trait::async_trait]
impl CredentialProvider for LastResort {
    type Credential = AwsCredentials;

    async fn credential(&self) -> Result<Arc<AwsCredentials>> {
        self.inner.credential().await.map_err(|e| {
            let message = format!("{}; instance metadata: {}", self.tried, e.message());
            e.with_message(message)
        })
    }

    async fn invalidate(&self) -> bool {
        self.inner.invalidate().await
    }
}

fn static_keys(profile: &Profile) -> Option<AwsCredentials> {
    let id = profile.get("aws_access_key_id")?;
    let secret = profile.get("aws_secret_access_key")?;
    let mut credentials = AwsCredentials::new(id, secret);
    if let Some(token) = profile.get("aws_session_token") {
        credentials = credentials.with_session_token(token);
    }
    Some(credentials)
}

fn no_credentials(why: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidCredentials, why).with_provider(crate::PROVIDER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_core::http::{ClientOptions, ProxyOptions, RetryPolicy};
    use cloud_core::secret::Redactor;

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

[profile chained]
role_arn = arn:aws:iam::123456789012:role/y
source_profile = assumed

[profile self]
role_arn = arn:aws:iam::123456789012:role/z
source_profile = self
aws_access_key_id = AKIDSELF
aws_secret_access_key = secretself

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = loop-a

[profile from-env]
role_arn = arn:aws:iam::123456789012:role/e
credential_source = Environment

[profile from-imds]
role_arn = arn:aws:iam::123456789012:role/i
credential_source = Ec2InstanceMetadata

[profile bad-source]
role_arn = arn:aws:iam::123456789012:role/i
credential_source = Somewhere

[profile mfa]
role_arn = arn:aws:iam::123456789012:role/m
source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/me

[profile eks]
role_arn = arn:aws:iam::123456789012:role/w
web_identity_token_file = /var/run/token

[profile sso-new]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Dev

[sso-session corp]
sso_region = eu-central-1
sso_start_url = https://corp.awsapps.com/start

[profile sso-legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
sso_account_id = 111122223333
sso_role_name = Dev

[profile sso-broken]
sso_session = missing
sso_account_id = 1
sso_role_name = Dev

[profile process]
credential_process = /usr/local/bin/creds --json

[profile region-only]
region = us-west-2
";

    struct Files {
        _dir: tempfile::TempDir,
        vars: Vec<(String, String)>,
    }

    fn files() -> Files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("credentials"), CREDENTIALS).unwrap();
        std::fs::write(dir.path().join("config"), CONFIG).unwrap();
        let vars = vec![
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                dir.path().join("credentials").display().to_string(),
            ),
            (
                "AWS_CONFIG_FILE".to_owned(),
                dir.path().join("config").display().to_string(),
            ),
            ("HOME".to_owned(), dir.path().display().to_string()),
        ];
        Files { _dir: dir, vars }
    }

    fn reach() -> Reach {
        let options = ClientOptions::new()
            .retry(RetryPolicy::none())
            .proxy(ProxyOptions::none())
            .with_built_transport()
            .unwrap();
        Reach {
            direct: options.clone(),
            options,
            redactor: Redactor::new(),
        }
    }

    /// The source chosen with `extra` variables and profile `profile`.
    fn pick(extra: &[(&str, &str)], profile: Option<&str>) -> Result<(String, Settings)> {
        let files = files();
        let mut vars = files.vars.clone();
        vars.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let env = Environment::from_vars(vars);
        let settings = Settings::load(&env, None, profile.map(str::to_owned))?;
        let chosen = settings.credentials(None, None, false, &reach())?;
        Ok((chosen.source, settings))
    }

    fn source(extra: &[(&str, &str)], profile: Option<&str>) -> String {
        pick(extra, profile).unwrap().0
    }

    fn refusal(extra: &[(&str, &str)], profile: Option<&str>) -> String {
        pick(extra, profile).unwrap_err().to_string()
    }

    const ENV_KEYS: &[(&str, &str)] = &[
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "secretenv"),
    ];
    const WEB_IDENTITY: &[(&str, &str)] = &[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pod"),
    ];
    const CONTAINER: &[(&str, &str)] = &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")];

    #[test]
    fn the_chain_runs_in_the_sdks_order() {
        let all: Vec<_> = [ENV_KEYS, WEB_IDENTITY, CONTAINER].concat();
        assert_eq!(source(&all, None), "environment");
        let no_env: Vec<_> = [WEB_IDENTITY, CONTAINER].concat();
        assert_eq!(
            source(&no_env, None),
            "web identity token for arn:aws:iam::123456789012:role/pod"
        );
        // A profile named explicitly beats the web identity variables.
        assert_eq!(source(&no_env, Some("work")), "profile `work`");
        // Without the variables, the default profile's keys.
        assert_eq!(source(CONTAINER, None), "profile `default`");
    }

    #[test]
    fn after_profiles_come_container_then_instance_metadata() {
        let empty_home = tempfile::tempdir().unwrap();
        let vars = |extra: &[(&str, &str)]| {
            let mut v = vec![
                ("HOME".to_owned(), empty_home.path().display().to_string()),
                (
                    "AWS_CONFIG_FILE".to_owned(),
                    "/nonexistent/config".to_owned(),
                ),
                (
                    "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                    "/nonexistent/credentials".to_owned(),
                ),
            ];
            v.extend(
                extra
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            );
            Environment::from_vars(v)
        };
        let chosen = |env: &Environment| {
            Settings::load(env, None, None)
                .unwrap()
                .credentials(None, None, false, &reach())
                .map(|r| r.source)
        };
        assert_eq!(chosen(&vars(CONTAINER)).unwrap(), "container credentials");
        // A default profile holding only settings falls through too.
        let config = empty_home.path().join("config");
        std::fs::write(&config, "[default]\nregion = us-west-2\n").unwrap();
        let config = config.display().to_string();
        let env = vars(&[CONTAINER, &[("AWS_CONFIG_FILE", config.as_str())]].concat());
        let settings = Settings::load(&env, None, None).unwrap();
        assert_eq!(settings.region, "us-west-2");
        assert_eq!(chosen(&env).unwrap(), "container credentials");
        assert_eq!(chosen(&vars(&[])).unwrap(), "instance metadata");
        let err = chosen(&vars(&[("AWS_EC2_METADATA_DISABLED", "true")])).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
        assert!(
            err.to_string().contains("unable to locate AWS credentials"),
            "{err}"
        );
        assert!(err.to_string().contains("container credentials"), "{err}");
        let err = chosen(&vars(&[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://10.1.2.3/creds",
        )]))
        .unwrap_err();
        assert!(err.to_string().contains("must be https"), "{err}");
    }

    #[test]
    fn a_named_profile_without_credentials_is_an_error() {
        let err = refusal(CONTAINER, Some("region-only"));
        assert!(err.contains("has no credentials"), "{err}");
        let err = refusal(&[], Some("nope"));
        assert!(err.contains("profile `nope` is not in"), "{err}");
    }

    #[test]
    fn profiles_pick_roles_sso_keys_and_processes() {
        assert_eq!(
            source(&[], Some("assumed")),
            "role arn:aws:iam::123456789012:role/x (profile `assumed`, from profile `default`)"
        );
        assert_eq!(
            source(&[], Some("chained")),
            "role arn:aws:iam::123456789012:role/y (profile `chained`, from role \
             arn:aws:iam::123456789012:role/x (profile `assumed`, from profile `default`))"
        );
        assert_eq!(
            source(&[], Some("self")),
            "role arn:aws:iam::123456789012:role/z (profile `self`, from profile `self`)"
        );
        assert_eq!(
            source(ENV_KEYS, Some("from-env")),
            "environment",
            "environment keys come before any profile"
        );
        assert!(source(&[], Some("from-imds")).ends_with("from instance metadata)"));
        assert_eq!(
            source(&[], Some("eks")),
            "web identity for arn:aws:iam::123456789012:role/w (profile `eks`)"
        );
        assert_eq!(source(&[], Some("sso-new")), "SSO profile `sso-new`");
        assert_eq!(source(&[], Some("sso-legacy")), "SSO profile `sso-legacy`");
        assert_eq!(
            source(&[], Some("process")),
            "credential_process of profile `process`"
        );
        let (_, settings) = pick(&[], Some("work")).unwrap();
        assert_eq!(settings.region, "ap-southeast-2");
        assert_eq!(
            settings.endpoint(None, "S3").as_deref(),
            Some("http://127.0.0.1:4566")
        );
    }

    #[test]
    fn broken_profiles_say_what_is_wrong() {
        for (profile, expected) in [
            ("loop-a", "source_profile loops: loop-a -> loop-b -> loop-a"),
            ("bad-source", "credential_source `Somewhere`"),
            ("mfa", "MFA"),
            ("sso-broken", "sso_session `missing`"),
        ] {
            let err = refusal(&[], Some(profile));
            assert!(err.contains(expected), "{profile}: {err}");
        }
        let err = refusal(&[], Some("from-env"));
        assert!(err.contains("credential_source Environment"), "{err}");
    }
}
