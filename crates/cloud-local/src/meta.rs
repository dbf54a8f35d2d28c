//! The metadata sidecar of an object: etag, content type, user metadata.
//!
//! A sidecar is trusted only while it describes the file beside it: it
//! records the identity (inode, or size and modification time where there
//! are no inodes) of the data file it was written with. A crash between the
//! two renames of a write, or a file replaced by hand, leaves a sidecar
//! that no longer matches, and the object is then described from the file
//! alone (hash recomputed, type guessed, no user metadata) instead of with
//! another version's metadata.

use std::collections::BTreeMap;
use std::fs::Metadata;
use std::io::Read;
use std::path::Path;

use cloud_core::{Error, Object, Result};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

/// What a sidecar holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Sidecar {
    pub(crate) identity: FileIdentity,
    pub(crate) size: u64,
    pub(crate) etag: String,
    #[serde(default)]
    pub(crate) content_type: Option<String>,
    #[serde(default)]
    pub(crate) metadata: BTreeMap<String, String>,
}

/// Which file a sidecar belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileIdentity {
    inode: Option<u64>,
    modified_ns: Option<u128>,
}

impl FileIdentity {
    pub(crate) fn of(meta: &Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileIdentity {
                inode: Some(meta.ino()),
                modified_ns: None,
            }
        }
        #[cfg(not(unix))]
        {
            FileIdentity {
                inode: None,
                modified_ns: meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_nanos()),
            }
        }
    }
}

/// Describes the object stored at `data` (blocking).
pub(crate) fn describe(container: &str, name: &str, data: &Path, sidecar: &Path) -> Result<Object> {
    let meta =
        std::fs::metadata(data).map_err(|e| Error::io(format!("reading {}", data.display()), e))?;
    let mut object = Object::new(container, name, meta.len());
    object.last_modified = meta.modified().ok();
    let trusted = read_sidecar(sidecar)
        .filter(|s| s.identity == FileIdentity::of(&meta) && s.size == meta.len());
    match trusted {
        Some(s) => {
            object.etag = Some(s.etag);
            object.content_type = s.content_type;
            object.metadata = s.metadata;
        }
        None => {
            object.etag = Some(hash_file(data)?);
            object.content_type = cloud_core::storage::guess_content_type(name)
                .or(Some("application/octet-stream"))
                .map(str::to_owned);
        }
    }
    Ok(object)
}

fn read_sidecar(path: &Path) -> Option<Sidecar> {
    let text = std::fs::read(path).ok()?;
    match serde_json::from_slice(&text) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ignoring unreadable metadata sidecar");
            None
        }
    }
}

/// The hex MD5 of a file, read in chunks (blocking).
pub(crate) fn hash_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
