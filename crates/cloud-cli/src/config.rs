//! Where settings come from: flags, environment, then the profiles file.
//!
//! The profiles file (`$CLOUD_CONFIG`, else `$XDG_CONFIG_HOME/cloud/config.toml`,
//! else `~/.config/cloud/config.toml`) holds named profiles of flat dotted
//! keys:
//!
//! ```toml
//! [default]
//! provider = "aws"
//! timeout = "30s"
//! "aws.region" = "eu-west-1"
//! "aws.option.profile" = "work"     # AWS's own named profile
//! ```
//!
//! Flags beat the file; provider-native sources (AWS environment variables
//! and shared files, ...) apply underneath, through the provider crates.
//!
//! The file may hold secrets: it is created with mode 0600 (its folder
//! 0700) before the first byte is written, and replaced atomically under a
//! lock, so neither a watcher nor a concurrent `config set` sees it half
//! written or loses an update. Which values are secret is declared by each
//! provider next to its options ([`cloud::ConfigOption`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cloud::{ConfigOption, Error, ProviderConfig, Registry, Result};

use crate::cli::{Global, parse_duration};

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

/// Keys a profile may hold on its own, for every provider.
const GLOBAL_KEYS: &[&str] = &["provider", "timeout", "connect_timeout", "retries"];
/// Keys a profile may hold per provider, besides `PROVIDER.option.NAME`.
const FIELDS: &[&str] = &[
    "region",
    "endpoint",
    "key",
    "secret",
    "timeout",
    "connect_timeout",
    "retries",
];
/// Fields that hold credentials.
const SECRET_FIELDS: &[&str] = &["key", "secret"];

/// The options `provider` declares, if it is compiled in.
fn declared_options(provider: &str) -> Option<&'static [ConfigOption]> {
    Registry::new().description(provider).map(|d| d.options)
}

/// Checks a dotted key, and the value of the keys whose form is known.
pub fn check_key(key: &str, value: Option<&str>) -> Result<()> {
    let parts: Vec<&str> = key.split('.').collect();
    let field = match parts.as_slice() {
        [name] if GLOBAL_KEYS.contains(name) => *name,
        [provider, field] if !provider.is_empty() && FIELDS.contains(field) => *field,
        [provider, "option", name] if !provider.is_empty() && !name.is_empty() => {
            if let Some(known) = declared_options(provider) {
                let Some(option) = ConfigOption::find(known, name) else {
                    return Err(cloud::config::unknown_option(provider, name, known));
                };
                if let Some(value) = value {
                    option.check_value(provider, value)?;
                }
            }
            return Ok(());
        }
        _ => {
            return Err(Error::invalid_input(format!(
                "`{}` is not a config key: use provider, timeout, connect_timeout, retries, \
                 PROVIDER.region, PROVIDER.endpoint, PROVIDER.key, PROVIDER.secret, \
                 PROVIDER.timeout, PROVIDER.connect_timeout, PROVIDER.retries or PROVIDER.option.NAME",
                cloud::error::quote(key)
            )));
        }
    };
    match (field, value) {
        ("timeout" | "connect_timeout", Some(v)) => parse_duration(v)
            .map(drop)
            .map_err(|e| Error::invalid_input(format!("{field}: {e}"))),
        ("retries", Some(v)) => v
            .parse::<u32>()
            .map(drop)
            .map_err(|_| Error::invalid_input("retries must be a whole number")),
        _ => Ok(()),
    }
}

/// Whether a key holds a secret that `config list` must hide: the
/// credential fields, and options their provider declares secret. An option
/// of a provider this build does not know is hidden, since nothing says it
/// is safe to show.
pub fn is_secret_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    match parts.as_slice() {
        [_, field] => SECRET_FIELDS.contains(field),
        [provider, "option", name] => declared_options(provider)
            .and_then(|known| ConfigOption::find(known, name))
            .is_none_or(ConfigOption::is_secret),
        _ => false,
    }
}

/// Holds the profiles file's lock until dropped.
struct Locked(std::fs::File);

impl Drop for Locked {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// Creates `dir` (and its parents) readable only by the owner.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))
}

/// Opens a new file that only the owner may read, from its first byte.
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

impl ConfigFile {
    /// Reads the file; a missing file is an empty one.
    pub fn load() -> Result<Self> {
        Self::load_from(&config_path()?)
    }

