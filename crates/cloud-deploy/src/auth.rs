//! The credentials a deployment logs in with, tried in the caller's order.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cloud_core::Secret;
use russh::client::{AuthResult, Handle};
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};

use crate::error::DeployError;
use crate::host_key::Client;

/// One way to log in.
///
/// ```
/// use cloud_deploy::SshAuth;
///
/// let auths = [
///     SshAuth::agent(),
///     SshAuth::key_file("~/.ssh/id_ed25519"),
///     SshAuth::key_file("deploy_rsa").passphrase("correct horse"),
///     SshAuth::password("from-the-provider"),
/// ];
/// // Secrets never print.
/// assert!(!format!("{auths:?}").contains("correct horse"));
/// ```
#[derive(Clone)]
pub struct SshAuth {
    method: Method,
}

#[derive(Clone)]
enum Method {
    KeyFile {
        path: PathBuf,
        passphrase: Option<Secret>,
    },
    KeyText {
        pem: Secret,
        passphrase: Option<Secret>,
    },
    Agent {
        socket: Option<PathBuf>,
    },
    Password(Secret),
}

impl fmt::Debug for SshAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SshAuth(")?;
        f.write_str(&self.describe())?;
        f.write_str(")")
    }
}

impl SshAuth {
    /// A private key file (OpenSSH or PEM format: Ed25519, ECDSA, RSA). A
    /// leading `~/` means the home directory.
    pub fn key_file(path: impl Into<PathBuf>) -> Self {
        SshAuth {
            method: Method::KeyFile {
                path: expand_home(path.into()),
                passphrase: None,
            },
        }
    }

    /// A private key held in memory, such as the one
    /// `Compute::create_key_pair` returns.
    pub fn key_text(pem: impl Into<Secret>) -> Self {
        SshAuth {
            method: Method::KeyText {
                pem: pem.into(),
                passphrase: None,
            },
        }
    }

    /// The passphrase that decrypts a key (for key files and key text).
    #[must_use]
    pub fn passphrase(mut self, passphrase: impl Into<Secret>) -> Self {
        match &mut self.method {
            Method::KeyFile { passphrase: p, .. } | Method::KeyText { passphrase: p, .. } => {
                *p = Some(passphrase.into());
            }
            Method::Agent { .. } | Method::Password(_) => {}
        }
        self
    }

    /// Every key of the SSH agent at `$SSH_AUTH_SOCK`.
    pub fn agent() -> Self {
        SshAuth {
            method: Method::Agent { socket: None },
        }
    }

    /// Every key of the SSH agent listening on `socket`.
    pub fn agent_at(socket: impl Into<PathBuf>) -> Self {
        SshAuth {
            method: Method::Agent {
                socket: Some(socket.into()),
            },
        }
    }

    /// A password (such as the root password a provider returns when it
    /// creates a node).
    pub fn password(password: impl Into<Secret>) -> Self {
        SshAuth {
            method: Method::Password(password.into()),
        }
    }

    /// What OpenSSH would try with no options: the agent if `SSH_AUTH_SOCK`
    /// is set, then whichever of `~/.ssh/id_ed25519`, `id_ecdsa` and `id_rsa`
    /// exist.
    pub fn defaults() -> Vec<SshAuth> {
        let mut auths = Vec::new();
        if std::env::var_os("SSH_AUTH_SOCK").is_some() {
            auths.push(SshAuth::agent());
        }
        if let Some(home) = std::env::home_dir() {
            for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
                let path = home.join(".ssh").join(name);
                if path.is_file() {
                    auths.push(SshAuth::key_file(path));
                }
            }
        }
        auths
    }

    /// How errors and logs name it (never its secret).
    pub fn describe(&self) -> String {
        match &self.method {
            Method::KeyFile { path, .. } => format!("key {}", path.display()),
            Method::KeyText { .. } => "key (in memory)".to_owned(),
            Method::Agent { socket: Some(s) } => format!("agent {}", s.display()),
            Method::Agent { socket: None } => "agent".to_owned(),
            Method::Password(_) => "password".to_owned(),
        }
    }

    /// Tries this credential on `session`; `Ok(false)` when the server refuses it.
    pub(crate) async fn try_login(
        &self,
        session: &mut Handle<Client>,
        user: &str,
    ) -> Result<bool, DeployError> {
        match &self.method {
            Method::KeyFile { path, passphrase } => {
                let key = load_key_file(path, passphrase.as_ref()).await?;
                login_with_key(session, user, key).await
            }
            Method::KeyText { pem, passphrase } => {
                let key = russh::keys::decode_secret_key(
                    pem.expose(),
                    passphrase.as_ref().map(Secret::expose),
                )
                .map_err(|e| DeployError::Key {
                    path: PathBuf::from("(in memory)"),
                    reason: key_error(&e),
                })?;
                login_with_key(session, user, key).await
            }
            Method::Agent { socket } => login_with_agent(session, user, socket.as_deref()).await,
            Method::Password(password) => {
                let result = session
                    .authenticate_password(user, password.expose())
                    .await
                    .map_err(|e| DeployError::Ssh(format!("password login: {e}")))?;
                Ok(matches!(result, AuthResult::Success))
            }
        }
    }
}

