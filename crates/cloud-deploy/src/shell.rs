//! Building the POSIX `sh` command lines the steps run on the node.
//!
//! SSH runs a command line through the login shell, so every caller-given
//! word (a path, an argument, an environment value) is single-quoted here
//! and nowhere else; a NUL byte cannot be passed through a shell at all and
//! is refused.

use crate::error::DeployError;

/// `word` as one single-quoted shell word.
pub(crate) fn quote(word: &str) -> Result<String, DeployError> {
    if word.contains('\0') {
        return Err(DeployError::InvalidInput(
            "a NUL byte cannot be passed to a remote shell".into(),
        ));
    }
    let mut quoted = String::with_capacity(word.len() + 2);
    quoted.push('\'');
    for c in word.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    Ok(quoted)
}

/// Whether `name` may be an environment variable name.
pub(crate) fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `env K='v' ...` (empty when there is no variable), with a trailing space.
pub(crate) fn env_prefix(env: &[(String, String)]) -> Result<String, DeployError> {
    if env.is_empty() {
        return Ok(String::new());
    }
    let mut prefix = String::from("env ");
    for (name, value) in env {
        if !is_env_name(name) {
            return Err(DeployError::InvalidInput(format!(
                "`{name}` is not a valid environment variable name"
            )));
        }
        prefix.push_str(name);
        prefix.push('=');
        prefix.push_str(&quote(value)?);
        prefix.push(' ');
    }
    Ok(prefix)
}

/// Wraps `script` (a shell command line) so it runs as root through
/// non-interactive sudo when `sudo` is set.
pub(crate) fn with_sudo(script: &str, sudo: bool) -> Result<String, DeployError> {
    if sudo {
        Ok(format!("sudo -n sh -c {}", quote(script)?))
    } else {
        Ok(script.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_single_quotes_and_refuses_nul() {
        assert_eq!(quote("plain").unwrap(), "'plain'");
        assert_eq!(quote("it's").unwrap(), "'it'\\''s'");
        assert_eq!(quote("$(rm -rf /)").unwrap(), "'$(rm -rf /)'");
        assert!(quote("a\0b").is_err());
    }

    #[test]
    fn env_names_are_checked() {
        assert_eq!(
            env_prefix(&[("A_1".into(), "x y".into())]).unwrap(),
            "env A_1='x y' "
        );
        assert!(env_prefix(&[("1A".into(), "x".into())]).is_err());
        assert!(env_prefix(&[("A;rm".into(), "x".into())]).is_err());
        assert_eq!(env_prefix(&[]).unwrap(), "");
    }
}
