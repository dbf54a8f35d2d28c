//! The portable storage handle users hold.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::Url;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;

use super::driver::StorageDriver;
use super::names::{check_container_name, check_metadata, check_object_name, guess_content_type};
use super::resume::{MAX_DOWNLOAD_RESUMES, Resume, resuming};
use super::types::{
    Container, Download, DownloadOptions, ListEntry, ListObjectsRequest, ListOptions,
};
use super::types::{Object, PendingUpload, UploadOptions, UrlMethod, WriteCondition};
use crate::byte_stream::{ByteStream, LengthSource, checked_length};
use crate::capability::Capability;
use crate::error::{Error, Result};
use crate::handle::call;
use crate::invoke::{check_id, invoke, list_pages};
use crate::paging::{ListStream, collect_all};

/// Longest lifetime accepted for a signed URL (S3's limit: seven days).
pub const MAX_SIGNED_URL_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// An object store: any provider, one interface.
///
/// Cheap to clone, `Send + Sync`. Names are checked against the portable
/// rules before any request; bodies stream in both directions and a body
/// whose length is wrong fails instead of producing a short object.
pub type Storage = crate::Handle<dyn StorageDriver>;

impl Storage {
    /// Wraps a driver.
    pub fn new(driver: impl StorageDriver + 'static) -> Self {
        Self::from_arc(Arc::new(driver))
    }

    /// Every container, fetched page by page.
    pub fn list_containers(&self) -> ListStream<Container> {
        list_pages(
            self.driver.clone(),
            Capability::ListContainers,
            self.page_size,
            |d, req| async move { d.list_containers(req).await },
        )
    }

    /// Every container, collected.
    pub async fn list_containers_vec(&self) -> Result<Vec<Container>> {
        collect_all(self.list_containers()).await
    }

    /// One container.
    pub async fn get_container(&self, name: &str) -> Result<Container> {
        check_container_name(name)?;
        call!(self, GetContainer, self.driver.get_container(name))
    }

    /// Creates a container.
    pub async fn create_container(&self, name: &str) -> Result<Container> {
        check_container_name(name)?;
        call!(self, CreateContainer, self.driver.create_container(name))
    }

    /// Deletes an empty container.
    pub async fn delete_container(&self, name: &str) -> Result<()> {
        check_container_name(name)?;
        call!(self, DeleteContainer, self.driver.delete_container(name))
    }

