//! What a storage argument names: `PROVIDER://container/key`, a local path,
//! or `-` for standard input or output.

use std::path::PathBuf;

use cloud::{Error, Result};

/// A parsed storage argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An object store: a provider, maybe a container, and a key or prefix
    /// (empty for the container itself).
    Remote {
        provider: String,
        container: Option<String>,
        key: String,
    },
    /// A file or folder on this machine.
    Local(PathBuf),
    /// Standard input or output.
    Std,
}

impl Location {
    /// Parses an argument. Anything without `://` is a local path.
    pub fn parse(text: &str) -> Result<Location> {
        if text == "-" {
            return Ok(Location::Std);
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return Ok(Location::Local(PathBuf::from(text)));
        };
        let valid_scheme = !scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_scheme {
            return Err(Error::invalid_input(format!(
                "`{text}` is not a storage URL: expected PROVIDER://container/key"
            )));
        }
        let (container, key) = match rest.split_once('/') {
            Some((c, k)) => (c, k),
            None => (rest, ""),
        };
        Ok(Location::Remote {
            provider: scheme.to_owned(),
            container: (!container.is_empty()).then(|| container.to_owned()),
            key: key.to_owned(),
        })
    }
}

/// The container and key of a remote location that must name an object.
pub fn object_of(text: &str) -> Result<(String, String, String)> {
    match Location::parse(text)? {
        Location::Remote {
            provider,
            container: Some(container),
            key,
        } if !key.is_empty() => Ok((provider, container, key)),
        _ => Err(Error::invalid_input(format!(
            "`{text}` does not name an object: expected PROVIDER://container/key"
        ))),
    }
}

/// The provider and container of a remote location that must name a container.
pub fn container_of(text: &str) -> Result<(String, String)> {
    match Location::parse(text)? {
        Location::Remote {
            provider,
            container: Some(container),
            key,
        } if key.is_empty() || key == "/" => Ok((provider, container)),
        _ => Err(Error::invalid_input(format!(
            "`{text}` does not name a container: expected PROVIDER://container"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            Location::parse("aws://bucket/a/b.txt").unwrap(),
            Location::Remote {
                provider: "aws".into(),
                container: Some("bucket".into()),
                key: "a/b.txt".into()
            }
        );
        assert_eq!(
            Location::parse("local://").unwrap(),
            Location::Remote {
                provider: "local".into(),
                container: None,
                key: String::new()
            }
        );
        assert_eq!(
            Location::parse("./dir/file").unwrap(),
            Location::Local("./dir/file".into())
        );
        assert_eq!(Location::parse("-").unwrap(), Location::Std);
        assert!(Location::parse("AWS://b/k").is_err());
        assert!(Location::parse("://b/k").is_err());
        assert!(object_of("aws://bucket/").is_err());
        assert!(container_of("aws://bucket").is_ok());
        assert!(container_of("aws://bucket/key").is_err());
    }
}
