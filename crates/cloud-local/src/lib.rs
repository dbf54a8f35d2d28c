//! Object storage on the local file system, for `cloud`.
//!
//! A folder is the account; its subfolders are containers; objects are plain
//! files at the path their name spells (`photos/2024/cat.jpg`). What this
//! driver promises:
//!
//! - **Atomic writes.** Bytes go to a temporary file that is synced and then
//!   renamed into place, so a crash or a failed stream never leaves a partial
//!   object under its final name, and two concurrent writers of one name
//!   leave one complete object.
//! - **No escape.** Names with `..` or `.` segments, empty segments, or a
//!   leading `/` are refused with `InvalidInput` before anything is touched.
//! - **Real etags.** The etag is the MD5 of the content, as S3 gives for
//!   single-part uploads. Content type and user metadata survive a round
//!   trip, kept in a sidecar under `.cloud/` that is only trusted while it
//!   matches the file.
//! - **Bounded memory.** Uploads and downloads stream in 256 KiB chunks;
//!   listings walk folders lazily, one page at a time.
//!
//! A name that is a file cannot also be a folder (`a` and `a/b`), which real
//! object stores allow; such a write is refused with `InvalidInput`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_core::{Storage, UploadOptions};
//! use cloud_local::LocalStorage;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let storage = Storage::new(LocalStorage::new(dir.path())?);
//! storage.create_container("notes").await?;
//! storage.upload_bytes("notes", "2024/todo.txt", "buy milk", &UploadOptions::new()).await?;
//! assert!(dir.path().join("notes/2024/todo.txt").is_file());
//! assert_eq!(storage.download_bytes("notes", "2024/todo.txt").await?, "buy milk");
//! # Ok(()) }
//! ```

mod meta;
mod paths;
mod walk;
mod write;

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::BytesMut;
use cloud_core::Driver;
use cloud_core::paging::page_of;
use cloud_core::{
    Api, ByteStream, Capabilities, Capability, Container, Download, DownloadOptions, Error,
    ErrorKind, ExtraOperation, ListEntry, ListObjectsRequest, Object, Page, PageRequest,
    ProviderConfig, ProviderDescription, ResourceKind, Result, StorageDriver, UploadOptions,
};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::meta::describe;
use crate::paths::{Layout, check_container, check_object};
use crate::write::{Attributes, commit, stage, sync_dir};

/// The provider name in the registry.
pub const PROVIDER: &str = "local";

/// What this provider offers, for the registry and the provider matrix.
pub const DESCRIPTION: ProviderDescription = ProviderDescription {
    name: PROVIDER,
    title: "Object storage in a local folder (containers are subfolders, objects are files)",
    feature: "local",
    compute: None,
    storage: Some(CAPABILITIES),
    load_balancer: None,
    dns: None,
    extras: &[ExtraOperation {
        api: Api::Storage,
        name: "ex_clean_temporary_files",
        description: "Removes temporary files left by crashed writers",
    }],
    options: CONFIG_OPTIONS,
};

/// The registry's entry.
pub const ENTRY: cloud_core::provider::Provider = cloud_core::provider::Provider::new(DESCRIPTION)
    .with_storage(|c| Ok(cloud_core::Storage::new(LocalStorage::from_config(c)?)));

cloud_core::provider_options! {
    /// The options of [`CONFIG_OPTIONS`], typed.
    struct Options;
    /// Options `LocalStorage::from_config` understands.
    pub const CONFIG_OPTIONS;

    /// The folder holding the containers (also the endpoint)
    root: Option<PathBuf> = Text;
}

/// Environment variable naming the default account folder.
pub const ROOT_ENV: &str = "CLOUD_LOCAL_ROOT";

const CAPABILITIES: Capabilities = Capabilities::all(Api::Storage)
    .without(Capability::MultipartUpload)
    .without(Capability::ListUploads)
    .without(Capability::AbortUpload)
    .without(Capability::SignedUrl)
    .without(Capability::CdnUrl);

const PAGE_SIZE: u32 = 1000;
const CHUNK: usize = 256 * 1024;

/// The local file-system storage driver.
#[derive(Debug, Clone)]
pub struct LocalStorage {
    layout: Layout,
    /// Serialises the short commit step (condition check and renames) of
    /// writes and deletes within this process.
    commit_lock: Arc<Mutex<()>>,
}