    /// Lists a container lazily, page by page, in byte order of names.
    ///
    /// A bad container name shows up as the stream's first (and only) item.
    pub fn list_objects(&self, container: &str, options: &ListOptions) -> ListStream<ListEntry> {
        if let Err(e) = check_container_name(container) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        if options.delimiter_str() == Some("") {
            let e = Error::invalid_input("the delimiter must not be empty");
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        // A prefix or delimiter is (part of) an object name: the same rules.
        let parts = [options.prefix_str(), options.delimiter_str()];
        if let Some(Err(e)) = parts
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .map(check_object_name)
            .find(Result::is_err)
        {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        let container: std::sync::Arc<str> = container.into();
        let prefix = options.prefix_str().map(str::to_owned);
        let delimiter = options.delimiter_str().map(str::to_owned);
        let size = options.page_size_value().or(self.page_size);
        list_pages(
            self.driver.clone(),
            Capability::ListObjects,
            size,
            move |d, page| {
                let container = container.clone();
                let request = ListObjectsRequest::new(prefix.clone(), delimiter.clone(), page);
                async move { d.list_objects(&container, &request).await }
            },
        )
    }

    /// Every object under `prefix` (no delimiter), collected. Small listings only.
    pub async fn list_objects_vec(
        &self,
        container: &str,
        prefix: Option<&str>,
    ) -> Result<Vec<Object>> {
        let mut options = ListOptions::new();
        if let Some(p) = prefix {
            options = options.prefix(p);
        }
        let entries = collect_all(self.list_objects(container, &options)).await?;
        Ok(entries
            .into_iter()
            .filter_map(|e| match e {
                ListEntry::Object(o) => Some(o),
                _ => None,
            })
            .collect())
    }

    /// Uploads begun in `container` and never completed nor aborted, of
    /// objects whose names start with `prefix` (empty: all): what a killed
    /// process left behind, still holding space.
    pub fn list_uploads(&self, container: &str, prefix: &str) -> ListStream<PendingUpload> {
        if let Err(e) = check_container_name(container) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        let container: std::sync::Arc<str> = container.into();
        let prefix: std::sync::Arc<str> = prefix.into();
        list_pages(
            self.driver.clone(),
            Capability::ListUploads,
            self.page_size,
            move |d, page| {
                let container = container.clone();
                let prefix = prefix.clone();
                async move { d.list_uploads(&container, &prefix, page).await }
            },
        )
    }

    /// Aborts an unfinished upload (from [`list_uploads`](Self::list_uploads)),
    /// deleting its parts. One already gone counts as aborted.
    pub async fn abort_upload(&self, container: &str, upload: &PendingUpload) -> Result<()> {
        check_container_name(container)?;
        check_object_name(&upload.name)?;
        check_id("upload id", &upload.id)?;
        call!(
            self,
            AbortUpload,
            self.driver.abort_upload(container, upload)
        )
    }

    /// An object's metadata.
    pub async fn get_object(&self, container: &str, name: &str) -> Result<Object> {
        check_container_name(container)?;
        check_object_name(name)?;
        call!(self, GetObject, self.driver.get_object(container, name))
    }

    /// Starts a streamed download. The body fails (rather than ends) if the
    /// provider sends fewer bytes than it announced. A connection that drops
    /// or stalls part-way is resumed (up to [`MAX_DOWNLOAD_RESUMES`] times)
    /// with a ranged request pinned to the object's etag, where the provider
    /// supports ranges and conditions.
    ///
    /// [`MAX_DOWNLOAD_RESUMES`]: super::MAX_DOWNLOAD_RESUMES
    pub async fn download(
        &self,
        container: &str,
        name: &str,
        options: &DownloadOptions,
    ) -> Result<Download> {
        check_container_name(container)?;
        check_object_name(name)?;
        let cap = if options.range_value().is_some() {
            Capability::DownloadRange
        } else {
            Capability::Download
        };
        if options.if_match_value().is_some()
            && !self
                .capabilities()
                .contains(Capability::ConditionalDownload)
        {
            return Err(Error::unsupported(
                self.provider(),
                Capability::ConditionalDownload,
            ));
        }
        let driver = &self.driver;
        let mut download =
            invoke(&**driver, cap, || driver.download(container, name, options)).await?;
        let body = std::mem::replace(&mut download.body, futures::stream::empty().boxed());
        let resumable = self.capabilities().contains(Capability::DownloadRange)
            && self
                .capabilities()
                .contains(Capability::ConditionalDownload);
        download.body = match (&download.object.etag, resumable) {
            (Some(etag), true) => resuming(
                body,
                Resume {
                    driver: self.driver.clone(),
                    container: container.to_owned(),
                    name: name.to_owned(),
                    // A caller's own condition wins over the etag seen now.
                    etag: options
                        .if_match_value()
                        .map_or_else(|| etag.clone(), str::to_owned),
                    remaining: download.range.clone(),
                    resumes_left: MAX_DOWNLOAD_RESUMES,
                },
            ),
            _ => {
                let expected = download.range.end - download.range.start;
                checked_length(body, expected, LengthSource::Provider)
            }
        };
        // A failed resume request carries the provider's error text too.
        if let Some(redactor) = self.driver.redactor() {
            let redactor = redactor.clone();
            let body = std::mem::replace(&mut download.body, futures::stream::empty().boxed());
            download.body = body.map_err(move |e| redactor.scrub(e)).boxed();
        }
        Ok(download)
    }

    /// Downloads `range` of an object.
    pub async fn download_range(
        &self,
        container: &str,
        name: &str,
        range: super::ByteRange,
    ) -> Result<Download> {
        self.download(container, name, &DownloadOptions::new().range(range))
            .await
    }

    /// Downloads a whole object into memory. Small objects only.
    pub async fn download_bytes(&self, container: &str, name: &str) -> Result<Bytes> {
        self.download(container, name, &DownloadOptions::new())
            .await?
            .bytes()
            .await
    }

    /// Streams an object into a local file. The file appears complete under
    /// `path` or not at all: bytes go to a temporary file beside it, which is
    /// renamed into place only after the whole body arrived.
    pub async fn download_file(
        &self,
        container: &str,
        name: &str,
        path: impl AsRef<Path>,
    ) -> Result<Object> {
        let path = path.as_ref();
        let download = self
            .download(container, name, &DownloadOptions::new())
            .await?;
        let object = download.object.clone();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let file_name = path.file_name().ok_or_else(|| {
            Error::invalid_input(format!("`{}` is not a file path", path.display()))
        })?;
        let temp = dir.join(format!(
            ".{}.cloud-partial-{}",
            file_name.to_string_lossy(),
            crate::unique::unique_token()
        ));
        let result = write_to_file(download.body, &temp).await;
        match result {
            Ok(()) => tokio::fs::rename(&temp, path)
                .await
                .map_err(|e| Error::io(format!("renaming into {}", path.display()), e))
                .map(|()| object),
            Err(e) => {
                let _ = tokio::fs::remove_file(&temp).await;
                Err(e)
            }
        }
    }

    /// Uploads a stream. With [`UploadOptions::content_length`], a stream of
    /// any other length fails the upload and leaves nothing behind.
    pub async fn upload(
        &self,
        container: &str,
        name: &str,
        body: ByteStream,
        options: &UploadOptions,
    ) -> Result<Object> {
        self.check_upload(container, name, options)?;
        let body = match options.content_length_value() {
            Some(len) => checked_length(body, len, LengthSource::Caller),
            None => body,
        };
        call!(
            self,
            Upload,
            self.driver.upload(container, name, body, options)
        )
    }

    /// What every upload checks before the driver sees it.
    fn check_upload(&self, container: &str, name: &str, options: &UploadOptions) -> Result<()> {
        check_container_name(container)?;
        check_object_name(name)?;
        check_metadata(options.metadata_map())?;
        let caps = self.capabilities();
        if !options.metadata_map().is_empty() && !caps.contains(Capability::UserMetadata) {
            return Err(Error::unsupported(
                self.provider(),
                Capability::UserMetadata,
            ));
        }
        if let Some(cond) = options.condition_value() {
            if !caps.contains(Capability::ConditionalUpload) {
                return Err(Error::unsupported(
                    self.provider(),
                    Capability::ConditionalUpload,
                ));
            }
            if let WriteCondition::IfMatch(etag) = cond {
                crate::invoke::check_id("If-Match etag", etag)?;
            }
        }
        if let Some(ct) = options.content_type_str() {
            check_content_type(ct)?;
        }
        Ok(())
    }

    /// Uploads an in-memory buffer.
    pub async fn upload_bytes(
        &self,
        container: &str,
        name: &str,
        bytes: impl Into<Bytes>,
        options: &UploadOptions,
    ) -> Result<Object> {
        let bytes = bytes.into();
        let options = options.clone().content_length(bytes.len() as u64);
        self.upload(container, name, crate::byte_stream::once(bytes), &options)
            .await
    }

    /// Uploads a local file. The content type is guessed from the file name
    /// unless `options` sets one. Drivers that upload in parts read each part
    /// from the file when it is sent (and again on a retry), so memory stays
    /// flat whatever the file's size; a file that changes length meanwhile
    /// fails the upload.
    pub async fn upload_file(
        &self,
        container: &str,
        name: &str,
        path: impl AsRef<Path>,
        options: &UploadOptions,
    ) -> Result<Object> {
        let path = path.as_ref();
        let metadata = tokio::fs::metadata(path)
            .await
            .map_err(|e| Error::io(format!("reading metadata of {}", path.display()), e))?;
        if !metadata.is_file() {
            return Err(Error::invalid_input(format!(
                "`{}` is not a regular file",
                path.display()
            )));
        }
        let len = metadata.len();
        let mut options = options.clone().content_length(len);
        if options.content_type_str().is_none()
            && let Some(ct) = guess_content_type(name)
        {
            options = options.content_type(ct);
        }
        self.check_upload(container, name, &options)?;
        call!(
            self,
            Upload,
            self.driver
                .upload_file(container, name, path, len, &options)
        )
    }

    /// Copies an object within the provider, keeping content type and metadata.
    pub async fn copy_object(
        &self,
        from_container: &str,
        from_name: &str,
        to_container: &str,
        to_name: &str,
    ) -> Result<Object> {
        check_container_name(from_container)?;
        check_object_name(from_name)?;
        check_container_name(to_container)?;
        check_object_name(to_name)?;
        call!(
            self,
            CopyObject,
            self.driver
                .copy_object(from_container, from_name, to_container, to_name)
        )
    }

    /// Deletes an object.
    pub async fn delete_object(&self, container: &str, name: &str) -> Result<()> {
        check_container_name(container)?;
        check_object_name(name)?;
        call!(
            self,
            DeleteObject,
            self.driver.delete_object(container, name)
        )
    }

    /// A URL anyone can use to `method` the object until `expires_in` passes
    /// (at most seven days).
    pub async fn signed_url(
        &self,
        container: &str,
        name: &str,
        method: UrlMethod,
        expires_in: Duration,
    ) -> Result<Url> {
        check_container_name(container)?;
        check_object_name(name)?;
        if expires_in.is_zero() || expires_in > MAX_SIGNED_URL_LIFETIME {
            return Err(Error::invalid_input(format!(
                "signed URL lifetime must be between 1 s and 7 days, not {expires_in:?}"
            )));
        }
        call!(
            self,
            SignedUrl,
            self.driver.signed_url(container, name, method, expires_in)
        )
    }

    /// The object's public CDN URL.
    pub async fn cdn_url(&self, container: &str, name: &str) -> Result<Url> {
        check_container_name(container)?;
        check_object_name(name)?;
        call!(self, CdnUrl, self.driver.cdn_url(container, name))
    }
}

fn check_content_type(ct: &str) -> Result<()> {
    let valid =
        ct.contains('/') && ct.len() <= 255 && ct.bytes().all(|b| (0x20..0x7f).contains(&b));
    if valid {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "`{ct}` is not a valid content type"
        )))
    }
}

