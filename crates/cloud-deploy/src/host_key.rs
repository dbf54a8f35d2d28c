//! Deciding whether to trust the key a host offers.
//!
//! The default is OpenSSH's: the key must already be in `~/.ssh/known_hosts`.
//! A freshly created node is in no `known_hosts` file, so a deployment either
//! pins the fingerprint the provider reported (the console output of most
//! clouds prints it) or opts into accept-new, which records the key on first
//! contact like `StrictHostKeyChecking=accept-new`. A key that differs from
//! the recorded or pinned one is refused under every policy.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use russh::keys::{HashAlg, PublicKey};

use crate::error::DeployError;

/// Which host keys to trust.
///
/// ```
/// use cloud_deploy::HostKeyPolicy;
///
/// let strict = HostKeyPolicy::known_hosts();
/// let first_contact = HostKeyPolicy::known_hosts().accept_new();
/// let pinned = HostKeyPolicy::fingerprint("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
/// # let _ = (strict, first_contact, pinned);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyPolicy {
    rule: Rule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    KnownHosts {
        file: Option<PathBuf>,
        accept_new: bool,
    },
    Fingerprint(String),
}

impl Default for HostKeyPolicy {
    fn default() -> Self {
        HostKeyPolicy::known_hosts()
    }
}

impl HostKeyPolicy {
    /// Trust keys recorded in `~/.ssh/known_hosts` (the default).
    pub fn known_hosts() -> Self {
        HostKeyPolicy {
            rule: Rule::KnownHosts {
                file: None,
                accept_new: false,
            },
        }
    }

    /// Trust keys recorded in `file` instead.
    pub fn known_hosts_file(file: impl Into<PathBuf>) -> Self {
        HostKeyPolicy {
            rule: Rule::KnownHosts {
                file: Some(file.into()),
                accept_new: false,
            },
        }
    }

    /// Also trust a host the file has no key for, and record its key there.
    /// A host whose recorded key differs is still refused.
    #[must_use]
    pub fn accept_new(mut self) -> Self {
        if let Rule::KnownHosts { accept_new, .. } = &mut self.rule {
            *accept_new = true;
        }
        self
    }

    /// Trust only the key with this SHA-256 fingerprint, as `ssh-keygen -lf`
    /// prints it (`SHA256:` followed by unpadded base64).
    pub fn fingerprint(fingerprint: impl Into<String>) -> Self {
        HostKeyPolicy {
            rule: Rule::Fingerprint(fingerprint.into()),
        }
    }

    /// Whether a host unknown to `known_hosts` is trusted on first contact.
    pub fn accepts_new(&self) -> bool {
        matches!(
            self.rule,
            Rule::KnownHosts {
                accept_new: true,
                ..
            }
        )
    }

    fn known_hosts_path(file: &Option<PathBuf>) -> Result<PathBuf, String> {
        match file {
            Some(file) => Ok(file.clone()),
            None => std::env::home_dir()
                .map(|home| home.join(".ssh").join("known_hosts"))
                .ok_or_else(|| "no home directory to find ~/.ssh/known_hosts in".to_owned()),
        }
    }

    /// Judges `key` offered by `host:port`.
    fn check(&self, host: &str, port: u16, key: &PublicKey) -> Result<(), DeployError> {
        // russh compares whole keys, comments included; a host key carries
        // none, and `known_hosts` lines are read without one.
        let mut key = key.clone();
        key.set_comment("");
        let key = &key;
        let address = format!("{host}:{port}");
        let offered = key.fingerprint(HashAlg::Sha256).to_string();
        match &self.rule {
            Rule::Fingerprint(pinned) => {
                let pinned = pinned.trim();
                let bare = pinned.strip_prefix("SHA256:").unwrap_or(pinned);
                let bare = bare.trim_end_matches('=');
                if offered.strip_prefix("SHA256:") == Some(bare) {
                    Ok(())
                } else {
                    Err(DeployError::HostKeyChanged {
                        address,
                        offered,
                        recorded: format!("the pinned fingerprint {pinned}"),
                    })
                }
            }
            Rule::KnownHosts { file, accept_new } => {
                let path = Self::known_hosts_path(file).map_err(DeployError::InvalidInput)?;
                let known = if path.exists() {
                    russh::keys::check_known_hosts_path(host, port, key, &path)
                } else {
                    Ok(false)
                };
                match known {
                    Ok(true) => Ok(()),
                    Ok(false) if *accept_new => {
                        record_host_key(host, port, key, &path).map_err(|e| {
                            DeployError::Ssh(format!(
                                "recording the host key of {address} in {}: {e}",
                                path.display()
                            ))
                        })?;
                        tracing::info!(%address, fingerprint = %offered, file = %path.display(), "recorded a new host key");
                        Ok(())
                    }
                    Ok(false) => Err(DeployError::HostKeyUnknown {
                        address,
                        offered,
                        known_hosts: path,
                    }),
                    Err(russh::keys::Error::KeyChanged { line }) => {
                        Err(DeployError::HostKeyChanged {
                            address,
                            offered,
                            recorded: format!("the key on line {line} of {}", path.display()),
                        })
                    }
                    Err(e) => Err(DeployError::Ssh(format!("reading {}: {e}", path.display()))),
                }
            }
        }
    }
}

