//! A profile's `credential_process`: an external program that prints
//! credentials as JSON (`Version: 1`), as the AWS CLI documents it.

use async_trait::async_trait;
use cloud_core::credential::{Temporary, TokenProvider};
use cloud_core::{Error, ErrorKind, Result};
use serde_json::Value;

use super::{AwsCredentials, JsonFields, Reach, json_credentials};

/// The command line, run by the platform's shell.
#[derive(Debug)]
pub(crate) struct CredentialProcess {
    pub(crate) command: String,
    pub(crate) profile: String,
    pub(crate) reach: Reach,
}

impl CredentialProcess {
    fn failed(&self, what: impl std::fmt::Display) -> Error {
        Error::new(
            ErrorKind::InvalidCredentials,
            format!("credential_process of profile `{}` {what}", self.profile),
        )
        .with_provider(crate::PROVIDER)
    }
}

fn shell(command: &str) -> std::process::Command {
    if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.arg("/C").arg(command);
        c
    } else {
        let mut c = std::process::Command::new("sh");
        c.arg("-c").arg(command);
        c
    }
}

#[async_trait]
impl TokenProvider for CredentialProcess {
    type Credential = AwsCredentials;

    async fn fetch(&self) -> Result<Temporary<AwsCredentials>> {
        let mut command = shell(&self.command);
        command.stdin(std::process::Stdio::null());
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(|e| self.failed(format_args!("could not run: {e}")))?
            .map_err(|e| self.failed(format_args!("could not start: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(self.failed(format_args!(
                "failed ({}): {}",
                output.status,
                cloud_core::error::quote(stderr.trim())
            )));
        }
        let value: Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| self.failed(format_args!("printed something other than JSON: {e}")))?;
        match value.get("Version").and_then(Value::as_u64) {
            Some(1) => {}
            _ => return Err(self.failed("printed JSON without `\"Version\": 1`")),
        }
        let fields = JsonFields {
            id: "AccessKeyId",
            secret: "SecretAccessKey",
            token: "SessionToken",
            expiration: "Expiration",
        };
        let issued = json_credentials("credential_process", &value, &fields)?;
        Ok(self.reach.issued(issued))
    }
}