async fn write_to_file(mut body: ByteStream, path: &Path) -> Result<()> {
    let file = tokio::fs::File::create(path)
        .await
        .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    // Network chunks are small; each write to a tokio file is a trip to the
    // blocking pool, so they are gathered into large writes.
    let mut writer = tokio::io::BufWriter::with_capacity(WRITE_BUFFER_BYTES, file);
    while let Some(chunk) = body.next().await {
        writer
            .write_all(&chunk?)
            .await
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    }
    writer
        .flush()
        .await
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    writer
        .into_inner()
        .sync_all()
        .await
        .map_err(|e| Error::io(format!("syncing {}", path.display()), e))?;
    Ok(())
}

/// How much of a download is gathered before each write to the file.
const WRITE_BUFFER_BYTES: usize = 1024 * 1024;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use futures::StreamExt;

    use super::*;
    use crate::secret::{Redactor, Secret};

    /// A driver whose download body fails with a message echoing its token.
    #[derive(Debug)]
    struct Echoing(Redactor);

    impl crate::Driver for Echoing {
        fn provider(&self) -> &str {
            "echoing"
        }
        fn capabilities(&self) -> crate::Capabilities {
            crate::Capabilities::of(&[Capability::Download])
        }
        fn redactor(&self) -> Option<&Redactor> {
            Some(&self.0)
        }
    }

    #[async_trait::async_trait]
    impl StorageDriver for Echoing {
        async fn download(
            &self,
            container: &str,
            name: &str,
            _options: &DownloadOptions,
        ) -> Result<Download> {
            let body = futures::stream::iter([
                Ok(Bytes::from_static(b"abc")),
                Err(Error::transport("resume refused for token tok-secret-0001")),
            ])
            .boxed();
            Ok(Download::new(Object::new(container, name, 10), 0..10, body))
        }
    }

    #[tokio::test]
    async fn errors_in_a_download_body_are_scrubbed_too() {
        let redactor = Redactor::new();
        redactor.add(&Secret::new("tok-secret-0001"));
        let storage = Storage::new(Echoing(redactor));
        let mut body = storage
            .download("c", "o", &DownloadOptions::new())
            .await
            .unwrap()
            .body;
        let mut shown = String::new();
        while let Some(chunk) = body.next().await {
            if let Err(e) = chunk {
                shown = format!("{e} {e:?}");
            }
        }
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(!shown.contains("tok-secret-0001"), "{shown}");
    }
}
