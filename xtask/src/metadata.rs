//! What the xtask knows about providers, read from the manifests
//! (`cargo metadata`) rather than from lists kept here: the provider crates
//! are the umbrella's optional dependencies, a provider's features are the
//! umbrella features that reach one of them, and a crate's recordable
//! fixtures are declared in its own `[package.metadata.cloud.fixtures]`,
//! the test servers its live suites need in `[[package.metadata.cloud.servers]]`
//! and the test credentials fixtures must never hold in
//! `package.metadata.cloud.test-secrets`. Adding a provider therefore needs
//! no edit in the xtask.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::{cargo, workspace_root};

/// The workspace's manifests, as `cargo metadata --no-deps` reports them.
pub(crate) struct Workspace {
    packages: Vec<Value>,
}

/// How a provider crate re-records its fixtures, from
/// `[package.metadata.cloud.fixtures]` in its `Cargo.toml`.
pub(crate) struct Recordable {
    /// The provider name `cargo xtask fixtures record NAME` takes.
    pub(crate) provider: String,
    /// The package whose tests record them.
    pub(crate) package: String,
    /// The modules of its `tests/it` binary that record them.
    pub(crate) tests: Vec<String>,
    /// The folders under `fixtures/` they rewrite.
    pub(crate) folders: Vec<String>,
}

/// A test server a provider crate declares in
/// `[[package.metadata.cloud.servers]]`: what to install when it is
/// missing, the command that runs it in the foreground, and the variables
/// that tell the tests where it is.
///
/// ```toml
/// [[package.metadata.cloud.servers]]
/// name = "powerdns"                      # cargo xtask servers NAME
/// apt = ["pdns-server"]                  # installed when `installed` is not on PATH
/// pip = []                               # pip packages, installed when `installed` is missing
/// installed = "pdns_server"              # a program that proves it is installed
/// command = ["sh", "{crate}/tests/powerdns.sh", "{dir}", "{port}", "{port2}"]
/// ports = 2                              # {port} is the one waited on
/// env = { CLOUD_TEST_POWERDNS_URL = "http://127.0.0.1:{port}" }
/// ```
///
/// In `command` and `env`, `{port}` (and `{port2}`...) are free loopback
/// ports, `{dir}` the server's own fresh folder, `{crate}` the crate's folder
/// and `{root}` the workspace's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeclaredServer {
    pub(crate) name: String,
    pub(crate) package: String,
    pub(crate) crate_dir: std::path::PathBuf,
    pub(crate) apt: Vec<String>,
    pub(crate) pip: Vec<String>,
    pub(crate) installed: Option<String>,
    pub(crate) command: Vec<String>,
    pub(crate) ports: usize,
    pub(crate) env: Vec<(String, String)>,
}

/// A system library a crate links (`[package.metadata.cloud.system-lib]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SystemLib {
    pub(crate) package: String,
    pub(crate) pkg_config: String,
    pub(crate) apt: Vec<String>,
}

/// A list of strings under `key` of `table` (absent is empty).
fn string_list(table: &Value, key: &str, what: &str) -> Result<Vec<String>, String> {
    match table.get(key) {
        None => Ok(Vec::new()),
        Some(list) => list
            .as_array()
            .ok_or_else(|| format!("{what}.{key} is not a list"))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{what}.{key} holds a non-string"))
            })
            .collect(),
    }
}

