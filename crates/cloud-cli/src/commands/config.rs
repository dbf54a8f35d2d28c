//! `cloud config ...`: the profiles file.

use cloud::{Error, Result};

use crate::cli::ConfigCommand;
use crate::config::{ConfigFile, check_key, config_path, is_secret_key};
use crate::output;

pub fn run(command: ConfigCommand, profile: &str, json: bool) -> Result<()> {
    let mut file = ConfigFile::load()?;
    match command {
        ConfigCommand::Set { key, value } => {
            check_key(&key)?;
            file.set(profile, &key, &value);
            file.save()?;
            if !json {
                println!("set {key} in profile `{profile}`");
            }
            Ok(())
        }
        ConfigCommand::Get { key } => {
            let values = file.profile(profile);
            let value = values.get(&key).ok_or_else(|| {
                Error::invalid_input(format!("`{key}` is not set in profile `{profile}`"))
            })?;
            if json {
                output::json(&serde_json::json!({ "key": key, "value": value }))
            } else {
                println!("{value}");
                Ok(())
            }
        }
        ConfigCommand::Unset { key } => {
            if !file.unset(profile, &key) {
                return Err(Error::invalid_input(format!(
                    "`{key}` is not set in profile `{profile}`"
                )));
            }
            file.save()
        }
        ConfigCommand::List => {
            let values: Vec<(String, String)> = file
                .profile(profile)
                .into_iter()
                .map(|(k, v)| {
                    let shown = if is_secret_key(&k) {
                        "[redacted]".to_owned()
                    } else {
                        v
                    };
                    (k, shown)
                })
                .collect();
            if json {
                let map: serde_json::Map<String, serde_json::Value> =
                    values.into_iter().map(|(k, v)| (k, v.into())).collect();
                return output::json(&map);
            }
            let rows: Vec<Vec<String>> = values.into_iter().map(|(k, v)| vec![k, v]).collect();
            output::table(&["key", "value"], &rows);
            Ok(())
        }
        ConfigCommand::Path => {
            println!("{}", config_path()?.display());
            Ok(())
        }
    }
}
