//! `cloud config ...`: the profiles file.

use cloud::{Error, Result};

use crate::cli::ConfigCommand;
use crate::config::{ConfigFile, check_key, config_path, is_secret_key};
use crate::output::{self, outln};

/// What `config list` and `config get` show for `key`.
fn shown(key: &str, value: String) -> String {
    if is_secret_key(key) {
        "[redacted]".to_owned()
    } else {
        value
    }
}

pub fn run(command: ConfigCommand, profile: &str, json: bool) -> Result<()> {
    match command {
        ConfigCommand::Set { name: key, value } => {
            check_key(&key, Some(&value))?;
            ConfigFile::update(|file| {
                file.set(profile, &key, &value);
                Ok(())
            })?;
            if json {
                return output::json(&serde_json::json!({ "set": key, "profile": profile }));
            }
            outln!("set {key} in profile `{profile}`")
        }
        ConfigCommand::Get { name: key } => {
            let values = ConfigFile::load()?.profile(profile);
            let value = values.get(&key).cloned().ok_or_else(|| {
                Error::invalid_input(format!("`{key}` is not set in profile `{profile}`"))
            })?;
            // A script that needs a secret reads the file it wrote; the
            // terminal never shows one.
            let value = shown(&key, value);
            if json {
                output::json(&serde_json::json!({ "key": key, "value": value }))
            } else {
                outln!("{value}")
            }
        }
        ConfigCommand::Unset { name: key } => ConfigFile::update(|file| {
            if file.unset(profile, &key) {
                Ok(())
            } else {
                Err(Error::invalid_input(format!(
                    "`{key}` is not set in profile `{profile}`"
                )))
            }
        }),
        ConfigCommand::List => {
            let values: Vec<(String, String)> = ConfigFile::load()?
                .profile(profile)
                .into_iter()
                .map(|(k, v)| {
                    let v = shown(&k, v);
                    (k, v)
                })
                .collect();
            if json {
                let map: serde_json::Map<String, serde_json::Value> =
                    values.into_iter().map(|(k, v)| (k, v.into())).collect();
                return output::json(&map);
            }
            let rows: Vec<Vec<String>> = values.into_iter().map(|(k, v)| vec![k, v]).collect();
            output::table(&["key", "value"], &rows)
        }
        ConfigCommand::Path => outln!("{}", config_path()?.display()),
    }
}
