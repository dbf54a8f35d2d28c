//! Credentials from the standard `OS_*` environment variables and from
//! `clouds.yaml`, read the way the OpenStack command-line client reads them.

use std::path::PathBuf;

use cloud_core::Url;
use cloud_core::{Environment, Error, Result, Secret};
use yaml_rust2::{Yaml, YamlLoader};

use super::{Auth, Interface, Scope};

/// What a configuration source gave.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How to authenticate.
    pub auth: Auth,
    /// The region, if set.
    pub region: Option<String>,
    /// Which endpoints to use.
    pub interface: Interface,
}

/// Looks up the fields the OpenStack client understands, whatever the source.
trait Fields {
    fn get(&self, name: &str) -> Option<String>;
}

struct EnvFields<'a>(&'a Environment);

impl Fields for EnvFields<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.0.var(&format!("OS_{}", name.to_ascii_uppercase()))
    }
}

struct YamlFields<'a> {
    cloud: &'a Yaml,
}

impl Fields for YamlFields<'_> {
    fn get(&self, name: &str) -> Option<String> {
        let scalar = |y: &Yaml| match y {
            Yaml::String(s) => Some(s.clone()),
            Yaml::Integer(i) => Some(i.to_string()),
            Yaml::Real(r) => Some(r.clone()),
            Yaml::Boolean(b) => Some(b.to_string()),
            _ => None,
        };
        scalar(&self.cloud["auth"][name]).or_else(|| scalar(&self.cloud[name]))
    }
}

/// Ensures an identity URL names its API version.
fn versioned(url: &str, version: &str) -> Result<Url> {
    let trimmed = url.trim_end_matches('/');
    let with_version =
        if trimmed.ends_with("/v3") || trimmed.ends_with("/v2.0") || trimmed.ends_with("/v1.0") {
            trimmed.to_owned()
        } else {
            format!("{trimmed}/{version}")
        };
    Url::parse(&with_version)
        .map_err(|e| Error::invalid_input(format!("invalid auth URL `{url}`: {e}")))
}

fn settings(fields: &dyn Fields, source: &str) -> Result<Settings> {
    let auth_url = fields
        .get("auth_url")
        .ok_or_else(|| Error::invalid_input(format!("{source} sets no auth_url")))?;
    let auth_type = fields
        .get("auth_type")
        .unwrap_or_else(|| "password".into())
        .to_ascii_lowercase();
    let version = fields.get("identity_api_version").unwrap_or_default();
    let v2 = version.starts_with('2')
        || auth_url.trim_end_matches('/').ends_with("/v2.0")
        || auth_type.starts_with("v2");
    let v1 = auth_type == "v1" || auth_url.trim_end_matches('/').ends_with("/v1.0");
    let secret = |name: &str| -> Result<Secret> {
        fields
            .get(name)
            .map(Secret::new)
            .ok_or_else(|| Error::invalid_input(format!("{source} sets no {name}")))
    };
    let scope = Scope {
        project_name: fields
            .get("project_name")
            .or_else(|| fields.get("tenant_name")),
        project_id: fields.get("project_id").or_else(|| fields.get("tenant_id")),
        project_domain_name: fields.get("project_domain_name"),
        project_domain_id: fields.get("project_domain_id"),
        domain_name: fields.get("domain_name"),
    };
    let auth = if v1 {
        Auth::V1 {
            url: Url::parse(&auth_url)
                .map_err(|e| Error::invalid_input(format!("invalid auth URL: {e}")))?,
            user: fields
                .get("username")
                .ok_or_else(|| Error::invalid_input(format!("{source} sets no username")))?,
            key: secret("password")?,
        }
    } else if auth_type.contains("apikey") {
        // Rackspace's plugin (`rackspace_apikey`): Keystone v2.0 with an API key.
        Auth::V2ApiKey {
            url: versioned(&auth_url, "v2.0")?,
            username: fields
                .get("username")
                .ok_or_else(|| Error::invalid_input(format!("{source} sets no username")))?,
            api_key: secret("api_key")?,
        }
    } else if auth_type.contains("applicationcredential")
        || auth_type.contains("application_credential")
    {
        Auth::V3ApplicationCredential {
            url: versioned(&auth_url, "v3")?,
            id: fields.get("application_credential_id").ok_or_else(|| {
                Error::invalid_input(format!("{source} sets no application_credential_id"))
            })?,
            secret: secret("application_credential_secret")?,
        }
    } else if auth_type.contains("token") {
        Auth::V3Token {
            url: versioned(&auth_url, "v3")?,
            token: secret("token")?,
            scope,
        }
    } else if v2 {
        Auth::V2Password {
            url: versioned(&auth_url, "v2.0")?,
            username: fields
                .get("username")
                .ok_or_else(|| Error::invalid_input(format!("{source} sets no username")))?,
            password: secret("password")?,
            tenant_name: scope.project_name,
            tenant_id: scope.project_id,
        }
    } else {
        let (user, user_is_id) = match (fields.get("user_id"), fields.get("username")) {
            (Some(id), _) => (id, true),
            (None, Some(name)) => (name, false),
            (None, None) => {
                return Err(Error::invalid_input(format!(
                    "{source} sets no username or user_id"
                )));
            }
        };
        Auth::V3Password {
            url: versioned(&auth_url, "v3")?,
            user,
            user_is_id,
            user_domain: fields
                .get("user_domain_name")
                .or_else(|| fields.get("user_domain_id")),
            password: secret("password")?,
            scope,
        }
    };
    let interface = match fields
        .get("interface")
        .or_else(|| fields.get("endpoint_type"))
    {
        Some(i) => Interface::parse(&i)?,
        None => Interface::Public,
    };
    Ok(Settings {
        auth,
        region: fields.get("region_name"),
        interface,
    })
}

