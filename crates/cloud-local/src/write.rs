//! Atomic writes: an object appears whole under its name, or not at all.
//!
//! Bytes stream into a temporary file under `.cloud/tmp` (same file system
//! as the data), hashed on the way; the file is synced; then, under the
//! driver's commit lock, conditions are checked and the file is renamed into
//! place (or hard-linked, for create-only writes, which fails atomically if
//! the name is taken), followed by its metadata sidecar. A failed or
//! abandoned stream only ever leaves a temporary file, which is removed; a
//! killed writer's temporary file is locked only while the writer lives, so
//! the next use of the store removes it (`cloud_core::staging`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use cloud_core::staging::StagingFile;
use cloud_core::{ByteStream, Error, ErrorKind, Object, ResourceKind, Result, WriteCondition};
use futures::StreamExt;
use md5::{Digest, Md5};
use tokio::io::AsyncWriteExt;

use crate::PROVIDER;
use crate::meta::{FileIdentity, Sidecar, describe};
use crate::paths::Layout;

/// A body written to a temporary file, ready to commit.
#[derive(Debug)]
pub(crate) struct Staged {
    pub(crate) file: StagingFile,
    pub(crate) size: u64,
    pub(crate) etag: String,
}

/// Streams `body` into a synced temporary file.
pub(crate) async fn stage(layout: &Layout, mut body: ByteStream) -> Result<Staged> {
    let dir = layout.tmp_dir();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let name = format!("upload-{}", cloud_core::unique::unique_token());
    let temp = StagingFile::create(&dir, &name)
        .map_err(|e| Error::io(format!("creating {}", dir.join(&name).display()), e))?;
    let mut file = tokio::fs::File::from_std(
        temp.handle()
            .map_err(|e| Error::io(format!("opening {}", temp.path().display()), e))?,
    );
    let mut hasher = Md5::new();
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        file.write_all(&chunk)
            .await
            .map_err(|e| Error::io(format!("writing {}", temp.path().display()), e))?;
    }
    file.flush()
        .await
        .map_err(|e| Error::io("flushing upload", e))?;
    file.sync_all()
        .await
        .map_err(|e| Error::io("syncing upload", e))?;
    Ok(Staged {
        file: temp,
        size,
        etag: hex::encode(hasher.finalize()),
    })
}

/// What to store with the object.
#[derive(Debug, Clone)]
pub(crate) struct Attributes {
    pub(crate) content_type: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) condition: Option<WriteCondition>,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("{what} {}", path.display()), e)
}

/// Publishes a staged body as `container/name` (blocking; call under the commit lock).
pub(crate) fn commit(
    layout: &Layout,
    container: &str,
    name: &str,
    mut staged: Staged,
    attrs: Attributes,
) -> Result<Object> {
    let container_dir = layout.container(container);
    if !container_dir.is_dir() {
        return Err(Error::not_found(ResourceKind::Container, container).with_provider(PROVIDER));
    }
    let target = layout.object(container, name);
    check_path_is_free(&container_dir, &target, name)?;
    match &attrs.condition {
        Some(WriteCondition::IfNotExists) if target.exists() => {
            return Err(
                Error::already_exists(ResourceKind::Object, format!("{container}/{name}"))
                    .with_provider(PROVIDER),
            );
        }
        Some(WriteCondition::IfMatch(wanted)) => {
            if !target.is_file() {
                return Err(
                    Error::not_found(ResourceKind::Object, format!("{container}/{name}"))
                        .with_provider(PROVIDER),
                );
            }
            let current = describe(container, name, &target, &layout.meta(container, name))?;
            cloud_core::storage::check_if_match(PROVIDER, &current, wanted)?;
        }
        _ => {}
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io("creating", parent, e))?;
    }
    let identity = FileIdentity::of(
        &std::fs::metadata(staged.file.path()).map_err(|e| io("reading", staged.file.path(), e))?,
    );
    let sidecar = Sidecar {
        identity,
        size: staged.size,
        etag: staged.etag.clone(),
        content_type: attrs.content_type.clone(),
        metadata: attrs.metadata.clone(),
    };
    let sidecar_temp = write_sidecar_temp(layout, &sidecar)?;

    if matches!(attrs.condition, Some(WriteCondition::IfNotExists)) {
        // A hard link fails if the name exists, even if another process
        // created it a moment ago: create-only stays atomic across processes.
        std::fs::hard_link(staged.file.path(), &target).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::already_exists(ResourceKind::Object, format!("{container}/{name}"))
                    .with_provider(PROVIDER)
            } else {
                io("linking", &target, e)
            }
        })?;
        let _ = std::fs::remove_file(staged.file.path());
    } else {
        std::fs::rename(staged.file.path(), &target)
            .map_err(|e| io("renaming into", &target, e))?;
    }
    staged.file.keep();
    let meta_path = layout.meta(container, name);
    if let Some(dir) = meta_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
    }
    let mut sidecar_temp = sidecar_temp;
    std::fs::rename(sidecar_temp.path(), &meta_path)
        .map_err(|e| io("renaming into", &meta_path, e))?;
    sidecar_temp.keep();
    if let Some(parent) = target.parent() {
        sync_dir(parent);
    }

    let mut object = Object::new(container, name, staged.size);
    object.etag = Some(staged.etag);
    object.content_type = attrs.content_type;
    object.metadata = attrs.metadata;
    object.last_modified = std::fs::metadata(&target)
        .and_then(|m| m.modified())
        .ok()
        .or(Some(SystemTime::now()));
    Ok(object)
}

/// Refuses a name whose path is taken by a folder, or runs through a file.
fn check_path_is_free(container_dir: &Path, target: &Path, name: &str) -> Result<()> {
    if target.is_dir() {
        return Err(Error::invalid_input(format!(
            "`{name}` is a folder of other objects here; the local provider cannot store an object under the same name"
        )));
    }
    let mut ancestor = target.parent();
    while let Some(dir) = ancestor {
        if dir == container_dir {
            break;
        }
        if dir.is_file() {
            let rel = dir.strip_prefix(container_dir).unwrap_or(dir);
            return Err(Error::invalid_input(format!(
                "`{name}` would need `{}` to be a folder, but it is an object",
                rel.display()
            )));
        }
        ancestor = dir.parent();
    }
    Ok(())
}

fn write_sidecar_temp(layout: &Layout, sidecar: &Sidecar) -> Result<StagingFile> {
    let dir = layout.tmp_dir();
    let name = format!("meta-{}", cloud_core::unique::unique_token());
    let temp = StagingFile::create(&dir, &name).map_err(|e| io("creating", &dir.join(&name), e))?;
    let json = serde_json::to_vec(sidecar)
        .map_err(|e| Error::new(ErrorKind::Io, format!("encoding metadata: {e}")))?;
    let mut file = temp.handle().map_err(|e| io("opening", temp.path(), e))?;
    std::io::Write::write_all(&mut file, &json).map_err(|e| io("writing", temp.path(), e))?;
    file.sync_all().map_err(|e| io("syncing", temp.path(), e))?;
    Ok(temp)
}

/// Makes a rename durable by syncing the folder that holds it (best effort:
/// not every platform can open a folder for syncing).
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}
