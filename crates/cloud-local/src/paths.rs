//! Where containers, objects and their metadata live on disk, and which
//! names are refused because they could escape the folder.
//!
//! Object names map to nested paths (`a/b/c.txt` is the file `c.txt` in
//! folders `a/b` of the container), so the data folder is browsable as is.
//! A name is refused before any file is touched if any segment is empty,
//! `.` or `..`, or if it starts with `/`: no name can reach outside its
//! container. Metadata sidecars live apart, under `.cloud/`, keyed by a hash
//! of the name, so they never appear among objects.

use std::path::{Component, Path, PathBuf};

use cloud_core::{Error, Result};
use md5::{Digest, Md5};

/// Folder under the root for the driver's own files; containers cannot start with `.`.
pub(crate) const STATE_DIR: &str = ".cloud";

/// The on-disk layout of one account.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    root: PathBuf,
}

impl Layout {
    pub(crate) fn new(root: PathBuf) -> Self {
        Layout { root }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn container(&self, container: &str) -> PathBuf {
        self.root.join(container)
    }

    pub(crate) fn object(&self, container: &str, name: &str) -> PathBuf {
        let mut path = self.container(container);
        for segment in name.split('/') {
            path.push(segment);
        }
        path
    }

    pub(crate) fn meta_dir(&self, container: &str) -> PathBuf {
        self.root.join(STATE_DIR).join("meta").join(container)
    }

    pub(crate) fn meta(&self, container: &str, name: &str) -> PathBuf {
        self.meta_dir(container).join(format!(
            "{}.json",
            hex::encode(Md5::digest(name.as_bytes()))
        ))
    }

    pub(crate) fn tmp_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR).join("tmp")
    }
}

/// The local driver's container rules on top of the portable ones.
pub(crate) fn check_container(name: &str) -> Result<()> {
    if name.starts_with('.') {
        return Err(Error::invalid_input(format!(
            "container name `{name}` must not start with `.` (reserved for the driver's own files)"
        )));
    }
    if name.len() > 255 {
        return Err(Error::invalid_input(
            "container name is longer than 255 bytes",
        ));
    }
    Ok(())
}

/// The local driver's object rules on top of the portable ones.
pub(crate) fn check_object(name: &str) -> Result<()> {
    if name.starts_with('/') {
        return Err(Error::invalid_input(format!(
            "object name `{name}` must not be an absolute path"
        )));
    }
    for segment in name.split('/') {
        match segment {
            "" => {
                return Err(Error::invalid_input(format!(
                    "object name `{name}` has an empty path segment"
                )));
            }
            "." | ".." => {
                return Err(Error::invalid_input(format!(
                    "object name `{name}` must not contain `{segment}` segments"
                )));
            }
            s if s.len() > 255 => {
                return Err(Error::invalid_input(format!(
                    "a segment of object name `{name}` is longer than 255 bytes"
                )));
            }
            _ => {}
        }
    }
    // Belt and braces: the mapped path must consist of plain components.
    let relative = Path::new(name);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(Error::invalid_input(format!(
            "object name `{name}` is not a plain relative path"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        for bad in [
            "../etc/passwd",
            "a/../../b",
            "/etc/passwd",
            "a//b",
            "./a",
            "a/.",
            "dir/",
            "..",
        ] {
            assert!(check_object(bad).is_err(), "{bad}");
        }
        for good in [
            "a",
            "a/b/c.txt",
            "..hidden",
            "a/..b",
            "with space",
            "ü/日本",
        ] {
            assert!(check_object(good).is_ok(), "{good}");
        }
        assert!(check_container(".cloud").is_err());
        assert!(check_container("photos").is_ok());
    }

    #[test]
    fn objects_stay_inside_their_container() {
        let layout = Layout::new(PathBuf::from("/data"));
        assert_eq!(
            layout.object("c", "a/b.txt"),
            PathBuf::from("/data/c/a/b.txt")
        );
        assert!(
            layout
                .meta("c", "a/b.txt")
                .starts_with("/data/.cloud/meta/c")
        );
    }
}