impl LocalStorage {
    /// Uses `root` as the account, creating it if needed.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)
            .map_err(|e| Error::io(format!("creating {}", root.display()), e))?;
        Ok(LocalStorage {
            layout: Layout::new(root),
            commit_lock: Arc::new(Mutex::new(())),
        })
    }

    /// Reads a run-time configuration: the account folder is the `root`
    /// option, else the endpoint, else [`default_root`].
    pub fn from_config(config: &ProviderConfig) -> Result<Self> {
        let options = Options::read(config, PROVIDER)?;
        let root = match (options.root, config.endpoint_str()) {
            (Some(root), _) => root,
            (None, Some(endpoint)) => {
                PathBuf::from(endpoint.strip_prefix("file://").unwrap_or(endpoint))
            }
            (None, None) => default_root()?,
        };
        Self::new(root)
    }

    /// The account folder.
    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    /// The file that holds `name` in `container`, after the same name checks
    /// every call makes (an extra: for handing the file to another program).
    /// The object need not exist.
    pub fn ex_object_path(&self, container: &str, name: &str) -> Result<PathBuf> {
        cloud_core::storage::check_container_name(container)?;
        cloud_core::storage::check_object_name(name)?;
        check_container(container)?;
        check_object(name)?;
        Ok(self.layout.object(container, name))
    }

    /// Removes the temporary files of writers that died mid-write (an
    /// extra; safe while other processes write: a file whose writer is alive
    /// is locked and kept). Returns how many were removed.
    pub fn ex_clean_temporary_files(&self) -> Result<usize> {
        Ok(cloud_core::staging::remove_abandoned(
            &self.layout.tmp_dir(),
            |_| true,
            cloud_core::staging::ABANDONED_AFTER,
        ))
    }

    /// Runs blocking file-system work off the async threads, under the commit lock if asked.
    async fn blocking<T, F>(&self, locked: bool, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Layout) -> Result<T> + Send + 'static,
    {
        let layout = self.layout.clone();
        let lock = self.commit_lock.clone();
        tokio::task::spawn_blocking(move || {
            let _guard = if locked {
                Some(lock.lock().unwrap_or_else(|p| p.into_inner()))
            } else {
                None
            };
            work(&layout)
        })
        .await
        .map_err(|e| Error::new(ErrorKind::Io, format!("file-system task failed: {e}")))?
    }

    fn container_info(layout: &Layout, name: &str) -> Result<Container> {
        let path = layout.container(name);
        let meta = std::fs::metadata(&path)
            .map_err(|e| not_found_or_io(e, ResourceKind::Container, name))?;
        if !meta.is_dir() {
            return Err(Error::not_found(ResourceKind::Container, name).with_provider(PROVIDER));
        }
        let mut container = Container::new(name);
        container.created_at = meta.created().or_else(|_| meta.modified()).ok();
        container
            .extra
            .insert("path".into(), path.display().to_string().into());
        Ok(container)
    }

    fn object_info(layout: &Layout, container: &str, name: &str) -> Result<(Object, PathBuf)> {
        if !layout.container(container).is_dir() {
            return Err(
                Error::not_found(ResourceKind::Container, container).with_provider(PROVIDER)
            );
        }
        let path = layout.object(container, name);
        if !path.is_file() {
            return Err(
                Error::not_found(ResourceKind::Object, format!("{container}/{name}"))
                    .with_provider(PROVIDER),
            );
        }
        Ok((
            describe(container, name, &path, &layout.meta(container, name))?,
            path,
        ))
    }
}

/// The default account folder: `$CLOUD_LOCAL_ROOT`, else
/// `$XDG_DATA_HOME/cloud/local`, else `~/.local/share/cloud/local`.
pub fn default_root() -> Result<PathBuf> {
    if let Some(root) = std::env::var_os(ROOT_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(root));
    }
    if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(data).join("cloud").join("local"));
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/share/cloud/local")),
        None => Err(Error::invalid_input(format!(
            "no folder for the local provider: set {ROOT_ENV} or pass an endpoint"
        ))),
    }
}

