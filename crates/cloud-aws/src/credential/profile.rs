//! The shared `config` and `credentials` files of the AWS CLI and SDKs.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use cloud_core::{Environment, Error, Result};

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
    /// A setting; empty values count as unset.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Parses the INI dialect of the shared files into `section -> key -> value`.
/// In the config file, profiles other than `default` are `[profile NAME]`
/// and SSO sessions `[sso-session NAME]` (kept under that whole header).
pub(crate) fn parse_ini(text: &str, config_file: bool) -> HashMap<String, HashMap<String, String>> {
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = section_name(header.trim(), config_file);
            continue;
        }
        let (Some(section), Some((key, value))) = (&current, line.split_once('=')) else {
            continue;
        };
        // Nested settings (`s3 =` followed by indented lines) are not used here.
        sections
            .entry(section.clone())
            .or_default()
            .insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    sections
}

fn section_name(header: &str, config_file: bool) -> Option<String> {
    if !config_file || header == "default" {
        return Some(header.to_owned());
    }
    if let Some(session) = header.strip_prefix("sso-session") {
        let session = session.trim();
        return (!session.is_empty()).then(|| format!("sso-session {session}"));
    }
    header
        .strip_prefix("profile")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// Both shared files, parsed once.
#[derive(Debug, Default, Clone)]
pub(crate) struct ProfileFiles {
    /// Config-file sections, then credentials-file sections over them.
    sections: HashMap<String, Profile>,
}

impl ProfileFiles {
    /// Reads `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` (default
    /// `~/.aws/config` and `~/.aws/credentials`); missing files are empty.
    pub(crate) fn load(env: &Environment) -> Result<Self> {
        let mut files = ProfileFiles::default();
        let sources = [
            (shared_file(env, "AWS_CONFIG_FILE", "config"), true),
            (
                shared_file(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials"),
                false,
            ),
        ];
        // Config first, so the credentials file wins where both set a key.
        for (path, is_config) in sources {
            let Some(path) = path else { continue };
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
            };
            for (name, values) in parse_ini(&text, is_config) {
                files
                    .sections
                    .entry(name)
                    .or_default()
                    .values
                    .extend(values);
            }
        }
        Ok(files)
    }

    /// Where the shared files are looked for (config, credentials), for
    /// messages.
    pub(crate) fn paths(env: &Environment) -> String {
        let shown = |var: &str, default: &str| {
            shared_file(env, var, default)
                .map_or_else(|| format!("~/.aws/{default}"), |p| p.display().to_string())
        };
        format!(
            "{} and {}",
            shown("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
            shown("AWS_CONFIG_FILE", "config")
        )
    }

    /// The profile `name`, if either file has it.
    pub(crate) fn profile(&self, name: &str) -> Option<&Profile> {
        if name.starts_with("sso-session ") {
            return None;
        }
        self.sections.get(name)
    }

    /// The `[sso-session NAME]` section of the config file.
    pub(crate) fn sso_session(&self, name: &str) -> Option<&Profile> {
        self.sections.get(&format!("sso-session {name}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_sections_name_profiles_and_sso_sessions() {
        let sections = parse_ini(
            "[default]\nregion=a\n[profile x]\nregion = b\n[sso-session corp]\nsso_region=c\n[bogus]\nk=v\n",
            true,
        );
        assert_eq!(sections["default"]["region"], "a");
        assert_eq!(sections["x"]["region"], "b");
        assert_eq!(sections["sso-session corp"]["sso_region"], "c");
        assert!(!sections.contains_key("bogus"));
        let credentials = parse_ini("[profile x]\nk=v\n", false);
        assert!(credentials.contains_key("profile x"));
    }
}