impl Workspace {
    pub(crate) fn load() -> Result<Workspace, String> {
        let output = cargo()
            .current_dir(workspace_root())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let value: Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("cargo metadata printed something unexpected: {e}"))?;
        let packages = value
            .get("packages")
            .and_then(Value::as_array)
            .cloned()
            .ok_or("cargo metadata printed no packages")?;
        Ok(Workspace { packages })
    }

    fn package(&self, name: &str) -> Result<&Value, String> {
        self.packages
            .iter()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
            .ok_or_else(|| format!("no package `{name}` in the workspace"))
    }

    /// The provider crates: the `cloud` crate's optional dependencies (and
    /// `cloud-deploy`, gated the same way and held to the same boundaries).
    pub(crate) fn provider_crates(&self) -> Result<Vec<String>, String> {
        let umbrella = self.package("cloud")?;
        let crates = umbrella
            .get("dependencies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|d| d.get("optional").and_then(Value::as_bool) == Some(true))
            .filter(|d| d.get("kind").is_none_or(Value::is_null))
            .filter_map(|d| d.get("name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect::<BTreeSet<_>>();
        Ok(crates.into_iter().collect())
    }

    /// Every feature of the `cloud` crate with the provider crates it turns
    /// on, following features that name other features.
    pub(crate) fn umbrella_features(&self) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        let umbrella = self.package("cloud")?;
        let table: BTreeMap<String, Vec<String>> = umbrella
            .get("features")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, list)| {
                let items = list
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                (name.clone(), items)
            })
            .collect();
        let providers = self.provider_crates()?;
        let mut out = BTreeMap::new();
        for name in table.keys() {
            let mut reached = BTreeSet::new();
            let mut seen = BTreeSet::new();
            let mut todo = vec![name.clone()];
            while let Some(feature) = todo.pop() {
                if !seen.insert(feature.clone()) {
                    continue;
                }
                for item in table.get(&feature).into_iter().flatten() {
                    let target = item
                        .strip_prefix("dep:")
                        .or_else(|| item.split_once('/').map(|(d, _)| d.trim_end_matches('?')));
                    match target {
                        Some(krate) if providers.iter().any(|p| p == krate) => {
                            reached.insert(krate.to_owned());
                        }
                        Some(_) => {}
                        None => todo.push(item.clone()),
                    }
                }
            }
            out.insert(name.clone(), reached);
        }
        Ok(out)
    }

    /// The test servers the crates declare, in package order.
    pub(crate) fn servers(&self) -> Result<Vec<DeclaredServer>, String> {
        let mut out = Vec::new();
        for package in &self.packages {
            let Some(list) = package.pointer("/metadata/cloud/servers") else {
                continue;
            };
            let krate = package.get("name").and_then(Value::as_str).unwrap_or("?");
            let manifest = package
                .get("manifest_path")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{krate}: no manifest path"))?;
            let crate_dir = std::path::Path::new(manifest)
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            let list = list.as_array().ok_or_else(|| {
                format!("{krate}: metadata.cloud.servers is not a list of tables")
            })?;
            for table in list {
                let what = format!("{krate}: metadata.cloud.servers");
                let name = table
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{what}: a server has no name"))?;
                let what = format!("{what} `{name}`");
                let command = string_list(table, "command", &what)?;
                if command.is_empty() {
                    return Err(format!("{what} has no command"));
                }
                let env = table
                    .get("env")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| {
                        v.as_str()
                            .map(|v| (k.clone(), v.to_owned()))
                            .ok_or_else(|| format!("{what}: env.{k} is not a string"))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                out.push(DeclaredServer {
                    name: name.to_owned(),
                    package: krate.to_owned(),
                    crate_dir: crate_dir.clone(),
                    apt: string_list(table, "apt", &what)?,
                    pip: string_list(table, "pip", &what)?,
                    installed: table
                        .get("installed")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    command,
                    ports: table
                        .get("ports")
                        .and_then(Value::as_u64)
                        .unwrap_or(1)
                        .max(1) as usize,
                    env,
                });
            }
        }
        Ok(out)
    }

    /// The system libraries crates link, from
    /// `[package.metadata.cloud.system-lib]` (`pkg-config` name and the
    /// Debian packages that provide it).
    pub(crate) fn system_libs(&self) -> Result<Vec<SystemLib>, String> {
        let mut out = Vec::new();
        for package in &self.packages {
            let Some(table) = package.pointer("/metadata/cloud/system-lib") else {
                continue;
            };
            let krate = package.get("name").and_then(Value::as_str).unwrap_or("?");
            let what = format!("{krate}: metadata.cloud.system-lib");
            out.push(SystemLib {
                package: krate.to_owned(),
                pkg_config: table
                    .get("pkg-config")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{what}.pkg-config is missing"))?
                    .to_owned(),
                apt: string_list(table, "apt", &what)?,
            });
        }
        Ok(out)
    }

    /// The credentials the crates' test servers are started with, which no
    /// recorded fixture may hold (`package.metadata.cloud.test-secrets`).
    pub(crate) fn test_secrets(&self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for package in &self.packages {
            if let Some(cloud) = package.pointer("/metadata/cloud") {
                let krate = package.get("name").and_then(Value::as_str).unwrap_or("?");
                out.extend(string_list(
                    cloud,
                    "test-secrets",
                    &format!("{krate}: metadata.cloud"),
                )?);
            }
        }
        Ok(out)
    }

    /// The fixtures each provider crate declares it can re-record.
    pub(crate) fn recordable(&self) -> Result<Vec<Recordable>, String> {
        let mut out = Vec::new();
        for package in &self.packages {
            let Some(fixtures) = package.pointer("/metadata/cloud/fixtures") else {
                continue;
            };
            let name = package.get("name").and_then(Value::as_str).unwrap_or("?");
            let strings = |key: &str| -> Result<Vec<String>, String> {
                fixtures
                    .get(key)
                    .and_then(Value::as_array)
                    .ok_or_else(|| format!("{name}: metadata.cloud.fixtures.{key} is not a list"))?
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| {
                            format!("{name}: metadata.cloud.fixtures.{key} holds a non-string")
                        })
                    })
                    .collect()
            };
            out.push(Recordable {
                provider: fixtures
                    .get("provider")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{name}: metadata.cloud.fixtures.provider is missing"))?
                    .to_owned(),
                package: name.to_owned(),
                tests: strings("tests")?,
                folders: strings("folders")?,
            });
        }
        out.sort_by(|a, b| a.provider.cmp(&b.provider));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifests_name_the_providers_and_their_features() {
        let workspace = Workspace::load().unwrap();
        let crates = workspace.provider_crates().unwrap();
        for krate in [
            "cloud-memory",
            "cloud-local",
            "cloud-aws",
            "cloud-openstack",
        ] {
            assert!(crates.iter().any(|c| c == krate), "{krate} in {crates:?}");
        }
        assert!(!crates.iter().any(|c| c == "cloud-core"));
        let features = workspace.umbrella_features().unwrap();
        let only = |f: &str| features[f].iter().cloned().collect::<Vec<_>>();
        assert_eq!(only("aws"), ["cloud-aws"]);
        assert_eq!(only("aws-s3"), ["cloud-aws"]);
        assert_eq!(only("rackspace"), ["cloud-openstack"]);
        assert!(features["storage"].is_empty());
        let recordable = workspace.recordable().unwrap();
        let names: Vec<&str> = recordable.iter().map(|r| r.provider.as_str()).collect();
        for provider in ["aws", "openstack", "gandi", "cloudsigma", "google"] {
            assert!(names.contains(&provider), "{provider} in {names:?}");
        }
        let servers = workspace.servers().unwrap();
        let names: Vec<&str> = servers.iter().map(|s| s.name.as_str()).collect();
        for server in ["gandi-livedns", "cloudsigma", "reference"] {
            assert!(names.contains(&server), "{server} in {names:?}");
        }
        let libs = workspace.system_libs().unwrap();
        assert!(libs.iter().any(|l| l.pkg_config == "libvirt"), "{libs:?}");
        let secrets = workspace.test_secrets().unwrap();
        assert!(
            secrets.iter().any(|s| s == "pat_cloudtest-livedns"),
            "{secrets:?}"
        );
    }
}