/// Settings from `OS_*` variables (`OS_CLOUD` reads `clouds.yaml`); `None`
/// when neither `OS_AUTH_URL` nor `OS_CLOUD` is set.
pub fn from_environment(env: &Environment) -> Result<Option<Settings>> {
    if let Some(cloud) = env.var("OS_CLOUD") {
        return from_clouds_yaml(env, &cloud).map(Some);
    }
    if env.var("OS_AUTH_URL").is_none() {
        return Ok(None);
    }
    settings(&EnvFields(env), "the OS_* environment").map(Some)
}

/// The `clouds.yaml` files, in the order the OpenStack client searches them.
fn clouds_yaml_paths(env: &Environment) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(p) = env.var("OS_CLIENT_CONFIG_FILE") {
        paths.push(PathBuf::from(p));
    }
    paths.push(PathBuf::from("clouds.yaml"));
    if let Some(home) = env.home() {
        paths.push(home.join(".config/openstack/clouds.yaml"));
    }
    paths.push(PathBuf::from("/etc/openstack/clouds.yaml"));
    paths
}

/// Settings of the cloud named `name` in the first `clouds.yaml` found.
pub fn from_clouds_yaml(env: &Environment, name: &str) -> Result<Settings> {
    for path in clouds_yaml_paths(env) {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        let docs = YamlLoader::load_from_str(&text).map_err(|e| {
            Error::invalid_input(format!("{} is not valid YAML: {e}", path.display()))
        })?;
        let Some(doc) = docs.first() else { continue };
        let cloud = &doc["clouds"][name];
        if cloud.is_badvalue() {
            return Err(Error::invalid_input(format!(
                "cloud `{name}` is not in {}",
                path.display()
            )));
        }
        return settings(
            &YamlFields { cloud },
            &format!("cloud `{name}` in {}", path.display()),
        );
    }
    Err(Error::invalid_input(format!(
        "no clouds.yaml found for cloud `{name}`"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_variables() {
        let env = Environment::from_vars([
            ("OS_AUTH_URL", "http://127.0.0.1:5000"),
            ("OS_USERNAME", "admin"),
            ("OS_PASSWORD", "secret"),
            ("OS_PROJECT_NAME", "admin"),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
            ("OS_REGION_NAME", "RegionOne"),
            ("OS_INTERFACE", "internal"),
        ]);
        let s = from_environment(&env).unwrap().unwrap();
        match &s.auth {
            Auth::V3Password {
                url, user, scope, ..
            } => {
                assert_eq!(url.as_str(), "http://127.0.0.1:5000/v3");
                assert_eq!(user, "admin");
                assert_eq!(scope.project_name.as_deref(), Some("admin"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.region.as_deref(), Some("RegionOne"));
        assert_eq!(s.interface, Interface::Internal);
        assert!(
            from_environment(&Environment::from_vars(Vec::<(String, String)>::new()))
                .unwrap()
                .is_none()
        );
        let v2 = Environment::from_vars([
            ("OS_AUTH_URL", "http://k/v2.0"),
            ("OS_USERNAME", "u"),
            ("OS_PASSWORD", "p"),
            ("OS_TENANT_NAME", "t"),
        ]);
        assert!(matches!(
            from_environment(&v2).unwrap().unwrap().auth,
            Auth::V2Password { .. }
        ));
        let rackspace = Environment::from_vars([
            (
                "OS_AUTH_URL",
                "https://identity.api.rackspacecloud.com/v2.0/",
            ),
            ("OS_AUTH_TYPE", "rackspace_apikey"),
            ("OS_USERNAME", "u"),
            ("OS_API_KEY", "k"),
        ]);
        assert!(matches!(
            from_environment(&rackspace).unwrap().unwrap().auth,
            Auth::V2ApiKey { .. }
        ));
        let missing = Environment::from_vars([("OS_AUTH_URL", "http://k/v3")]);
        assert!(
            from_environment(&missing)
                .unwrap_err()
                .to_string()
                .contains("username")
        );
    }

    #[test]
    fn clouds_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clouds.yaml");
        std::fs::write(
            &path,
            "clouds:\n  devstack:\n    auth:\n      auth_url: http://10.0.0.1/identity\n      application_credential_id: abc\n      application_credential_secret: shh\n    auth_type: v3applicationcredential\n    region_name: RegionOne\n  tempauth:\n    auth_type: v1\n    auth:\n      auth_url: http://127.0.0.1:8080/auth/v1.0\n      username: test:tester\n      password: testing\n",
        )
        .unwrap();
        let env = Environment::from_vars([
            ("OS_CLIENT_CONFIG_FILE", path.display().to_string()),
            ("OS_CLOUD", "devstack".into()),
        ]);
        let s = from_environment(&env).unwrap().unwrap();
        match s.auth {
            Auth::V3ApplicationCredential { url, id, .. } => {
                assert_eq!(url.as_str(), "http://10.0.0.1/identity/v3");
                assert_eq!(id, "abc");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            from_clouds_yaml(&env, "tempauth").unwrap().auth,
            Auth::V1 { .. }
        ));
        assert!(
            from_clouds_yaml(&env, "nope")
                .unwrap_err()
                .to_string()
                .contains("not in")
        );
    }
}
