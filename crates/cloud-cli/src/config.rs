//! Where settings come from: flags, environment, then the profiles file.
//!
//! The profiles file (`$CLOUD_CONFIG`, else `$XDG_CONFIG_HOME/cloud/config.toml`,
//! else `~/.config/cloud/config.toml`) holds named profiles of flat dotted
//! keys:
//!
//! ```toml
//! [default]
//! provider = "aws"
//! "aws.region" = "eu-west-1"
//! "aws.option.profile" = "work"     # AWS's own named profile
//! ```
//!
//! Flags beat the file; provider-native sources (AWS environment variables
//! and shared files, ...) apply underneath, through the provider crates.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cloud::{Error, ProviderConfig, Result};

use crate::cli::Global;

/// The profiles file.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ConfigFile {
    profiles: BTreeMap<String, BTreeMap<String, String>>,
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// The profiles file's path.
pub fn config_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("CLOUD_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p).join("cloud/config.toml"));
    }
    home()
        .map(|h| h.join(".config/cloud/config.toml"))
        .ok_or_else(|| {
            Error::invalid_input("cannot find the config folder: set CLOUD_CONFIG or HOME")
        })
}

/// The data folder of the embedded providers (`$CLOUD_HOME`, else
/// `$XDG_DATA_HOME/cloud`, else `~/.local/share/cloud`).
pub fn data_dir() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("CLOUD_HOME").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = std::env::var_os("XDG_DATA_HOME").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p).join("cloud"));
    }
    home()
        .map(|h| h.join(".local/share/cloud"))
        .ok_or_else(|| Error::invalid_input("cannot find the data folder: set CLOUD_HOME or HOME"))
}

/// Keys a profile may hold, besides `PROVIDER.option.NAME`.
const FIELDS: &[&str] = &["region", "endpoint", "key", "secret"];

/// Checks a dotted key.
pub fn check_key(key: &str) -> Result<()> {
    if key == "provider" {
        return Ok(());
    }
    let parts: Vec<&str> = key.split('.').collect();
    let valid = match parts.as_slice() {
        [provider, field] => !provider.is_empty() && FIELDS.contains(field),
        [provider, "option", name] => !provider.is_empty() && !name.is_empty(),
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "`{key}` is not a config key: use provider, PROVIDER.region, PROVIDER.endpoint, PROVIDER.key, \
             PROVIDER.secret or PROVIDER.option.NAME"
        )))
    }
}

impl ConfigFile {
    /// Reads the file; a missing file is an empty one.
    pub fn load() -> Result<Self> {
        let path = config_path()?;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        toml::from_str(&text).map_err(|e| {
            Error::invalid_input(format!(
                "{} is not a valid profiles file: {e}",
                path.display()
            ))
        })
    }

    /// Writes the file, readable only by its owner (it may hold secrets).
    pub fn save(&self) -> Result<()> {
        let path = config_path()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        let text = toml::to_string_pretty(self)
            .map_err(|e| Error::invalid_input(format!("cannot encode the profiles file: {e}")))?;
        std::fs::write(&path, text)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(())
    }

    /// A profile's values (empty if it does not exist).
    pub fn profile(&self, name: &str) -> BTreeMap<String, String> {
        self.profiles.get(name).cloned().unwrap_or_default()
    }

    /// Sets a value.
    pub fn set(&mut self, profile: &str, key: &str, value: &str) {
        self.profiles
            .entry(profile.to_owned())
            .or_default()
            .insert(key.to_owned(), value.to_owned());
    }

    /// Removes a value; true if it was there.
    pub fn unset(&mut self, profile: &str, key: &str) -> bool {
        self.profiles
            .get_mut(profile)
            .is_some_and(|p| p.remove(key).is_some())
    }
}

/// Whether a key holds a secret that `config list` must hide.
pub fn is_secret_key(key: &str) -> bool {
    key.ends_with(".secret")
        || key.ends_with(".key")
        || ["token", "password", "secret"]
            .iter()
            .any(|w| key.contains(w))
}

/// Everything a command needs to build drivers.
#[derive(Debug, Clone)]
pub struct Settings {
    pub global: Global,
    pub profile: BTreeMap<String, String>,
}

impl Settings {
    pub fn new(global: &Global) -> Result<Self> {
        let profile_name = global
            .profile
            .clone()
            .unwrap_or_else(|| "default".to_owned());
        let file = ConfigFile::load()?;
        if global.profile.is_some() && file.profile(&profile_name).is_empty() {
            return Err(Error::invalid_input(format!(
                "profile `{profile_name}` is not in {}",
                config_path()?.display()
            )));
        }
        Ok(Settings {
            global: global.clone(),
            profile: file.profile(&profile_name),
        })
    }

    /// The provider for compute, load-balancer and DNS commands.
    pub fn default_provider(&self) -> String {
        self.global
            .provider
            .clone()
            .or_else(|| self.profile.get("provider").cloned())
            .unwrap_or_else(|| "memory".to_owned())
    }

    /// The configuration for `provider`: the profile's values, then flags on
    /// top. The credential and endpoint flags are for cloud providers: the
    /// embedded `local` and `memory` take theirs from the profile only, so a
    /// copy between a cloud and the local store does not send one's endpoint
    /// to the other.
    pub fn provider_config(&self, provider: &str) -> ProviderConfig {
        let embedded = provider == cloud_local::PROVIDER || provider == cloud_memory::PROVIDER;
        let flag = |value: &Option<String>| if embedded { None } else { value.clone() };
        let get = |field: &str| self.profile.get(&format!("{provider}.{field}")).cloned();
        let mut config = ProviderConfig::new();
        if let Some(v) = flag(&self.global.key).or_else(|| get("key")) {
            config = config.key(v);
        }
        if let Some(v) = flag(&self.global.secret).or_else(|| get("secret")) {
            config = config.secret(v);
        }
        if let Some(v) = flag(&self.global.region).or_else(|| get("region")) {
            config = config.region(v);
        }
        if let Some(v) = flag(&self.global.endpoint).or_else(|| get("endpoint")) {
            config = config.endpoint(v);
        }
        let prefix = format!("{provider}.option.");
        for (k, v) in &self.profile {
            if let Some(name) = k.strip_prefix(&prefix) {
                config = config.option(name, v.as_str());
            }
        }
        if !embedded {
            for (k, v) in &self.global.options {
                config = config.option(k, v.as_str());
            }
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for good in [
            "provider",
            "aws.region",
            "aws.option.profile",
            "local.endpoint",
        ] {
            assert!(check_key(good).is_ok(), "{good}");
        }
        for bad in ["region", "aws.colour", "aws.option.", ".region", "a.b.c.d"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
        assert!(is_secret_key("aws.secret") && is_secret_key("aws.option.session_token"));
        assert!(!is_secret_key("aws.region"));
    }
}