/// The russh client handler: checks the host key and keeps the reason it
/// refused one, since russh itself only reports "unknown key".
pub(crate) struct Client {
    pub(crate) policy: HostKeyPolicy,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) refusal: Arc<Mutex<Option<DeployError>>>,
}

impl russh::client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_public_key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = server_public_key else {
            *self.refusal.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(DeployError::Ssh(format!(
                    "{}:{} offered a host certificate; only plain host keys are checked",
                    self.host, self.port
                )));
            return Ok(false);
        };
        match self.policy.check(&self.host, self.port, key) {
            Ok(()) => Ok(true),
            Err(refusal) => {
                *self.refusal.lock().unwrap_or_else(|p| p.into_inner()) = Some(refusal);
                Ok(false)
            }
        }
    }
}

/// Appends `host`'s key to a `known_hosts` file as OpenSSH writes it
/// (`[host]:port` for a port other than 22), creating the file (and its
/// folder, private) if needed, with no blank line before the first entry.
fn record_host_key(
    host: &str,
    port: u16,
    key: &PublicKey,
    path: &std::path::Path,
) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        let mut folder = std::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
        folder.create(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    // A file whose last line has no newline gets one before the entry.
    let mut last = [0u8; 1];
    let needs_newline = file.seek(SeekFrom::End(-1)).is_ok()
        && file.read_exact(&mut last).is_ok()
        && last[0] != b'\n';
    let name = if port == 22 {
        host.to_owned()
    } else {
        format!("[{host}]:{port}")
    };
    let entry = key
        .to_openssh()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    let line = format!("{}{name} {entry}\n", if needs_newline { "\n" } else { "" });
    file.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test";

    fn key() -> PublicKey {
        PublicKey::from_openssh(KEY).unwrap()
    }

    #[test]
    fn pinned_fingerprints_match_with_or_without_prefix_and_padding() {
        let fingerprint = key().fingerprint(HashAlg::Sha256).to_string();
        let bare = fingerprint.trim_start_matches("SHA256:").to_owned();
        for pinned in [fingerprint.clone(), bare.clone(), format!("{bare}=")] {
            HostKeyPolicy::fingerprint(pinned)
                .check("h", 22, &key())
                .unwrap();
        }
        let error = HostKeyPolicy::fingerprint("SHA256:AAAA")
            .check("h", 22, &key())
            .unwrap_err();
        assert!(
            matches!(error, DeployError::HostKeyChanged { .. }),
            "{error}"
        );
    }

    #[test]
    fn known_hosts_unknown_new_and_changed() {
        let dir = std::env::temp_dir().join(format!("cloud-deploy-kh-{}", std::process::id()));
        let file = dir.join("known_hosts");
        let _ = std::fs::remove_dir_all(&dir);
        let strict = HostKeyPolicy::known_hosts_file(&file);
        assert!(matches!(
            strict.check("192.0.2.1", 2222, &key()),
            Err(DeployError::HostKeyUnknown { .. })
        ));
        strict
            .clone()
            .accept_new()
            .check("192.0.2.1", 2222, &key())
            .unwrap();
        strict.check("192.0.2.1", 2222, &key()).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("[192.0.2.1]:2222 ssh-ed25519 "),
            "no blank first line: {text:?}"
        );
        assert_eq!(text.lines().count(), 1);
        // Another port is another host.
        assert!(strict.check("192.0.2.1", 22, &key()).is_err());
        let other = PublicKey::from_openssh(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDuQ2bJmZ6ohhv3ntR4gyy4LrBJW6cjFfYHmTx9k7S1M other",
        )
        .unwrap();
        assert!(matches!(
            strict.clone().accept_new().check("192.0.2.1", 2222, &other),
            Err(DeployError::HostKeyChanged { .. })
        ));
        // A file whose last line lacks its newline gets one first.
        std::fs::write(&file, "example.com ssh-ed25519 AAAA").unwrap();
        strict
            .clone()
            .accept_new()
            .check("192.0.2.9", 22, &key())
            .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("AAAA\n192.0.2.9 ssh-ed25519 "), "{text:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