fn not_found_or_io(e: std::io::Error, resource: ResourceKind, id: &str) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::not_found(resource, id).with_provider(PROVIDER)
    } else {
        Error::io(format!("reading {resource} `{id}`"), e)
    }
}

/// True if the folder holds at least one file, at any depth.
fn holds_files(dir: &Path) -> Result<bool> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
        let kind = entry
            .file_type()
            .map_err(|e| Error::io("reading file type", e))?;
        if !kind.is_dir() || holds_files(&entry.path())? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Removes empty folders from `dir` up to (not including) `stop`.
fn prune_empty(mut dir: &Path, stop: &Path) {
    while dir != stop && dir.starts_with(stop) {
        if std::fs::remove_dir(dir).is_err() {
            break;
        }
        match dir.parent() {
            Some(parent) => dir = parent,
            None => break,
        }
    }
}

fn file_chunks(file: tokio::fs::File, length: u64) -> ByteStream {
    futures::stream::try_unfold((file, length), |(mut file, remaining)| async move {
        if remaining == 0 {
            return Ok(None);
        }
        let want = remaining.min(CHUNK as u64) as usize;
        let mut buf = BytesMut::with_capacity(want);
        while buf.len() < want {
            let n = (&mut file)
                .take((want - buf.len()) as u64)
                .read_buf(&mut buf)
                .await
                .map_err(|e| Error::io("reading object", e))?;
            if n == 0 {
                return Err(Error::new(
                    ErrorKind::Io,
                    "the object file shrank while it was read",
                ));
            }
        }
        let left = remaining - buf.len() as u64;
        Ok(Some((buf.freeze(), (file, left))))
    })
    .boxed()
}

impl Driver for LocalStorage {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
}

#[async_trait]
impl StorageDriver for LocalStorage {
    async fn list_containers(&self, page: PageRequest) -> Result<Page<Container>> {
        let containers = self
            .blocking(false, |layout| {
                let entries = std::fs::read_dir(layout.root())
                    .map_err(|e| Error::io(format!("listing {}", layout.root().display()), e))?;
                let mut names = Vec::new();
                for entry in entries.flatten() {
                    let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                    if let (true, Ok(name)) = (is_dir, entry.file_name().into_string())
                        && !name.starts_with('.')
                    {
                        names.push(name);
                    }
                }
                names.sort_unstable();
                names
                    .iter()
                    .map(|n| Self::container_info(layout, n))
                    .collect::<Result<Vec<_>>>()
            })
            .await?;
        page_of(&containers, &page, PAGE_SIZE)
    }

    async fn get_container(&self, name: &str) -> Result<Container> {
        check_container(name)?;
        let name = name.to_owned();
        self.blocking(false, move |layout| Self::container_info(layout, &name))
            .await
    }