    fn load_from(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
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

    /// Reads the file, applies `change` and writes the result, under an
    /// exclusive lock (so concurrent changes are not lost). Nothing is
    /// written if `change` fails.
    pub fn update<T>(change: impl FnOnce(&mut ConfigFile) -> Result<T>) -> Result<T> {
        let path = config_path()?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        create_private_dir(&dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lock_path = dir.join(format!(".{name}.lock"));
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let lock = options
            .open(&lock_path)
            .map_err(|e| Error::io(format!("opening {}", lock_path.display()), e))?;
        lock.lock()
            .map_err(|e| Error::io(format!("locking {}", lock_path.display()), e))?;
        let _locked = Locked(lock);
        let mut file = Self::load_from(&path)?;
        let out = change(&mut file)?;
        file.save_to(&dir, &name, &path)?;
        Ok(out)
    }

    /// Writes the file atomically: a new private file, renamed over the old.
    fn save_to(&self, dir: &Path, name: &str, path: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self)
            .map_err(|e| Error::invalid_input(format!("cannot encode the profiles file: {e}")))?;
        // Temporary files of writers killed mid-write (the lock is held, so
        // no live writer owns one).
        if let Ok(entries) = std::fs::read_dir(dir) {
            let prefix = format!(".{name}.tmp-");
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let temp = dir.join(format!(".{name}.tmp-{}", cloud::unique::unique_token()));
        let written = create_private_file(&temp)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
            .and_then(|()| std::fs::rename(&temp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(Error::io(format!("writing {}", path.display()), e));
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

    /// A duration from the flag, else the provider's key, else the profile's.
    fn duration(
        &self,
        flag: Option<Duration>,
        provider: &str,
        key: &str,
    ) -> Result<Option<Duration>> {
        if flag.is_some() {
            return Ok(flag);
        }
        let text = self
            .profile
            .get(&format!("{provider}.{key}"))
            .or_else(|| self.profile.get(key));
        text.map(|t| parse_duration(t).map_err(|e| Error::invalid_input(format!("{key}: {e}"))))
            .transpose()
    }

    /// The configuration for `provider`: the profile's values, then flags on
    /// top. The credential and endpoint flags are for cloud providers: the
    /// embedded `local` and `memory` take theirs from the profile only, so a
    /// copy between a cloud and the local store does not send one's endpoint
    /// to the other. `-o` options go to every provider of the command that
    /// declares them; one that none declares is refused
    /// ([`check_flag_options`](Self::check_flag_options)).
    pub fn provider_config(&self, provider: &str) -> Result<ProviderConfig> {
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
        if let Some(t) = self.duration(self.global.timeout, provider, "timeout")? {
            config = config.timeout(t);
        }
        if let Some(t) = self.duration(self.global.connect_timeout, provider, "connect_timeout")? {
            config = config.connect_timeout(t);
        }
        let retries = match self.global.retries {
            Some(n) => Some(n),
            None => get("retries")
                .or_else(|| self.profile.get("retries").cloned())
                .map(|t| {
                    t.parse::<u32>()
                        .map_err(|_| Error::invalid_input("retries must be a whole number"))
                })
                .transpose()?,
        };
        if let Some(n) = retries {
            config = config.retries(n);
        }
        let prefix = format!("{provider}.option.");
        for (k, v) in &self.profile {
            if let Some(name) = k.strip_prefix(&prefix) {
                config = config.option(name, v.as_str());
            }
        }
        let declared = declared_options(provider);
        for (k, v) in &self.global.options {
            let known = declared.is_none_or(|d| ConfigOption::find(d, k).is_some());
            if known {
                config = config.option(k, v.as_str());
            }
        }
        Ok(config)
    }

    /// Refuses a `-o` option that none of `providers` declares, naming
    /// what each of them would take.
    pub fn check_flag_options(&self, providers: &[&str]) -> Result<()> {
        for (name, _) in &self.global.options {
            let known_somewhere = providers
                .iter()
                .any(|p| declared_options(p).is_none_or(|d| ConfigOption::find(d, name).is_some()));
            if !known_somewhere {
                let first = providers.first().copied().unwrap_or("memory");
                let known = declared_options(first).unwrap_or(&[]);
                return Err(cloud::config::unknown_option(first, name, known));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for good in [
            "provider",
            "timeout",
            "aws.region",
            "aws.option.profile",
            "local.endpoint",
            "aws.retries",
        ] {
            assert!(check_key(good, None).is_ok(), "{good}");
        }
        for bad in [
            "region",
            "aws.colour",
            "aws.option.",
            ".region",
            "a.b.c.d",
            "aws.option.colour",
        ] {
            assert!(check_key(bad, None).is_err(), "{bad}");
        }
        assert!(check_key("timeout", Some("soon")).is_err());
        assert!(check_key("aws.timeout", Some("5s")).is_ok());
        assert!(check_key("retries", Some("-1")).is_err());
    }

    #[test]
    fn secrets_are_declared_by_their_provider() {
        assert!(is_secret_key("aws.secret") && is_secret_key("aws.key"));
        assert!(is_secret_key("aws.option.session_token"));
        assert!(!is_secret_key("aws.option.path_style"));
        assert!(!is_secret_key("aws.region"));
        // Declared secret although nothing in the name says so.
        assert!(is_secret_key("openstack.option.temp_url_key"));
        assert!(!is_secret_key("openstack.option.project_name"));
        // Unknown provider: hidden, to be safe.
        assert!(is_secret_key("nimbus.option.anything"));
        assert!(!is_secret_key("provider") && !is_secret_key("timeout"));
    }
}