fn expand_home(path: PathBuf) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~")
        && let Some(home) = std::env::home_dir()
    {
        return home.join(rest);
    }
    path
}

fn key_error(error: &russh::keys::Error) -> String {
    match error {
        russh::keys::Error::KeyIsEncrypted => {
            "the key is encrypted: give its passphrase".to_owned()
        }
        other => format!("cannot decode it ({other}); a wrong passphrase reads this way too"),
    }
}

async fn load_key_file(
    path: &Path,
    passphrase: Option<&Secret>,
) -> Result<PrivateKey, DeployError> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|source| DeployError::LocalFile {
            path: path.to_owned(),
            source,
        })?;
    russh::keys::decode_secret_key(&text, passphrase.map(Secret::expose)).map_err(|e| {
        DeployError::Key {
            path: path.to_owned(),
            reason: key_error(&e),
        }
    })
}

/// The signature hash for an RSA key: SHA-2 when the server offers it
/// (OpenSSH 8.8+ refuses SHA-1 `ssh-rsa`); `None` for other algorithms.
async fn rsa_hash(
    session: &Handle<Client>,
    algorithm: russh::keys::Algorithm,
) -> Result<Option<russh::keys::HashAlg>, DeployError> {
    if !algorithm.is_rsa() {
        return Ok(None);
    }
    Ok(session
        .best_supported_rsa_hash()
        .await
        .map_err(|e| DeployError::Ssh(format!("negotiating the RSA signature hash: {e}")))?
        .flatten())
}

async fn login_with_key(
    session: &mut Handle<Client>,
    user: &str,
    key: PrivateKey,
) -> Result<bool, DeployError> {
    let hash = rsa_hash(session, key.algorithm()).await?;
    let result = session
        .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
        .await
        .map_err(|e| DeployError::Ssh(format!("key login: {e}")))?;
    Ok(matches!(result, AuthResult::Success))
}

async fn login_with_agent(
    session: &mut Handle<Client>,
    user: &str,
    socket: Option<&Path>,
) -> Result<bool, DeployError> {
    let socket = match socket {
        Some(s) => s.to_owned(),
        None => std::env::var_os("SSH_AUTH_SOCK")
            .map(PathBuf::from)
            .ok_or_else(|| DeployError::Agent("SSH_AUTH_SOCK is not set".into()))?,
    };
    let mut agent = russh::keys::agent::client::AgentClient::connect_uds(&socket)
        .await
        .map_err(|e| DeployError::Agent(format!("connecting to {}: {e}", socket.display())))?;
    let identities = agent
        .request_identities()
        .await
        .map_err(|e| DeployError::Agent(format!("listing its keys: {e}")))?;
    for identity in identities {
        let key = identity.public_key().into_owned();
        let hash = rsa_hash(session, key.algorithm()).await?;
        let result = session
            .authenticate_publickey_with(user, key, hash, &mut agent)
            .await
            .map_err(|e| DeployError::Agent(format!("signing: {e}")))?;
        if matches!(result, AuthResult::Success) {
            return Ok(true);
        }
    }
    Ok(false)
}