    async fn create_container(&self, name: &str) -> Result<Container> {
        check_container(name)?;
        let name = name.to_owned();
        self.blocking(true, move |layout| {
            let path = layout.container(&name);
            match std::fs::create_dir(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::already_exists(ResourceKind::Container, &name)
                        .with_provider(PROVIDER));
                }
                Err(e) => return Err(Error::io(format!("creating {}", path.display()), e)),
            }
            sync_dir(layout.root());
            Self::container_info(layout, &name)
        })
        .await
    }

    async fn delete_container(&self, name: &str) -> Result<()> {
        check_container(name)?;
        let name = name.to_owned();
        self.blocking(true, move |layout| {
            let path = layout.container(&name);
            if !path.is_dir() {
                return Err(
                    Error::not_found(ResourceKind::Container, &name).with_provider(PROVIDER)
                );
            }
            if holds_files(&path)? {
                return Err(
                    Error::not_empty(ResourceKind::Container, &name).with_provider(PROVIDER)
                );
            }
            std::fs::remove_dir_all(&path)
                .map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
            let meta = layout.meta_dir(&name);
            if meta.exists() {
                std::fs::remove_dir_all(&meta)
                    .map_err(|e| Error::io(format!("removing {}", meta.display()), e))?;
            }
            Ok(())
        })
        .await
    }

    async fn list_objects(
        &self,
        container: &str,
        request: &ListObjectsRequest,
    ) -> Result<Page<ListEntry>> {
        check_container(container)?;
        let container = container.to_owned();
        let request = request.clone();
        self.blocking(false, move |layout| {
            if !layout.container(&container).is_dir() {
                return Err(
                    Error::not_found(ResourceKind::Container, &container).with_provider(PROVIDER)
                );
            }
            walk::list_page(layout, &container, &request, PAGE_SIZE)
        })
        .await
    }

    async fn get_object(&self, container: &str, name: &str) -> Result<Object> {
        check_container(container)?;
        check_object(name)?;
        let (container, name) = (container.to_owned(), name.to_owned());
        self.blocking(false, move |layout| {
            Self::object_info(layout, &container, &name).map(|(o, _)| o)
        })
        .await
    }

    async fn download(
        &self,
        container: &str,
        name: &str,
        options: &DownloadOptions,
    ) -> Result<Download> {
        check_container(container)?;
        check_object(name)?;
        let (c, n) = (container.to_owned(), name.to_owned());
        let (object, path) = self
            .blocking(false, move |layout| Self::object_info(layout, &c, &n))
            .await?;
        if let Some(etag) = options.if_match_value() {
            cloud_core::storage::check_if_match(PROVIDER, &object, etag)?;
        }
        let range = match options.range_value() {
            Some(r) => r
                .resolve(object.size)
                .map_err(|e| e.with_provider(PROVIDER))?,
            None => 0..object.size,
        };
        let mut file = tokio::fs::File::open(&path).await.map_err(|e| {
            not_found_or_io(e, ResourceKind::Object, &format!("{container}/{name}"))
        })?;
        if range.start > 0 {
            file.seek(SeekFrom::Start(range.start))
                .await
                .map_err(|e| Error::io("seeking in object", e))?;
        }
        let body = file_chunks(file, range.end - range.start);
        Ok(Download::new(object, range, body))
    }

    async fn upload(
        &self,
        container: &str,
        name: &str,
        body: ByteStream,
        options: &UploadOptions,
    ) -> Result<Object> {
        check_container(container)?;
        check_object(name)?;
        if !self.layout.container(container).is_dir() {
            return Err(
                Error::not_found(ResourceKind::Container, container).with_provider(PROVIDER)
            );
        }
        let staged = stage(&self.layout, body).await?;
        let attrs = Attributes {
            content_type: Some(
                options
                    .content_type_str()
                    .or_else(|| cloud_core::storage::guess_content_type(name))
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
            ),
            metadata: options.metadata_map().clone(),
            condition: options.condition_value().cloned(),
        };
        let (container, name) = (container.to_owned(), name.to_owned());
        self.blocking(true, move |layout| {
            commit(layout, &container, &name, staged, attrs)
        })
        .await
    }

    async fn copy_object(
        &self,
        from_container: &str,
        from_name: &str,
        to_container: &str,
        to_name: &str,
    ) -> Result<Object> {
        check_container(from_container)?;
        check_object(from_name)?;
        check_container(to_container)?;
        check_object(to_name)?;
        let download = self
            .download(from_container, from_name, &DownloadOptions::new())
            .await?;
        let source = download.object.clone();
        let options = {
            let mut o = UploadOptions::new();
            if let Some(ct) = &source.content_type {
                o = o.content_type(ct);
            }
            for (k, v) in &source.metadata {
                o = o.metadata(k, v);
            }
            o
        };
        self.upload(to_container, to_name, download.body, &options)
            .await
    }

    async fn delete_object(&self, container: &str, name: &str) -> Result<()> {
        check_container(container)?;
        check_object(name)?;
        let (container, name) = (container.to_owned(), name.to_owned());
        self.blocking(true, move |layout| {
            let container_dir = layout.container(&container);
            if !container_dir.is_dir() {
                return Err(
                    Error::not_found(ResourceKind::Container, &container).with_provider(PROVIDER)
                );
            }
            let path = layout.object(&container, &name);
            if !path.is_file() {
                return Err(
                    Error::not_found(ResourceKind::Object, format!("{container}/{name}"))
                        .with_provider(PROVIDER),
                );
            }
            std::fs::remove_file(&path)
                .map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
            let _ = std::fs::remove_file(layout.meta(&container, &name));
            if let Some(parent) = path.parent() {
                prune_empty(parent, &container_dir);
                sync_dir(parent);
            }
            Ok(())
        })
        .await
    }
}
