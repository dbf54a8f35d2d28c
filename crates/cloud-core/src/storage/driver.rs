//! The narrow interface an object-storage provider implements.

use std::path::Path;
use std::time::Duration;

use crate::Url;
use async_trait::async_trait;

use super::types::{Container, Download, DownloadOptions, ListEntry, ListObjectsRequest, Object};
use super::types::{PendingUpload, UploadOptions, UrlMethod};
use crate::ByteStream;
use crate::capability::Capability;
use crate::error::{Error, Result};
use crate::paging::{Page, PageRequest};

/// What an object-storage provider implements. Users call the
/// [`Storage`](super::Storage) handle, which validates names, streams
/// listings, checks body lengths and adds `upload_file`/`download_file`.
///
/// The handle only calls an operation that [`capabilities`](crate::Driver::capabilities)
/// declares; every default body answers [`Unsupported`](crate::ErrorKind::Unsupported).
///
/// ```
/// use async_trait::async_trait;
/// use cloud_core::{Capabilities, Capability, Container, Page, PageRequest, Result, Storage, StorageDriver};
///
/// #[derive(Debug)]
/// struct Fixed;
///
/// impl cloud_core::Driver for Fixed {
///     fn provider(&self) -> &str { "fixed" }
///     fn capabilities(&self) -> Capabilities { Capabilities::of(&[Capability::ListContainers]) }
/// }
/// #[async_trait]
/// impl StorageDriver for Fixed {
///     async fn list_containers(&self, _page: PageRequest) -> Result<Page<Container>> {
///         Ok(Page::last(vec![Container::new("logs")]))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> cloud_core::Result<()> {
/// let storage = Storage::new(Fixed);
/// assert_eq!(storage.list_containers_vec().await?[0].name, "logs");
/// assert!(storage.delete_container("logs").await.unwrap_err().is_unsupported());
/// # Ok(()) }
/// ```
#[async_trait]
pub trait StorageDriver: crate::Driver {
    /// One page of containers.
    async fn list_containers(&self, page: PageRequest) -> Result<Page<Container>> {
        let _ = page;
        Err(Error::unsupported(
            self.provider(),
            Capability::ListContainers,
        ))
    }

    /// One container by name.
    async fn get_container(&self, name: &str) -> Result<Container> {
        let _ = name;
        Err(Error::unsupported(
            self.provider(),
            Capability::GetContainer,
        ))
    }

    /// Creates a container; `AlreadyExists` if the name is taken.
    async fn create_container(&self, name: &str) -> Result<Container> {
        let _ = name;
        Err(Error::unsupported(
            self.provider(),
            Capability::CreateContainer,
        ))
    }

    /// Deletes an empty container; `NotEmpty` if it holds objects.
    async fn delete_container(&self, name: &str) -> Result<()> {
        let _ = name;
        Err(Error::unsupported(
            self.provider(),
            Capability::DeleteContainer,
        ))
    }

    /// One page of a listing, in lexicographic (byte) order of names.
    async fn list_objects(
        &self,
        container: &str,
        request: &ListObjectsRequest,
    ) -> Result<Page<ListEntry>> {
        let _ = (container, request);
        Err(Error::unsupported(self.provider(), Capability::ListObjects))
    }

    /// An object's metadata.
    async fn get_object(&self, container: &str, name: &str) -> Result<Object> {
        let _ = (container, name);
        Err(Error::unsupported(self.provider(), Capability::GetObject))
    }

    /// Starts a download; the body streams as it is read.
    async fn download(
        &self,
        container: &str,
        name: &str,
        options: &DownloadOptions,
    ) -> Result<Download> {
        let _ = (container, name, options);
        Err(Error::unsupported(self.provider(), Capability::Download))
    }

    /// Uploads a body. The object appears whole, or not at all.
    async fn upload(
        &self,
        container: &str,
        name: &str,
        body: ByteStream,
        options: &UploadOptions,
    ) -> Result<Object> {
        let _ = (container, name, body, options);
        Err(Error::unsupported(self.provider(), Capability::Upload))
    }

    /// Uploads `len` bytes of the file at `path`. The default streams the
    /// file through [`upload`](Self::upload); a driver that sends large
    /// bodies in parts overrides it to read each part from the file when it
    /// is sent, holding none in memory and retrying any.
    async fn upload_file(
        &self,
        container: &str,
        name: &str,
        path: &Path,
        len: u64,
        options: &UploadOptions,
    ) -> Result<Object> {
        let body = crate::byte_stream::FileRange::new(path, 0, len).stream();
        self.upload(container, name, body, options).await
    }

    /// One page of the container's unfinished uploads, of objects whose
    /// names start with `prefix`.
    async fn list_uploads(
        &self,
        container: &str,
        prefix: &str,
        page: PageRequest,
    ) -> Result<Page<PendingUpload>> {
        let _ = (container, prefix, page);
        Err(Error::unsupported(self.provider(), Capability::ListUploads))
    }

    /// Aborts an unfinished upload, deleting its parts; one already gone
    /// counts as aborted.
    async fn abort_upload(&self, container: &str, upload: &PendingUpload) -> Result<()> {
        let _ = (container, upload);
        Err(Error::unsupported(self.provider(), Capability::AbortUpload))
    }

    /// Copies an object server-side, keeping content type and metadata.
    async fn copy_object(
        &self,
        from_container: &str,
        from_name: &str,
        to_container: &str,
        to_name: &str,
    ) -> Result<Object> {
        let _ = (from_container, from_name, to_container, to_name);
        Err(Error::unsupported(self.provider(), Capability::CopyObject))
    }

    /// Deletes an object; `NotFound` if it does not exist.
    async fn delete_object(&self, container: &str, name: &str) -> Result<()> {
        let _ = (container, name);
        Err(Error::unsupported(
            self.provider(),
            Capability::DeleteObject,
        ))
    }

    /// A URL that lets anyone holding it `method` the object until it expires.
    async fn signed_url(
        &self,
        container: &str,
        name: &str,
        method: UrlMethod,
        expires_in: Duration,
    ) -> Result<Url> {
        let _ = (container, name, method, expires_in);
        Err(Error::unsupported(self.provider(), Capability::SignedUrl))
    }

    /// The public CDN URL of the object.
    async fn cdn_url(&self, container: &str, name: &str) -> Result<Url> {
        let _ = (container, name);
        Err(Error::unsupported(self.provider(), Capability::CdnUrl))
    }
}
