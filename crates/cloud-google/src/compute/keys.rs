//! Key pairs as the project's SSH keys: the `ssh-keys` item of the
//! project's common metadata, one `user:key` line per key, which Compute
//! Engine installs on every instance that does not block project keys. A
//! key pair's name is its user. Changes rewrite the metadata under the
//! fingerprint read with it, so a concurrent change is never lost: Compute
//! Engine refuses a stale fingerprint, and the change is read and made
//! again.

use base64::Engine;
use cloud_core::http::Method;
use cloud_core::http::rest::About;
use cloud_core::{Error, ErrorKind, KeyPair, ResourceKind, Result};
use serde_json::{Value, json};

use super::GceCompute;
use super::instances::check_user;
use super::wire::{Metadata, Project};

/// The metadata key holding SSH keys.
const SSH_KEYS: &str = "ssh-keys";

/// How many times a change is made again after a concurrent one.
const ATTEMPTS: usize = 3;

/// An OpenSSH key's fingerprint as `ssh-keygen -l` prints it
/// (`SHA256:` and the unpadded base64 of the key blob's SHA-256).
fn fingerprint(public_key: &str) -> Option<String> {
    let blob = public_key.split_whitespace().nth(1)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .ok()?;
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest.as_ref())
    ))
}

/// The key pairs of an `ssh-keys` value (`user:key` lines).
fn key_pairs(value: &str) -> Vec<KeyPair> {
    value
        .lines()
        .filter_map(|line| line.trim().split_once(':'))
        .filter(|(user, key)| !user.is_empty() && !key.trim().is_empty())
        .map(|(user, key)| {
            let mut pair = KeyPair::new(user);
            pair.public_key = Some(key.trim().to_owned());
            pair.fingerprint = fingerprint(key);
            pair
        })
        .collect()
}

/// The `ssh-keys` value of `metadata` (empty when it has none).
fn ssh_keys(metadata: &Metadata) -> &str {
    metadata
        .items
        .iter()
        .find(|i| i.key == SSH_KEYS)
        .and_then(|i| i.value.as_deref())
        .unwrap_or("")
}

/// `metadata`'s items with `ssh-keys` set to `value` (dropped when empty).
fn with_ssh_keys(metadata: &Metadata, value: &str) -> Vec<Value> {
    let mut items: Vec<Value> = metadata
        .items
        .iter()
        .filter(|i| i.key != SSH_KEYS)
        .map(|i| json!({"key": i.key, "value": i.value}))
        .collect();
    if !value.is_empty() {
        items.push(json!({"key": SSH_KEYS, "value": value}));
    }
    items
}

impl GceCompute {
    /// The project's common metadata and the key pairs in it.
    pub(crate) async fn project_keys(&self) -> Result<(Metadata, Vec<KeyPair>)> {
        let url = self.url(&[], &[]).await?;
        let project: Project = self.get(url, None, "project").await?;
        let metadata = project.common_instance_metadata;
        let keys = key_pairs(ssh_keys(&metadata));
        Ok((metadata, keys))
    }

    pub(crate) async fn get_project_key(&self, name: &str) -> Result<KeyPair> {
        self.project_keys()
            .await?
            .1
            .into_iter()
            .find(|k| k.name == name)
            .ok_or_else(|| Error::not_found(ResourceKind::KeyPair, name))
    }

    /// Rewrites the project's `ssh-keys` with `edit` (which sees the
    /// current lines and answers the new ones, or an error), under the
    /// metadata's fingerprint; made again when another change came first.
    async fn edit_project_keys(
        &self,
        about: About<'_>,
        edit: impl Fn(&str) -> Result<String>,
    ) -> Result<()> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (metadata, _) = self.project_keys().await?;
            let value = edit(ssh_keys(&metadata))?;
            let body = json!({
                "fingerprint": metadata.fingerprint,
                "items": with_ssh_keys(&metadata, &value),
            });
            let url = self.url(&["setCommonInstanceMetadata"], &[]).await?;
            match self.change(Method::POST, url, Some(&body), about).await {
                Err(e) if *e.kind() == ErrorKind::PreconditionFailed && attempt < ATTEMPTS => {
                    tracing::debug!(target: "cloud_google", "project metadata changed meanwhile; again");
                }
                other => return other.map(drop),
            }
        }
    }

    pub(crate) async fn add_project_key(&self, name: &str, public_key: &str) -> Result<KeyPair> {
        check_user(name)?;
        let key = public_key.trim();
        if key.contains('\n') || fingerprint(key).is_none() {
            return Err(Error::invalid_input(
                "the public key's base64 body is invalid (one OpenSSH key on one line)",
            ));
        }
        let about = About::creating(ResourceKind::KeyPair, name);
        self.edit_project_keys(about, |current| {
            if key_pairs(current).iter().any(|k| k.name == name) {
                return Err(Error::already_exists(ResourceKind::KeyPair, name));
            }
            let mut lines: Vec<&str> = current.lines().filter(|l| !l.trim().is_empty()).collect();
            let line = format!("{name}:{key}");
            lines.push(&line);
            Ok(lines.join("\n"))
        })
        .await?;
        self.get_project_key(name).await
    }

    pub(crate) async fn remove_project_key(&self, name: &str) -> Result<()> {
        let about = About::reading(ResourceKind::KeyPair, name);
        self.edit_project_keys(about, |current| {
            let prefix = format!("{name}:");
            let kept: Vec<&str> = current
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim().starts_with(&prefix))
                .collect();
            if kept.len() == current.lines().filter(|l| !l.trim().is_empty()).count() {
                return Err(Error::not_found(ResourceKind::KeyPair, name));
            }
            Ok(kept.join("\n"))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f me@laptop";

    #[test]
    fn ssh_key_lines_are_key_pairs() {
        let pairs = key_pairs(&format!("alice:{KEY}\n\nbad line\nbob:{KEY}\n"));
        let names: Vec<&str> = pairs.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob"]);
        let print = pairs[0].fingerprint.as_deref().unwrap();
        assert!(
            print.starts_with("SHA256:") && !print.ends_with('='),
            "{print}"
        );
        assert_eq!(fingerprint("ssh-ed25519 !!!"), None);
    }
}
