//! Azure Blob Storage as a [`StorageDriver`].
//!
//! Block blobs only: a body goes up in one Put Blob, or as blocks staged
//! concurrently and committed at once with Put Block List, so a blob
//! appears whole or not at all (`upload.rs`). Blob ETags are the portable
//! etags, so If-Match and create-only writes are the service's own
//! conditions. Copies are Copy Blob, followed until the service says it is
//! done; signed URLs are service SAS signed with the account key.

// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;
mod upload;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use cloud_core::http::{HttpRequest, HttpResponse, Method, encode_component};
use cloud_core::poll::{ChangeWait, Poll, poll_until};
use cloud_core::{
    Api, ByteRange, ByteStream, Capabilities, Capability, Container, Download, DownloadOptions,
    Driver, Error, ErrorKind, ListEntry, ListObjectsRequest, Object, Page, PageRequest,
    ResourceKind, Result, StorageDriver, UploadOptions, Url, UrlMethod,
};

use crate::PROVIDER;
use crate::config::Shared;
use crate::credential::sas::{BlobPermission, blob_service_sas};
use crate::error::failed_response;

/// What Blob Storage offers through the portable interface: everything but
/// CDN URLs (Azure Front Door is another service) and the listing and
/// aborting of unfinished uploads (staged blocks cannot be listed by
/// container nor removed; the service discards them when the blob is next
/// committed, or after a week).
pub const CAPABILITIES: Capabilities = Capabilities::all(Api::Storage)
    .without(Capability::CdnUrl)
    .without(Capability::ListUploads)
    .without(Capability::AbortUpload);

/// The most names one listing page holds (the service's limit).
const MAX_PAGE: u32 = 5000;

/// How a pending Copy Blob is followed.
const COPY_WAIT: ChangeWait =
    ChangeWait::new(Duration::from_millis(500), Duration::from_secs(3600));

/// The Blob Storage driver.
#[derive(Debug, Clone)]
pub struct BlobStorage {
    shared: Arc<Shared>,
}

/// Checks a container name against Azure's rules, before any request.
fn check_container(name: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::invalid_input(format!(
            "container name `{name}`: {why}"
        )))
    };
    if !(3..=63).contains(&name.len()) {
        return bad("must be 3 to 63 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return bad("only lowercase letters, digits and `-` are allowed");
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return bad("must start and end with a letter or digit, without `--`");
    }
    Ok(())
}

/// Blob names no URL can address: `.` and `..` segments are resolved away
/// by every HTTP stack on the way.
fn check_blob(name: &str) -> Result<()> {
    if name.split('/').any(|s| s == "." || s == "..") {
        return Err(Error::invalid_input(format!(
            "blob name `{}`: `.` and `..` segments cannot be addressed in Azure Blob Storage",
            cloud_core::error::quote(name)
        )));
    }
    Ok(())
}

/// Metadata names are C# identifiers in Azure: letters, digits and `_`,
/// not starting with a digit. Refused rather than renamed, so what is read
/// back is what was written.
fn check_metadata(options: &UploadOptions) -> Result<()> {
    for key in options.metadata_map().keys() {
        let starts_well = key.bytes().next().is_some_and(|b| !b.is_ascii_digit());
        if !starts_well || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(Error::invalid_input(format!(
                "metadata key `{key}`: Azure takes only letters, digits and `_`, not starting with a digit"
            )));
        }
    }
    Ok(())
}

fn object_id(container: &str, name: &str) -> String {
    format!("{container}/{name}")
}

impl BlobStorage {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        BlobStorage { shared }
    }

    /// The URL of the account, a container or a blob, with `query`
    /// (names and values encoded here).
    pub(crate) fn url(
        &self,
        container: Option<&str>,
        blob: Option<&str>,
        query: &[(&str, &str)],
    ) -> Url {
        let mut url = self.shared.endpoint.clone();
        let mut path = url.path().trim_end_matches('/').to_owned();
        if let Some(container) = container {
            path.push('/');
            path.push_str(&encode_component(container));
        }
        if let Some(blob) = blob {
            for segment in blob.split('/') {
                path.push('/');
                path.push_str(&encode_component(segment));
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        url.set_path(&path);
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_component(v)))
            .collect();
        let query = query.join("&");
        url.set_query((!query.is_empty()).then_some(query.as_str()));
        url
    }

    /// Sends `request`; the response when it succeeded, else the typed
    /// error about `about`.
    pub(crate) async fn send(
        &self,
        request: HttpRequest,
        about: Option<(ResourceKind, &str)>,
    ) -> Result<HttpResponse> {
        let response = self.shared.http.send(request).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let (status, headers, body) = response.into_parts();
        Err(failed_response(status, &headers, body, about).await)
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// One page of the container's blobs, as the service lists them.
    async fn blobs_page(
        &self,
        container: &str,
        prefix: Option<&str>,
        delimiter: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ListEntry>> {
        let size = page.size.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE).to_string();
        let mut query = vec![
            ("restype", "container"),
            ("comp", "list"),
            ("include", "metadata"),
            ("maxresults", size.as_str()),
        ];
        if let Some(prefix) = prefix {
            query.push(("prefix", prefix));
        }
        if let Some(delimiter) = delimiter {
            query.push(("delimiter", delimiter));
        }
        if let Some(marker) = &page.token {
            query.push(("marker", marker));
        }
        let url = self.url(Some(container), None, &query);
        let response = self
            .send(
                HttpRequest::new(Method::GET, url),
                Some((ResourceKind::Container, container)),
            )
            .await?;
        parse::list_blobs(container, &text(response).await?)
    }

    /// The blocks of `container/name` staged but not committed (an extra:
    /// what a failed or running upload has sent), as (id, size) in the
    /// order staged. A blob with none, or that does not exist, has none.
    pub async fn ex_uncommitted_blocks(
        &self,
        container: &str,
        name: &str,
    ) -> Result<Vec<(String, u64)>> {
        check_container(container)?;
        check_blob(name)?;
        let id = object_id(container, name);
        let url = self.url(
            Some(container),
            Some(name),
            &[("comp", "blocklist"), ("blocklisttype", "uncommitted")],
        );
        match self
            .send(
                HttpRequest::new(Method::GET, url),
                Some((ResourceKind::Object, &id)),
            )
            .await
        {
            Ok(response) => parse::uncommitted_blocks(&text(response).await?),
            Err(e) if e.code() == Some("BlobNotFound") => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Waits for a pending copy into `container/name` to finish.
    async fn wait_for_copy(&self, container: &str, name: &str) -> Result<()> {
        let what = format!("the copy into `{}`", object_id(container, name));
        poll_until(COPY_WAIT, &what, || async {
            let url = self.url(Some(container), Some(name), &[]);
            let id = object_id(container, name);
            let response = self
                .send(
                    HttpRequest::new(Method::HEAD, url),
                    Some((ResourceKind::Object, &id)),
                )
                .await?;
            let status = response.header_str("x-ms-copy-status").unwrap_or("success");
            match status {
                "success" => Ok(Poll::Done(())),
                "pending" => Ok(Poll::Pending(format!(
                    "copied {}",
                    response.header_str("x-ms-copy-progress").unwrap_or("?")
                ))),
                other => Err(Error::new(
                    ErrorKind::Provider,
                    format!(
                        "Azure Storage: the copy into `{id}` ended `{other}`: {}",
                        response
                            .header_str("x-ms-copy-status-description")
                            .unwrap_or("")
                    ),
                )
                .with_provider(PROVIDER)),
            }
        })
        .await
    }
}

/// Base64 MD5, as `Content-MD5` carries it.
#[derive(Default)]
struct Md5Digest(md5::Md5);

impl cloud_core::byte_stream::StreamDigest for Md5Digest {
    fn update(&mut self, data: &[u8]) {
        md5::Digest::update(&mut self.0, data);
    }

    fn finish(self: Box<Self>) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(md5::Digest::finalize(self.0))
    }
}

/// A response body as text (bounded).
pub(crate) async fn text(response: HttpResponse) -> Result<String> {
    let bytes = response.bytes().await?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Error::malformed(PROVIDER, "Azure Blob Storage answered with invalid UTF-8"))
}

impl Driver for BlobStorage {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.shared.http.redactor())
    }
}

#[async_trait]
impl StorageDriver for BlobStorage {
    async fn list_containers(&self, page: PageRequest) -> Result<Page<Container>> {
        let size = page.size.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE).to_string();
        let mut query = vec![("comp", "list"), ("maxresults", size.as_str())];
        if let Some(marker) = &page.token {
            query.push(("marker", marker));
        }
        let url = self.url(None, None, &query);
        let response = self.send(HttpRequest::new(Method::GET, url), None).await?;
        parse::list_containers(&text(response).await?)
    }

    async fn get_container(&self, name: &str) -> Result<Container> {
        check_container(name)?;
        let url = self.url(Some(name), None, &[("restype", "container")]);
        let response = self
            .send(
                HttpRequest::new(Method::HEAD, url),
                Some((ResourceKind::Container, name)),
            )
            .await?;
        let mut container = Container::new(name);
        if let Some(etag) = response.header_str("etag") {
            container
                .extra
                .insert("etag".into(), etag.trim_matches('"').into());
        }
        if let Some(modified) = response.header_str("last-modified") {
            container
                .extra
                .insert("last_modified".into(), modified.into());
        }
        Ok(container)
    }

    async fn create_container(&self, name: &str) -> Result<Container> {
        check_container(name)?;
        // No x-ms-blob-public-access: the container is private.
        let url = self.url(Some(name), None, &[("restype", "container")]);
        self.send(
            HttpRequest::new(Method::PUT, url),
            Some((ResourceKind::Container, name)),
        )
        .await?;
        Ok(Container::new(name))
    }

    async fn delete_container(&self, name: &str) -> Result<()> {
        check_container(name)?;
        // The service deletes a container with everything in it; the
        // portable contract refuses one that holds blobs, so look first.
        let first = self
            .blobs_page(name, None, None, &PageRequest::with_size(Some(1)))
            .await?;
        if !first.items.is_empty() {
            return Err(Error::not_empty(ResourceKind::Container, name).with_provider(PROVIDER));
        }
        let url = self.url(Some(name), None, &[("restype", "container")]);
        self.send(
            HttpRequest::new(Method::DELETE, url),
            Some((ResourceKind::Container, name)),
        )
        .await?;
        Ok(())
    }

    async fn list_objects(
        &self,
        container: &str,
        request: &ListObjectsRequest,
    ) -> Result<Page<ListEntry>> {
        check_container(container)?;
        self.blobs_page(
            container,
            request.prefix.as_deref().filter(|p| !p.is_empty()),
            request.delimiter.as_deref().filter(|d| !d.is_empty()),
            &request.page,
        )
        .await
    }

    async fn get_object(&self, container: &str, name: &str) -> Result<Object> {
        check_container(container)?;
        check_blob(name)?;
        let id = object_id(container, name);
        let url = self.url(Some(container), Some(name), &[]);
        let response = self
            .send(
                HttpRequest::new(Method::HEAD, url),
                Some((ResourceKind::Object, &id)),
            )
            .await?;
        let size = cloud_core::http::content_length(&response, PROVIDER, "Azure Blob Storage")?;
        Ok(parse::object_from_headers(
            container,
            name,
            response.headers(),
            size,
        ))
    }

    async fn download(
        &self,
        container: &str,
        name: &str,
        options: &DownloadOptions,
    ) -> Result<Download> {
        check_container(container)?;
        check_blob(name)?;
        let id = object_id(container, name);
        // The service takes no suffix range (`bytes=-N`): the last N bytes
        // are found from the blob's size, pinned to the ETag just read.
        let suffix;
        let options = match options.range_value() {
            Some(range @ ByteRange::Last { .. }) => {
                let head = self.get_object(container, name).await?;
                let span = range.resolve(head.size)?;
                let mut pinned =
                    DownloadOptions::new().range(ByteRange::bounded(span.start, span.end)?);
                if let Some(etag) = options.if_match_value().map(str::to_owned).or(head.etag) {
                    pinned = pinned.if_match(etag);
                }
                suffix = pinned;
                &suffix
            }
            _ => options,
        };
        let url = self.url(Some(container), Some(name), &[]);
        let request =
            cloud_core::http::with_download_options(HttpRequest::new(Method::GET, url), options)?;
        let response = self
            .send(request, Some((ResourceKind::Object, &id)))
            .await?;
        let (range, size) =
            cloud_core::http::download_span(&response, PROVIDER, "Azure Blob Storage")?;
        let object = parse::object_from_headers(container, name, response.headers(), size);
        // A whole blob's Content-MD5 (stored when it was written) is checked
        // as the body streams; a range's answer carries none.
        let whole_md5 = (range.start == 0 && range.end == size)
            .then(|| response.header_str("content-md5").map(str::to_owned))
            .flatten();
        let mut body: ByteStream = response.into_body().into_stream();
        if let Some(md5) = whole_md5 {
            body =
                cloud_core::byte_stream::checked_digest(body, md5, Box::new(Md5Digest::default()));
        }
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
        check_blob(name)?;
        check_metadata(options)?;
        upload::upload(self, container, name, body, options).await
    }

    async fn upload_file(
        &self,
        container: &str,
        name: &str,
        path: &std::path::Path,
        len: u64,
        options: &UploadOptions,
    ) -> Result<Object> {
        check_container(container)?;
        check_blob(name)?;
        check_metadata(options)?;
        upload::upload_file(self, container, name, path, len, options).await
    }

    async fn copy_object(
        &self,
        from_container: &str,
        from_name: &str,
        to_container: &str,
        to_name: &str,
    ) -> Result<Object> {
        for c in [from_container, to_container] {
            check_container(c)?;
        }
        for n in [from_name, to_name] {
            check_blob(n)?;
        }
        let mut source = self.url(Some(from_container), Some(from_name), &[]);
        // A client authorized by SAS names the source with its token too.
        if let Some(sas) = &self.shared.sas {
            source.set_query(Some(sas.expose()));
        }
        let id = object_id(to_container, to_name);
        let url = self.url(Some(to_container), Some(to_name), &[]);
        let request =
            HttpRequest::new(Method::PUT, url).header("x-ms-copy-source", source.as_str())?;
        let response = self
            .send(request, Some((ResourceKind::Object, &id)))
            .await
            .map_err(|e| match (e.kind(), e.code()) {
                // The missing thing is the source, not the destination.
                (ErrorKind::NotFound { .. }, Some("CannotVerifyCopySource" | "BlobNotFound")) => {
                    Error::not_found(ResourceKind::Object, object_id(from_container, from_name))
                        .with_provider(PROVIDER)
                        .with_code(e.code().unwrap_or_default().to_owned())
                }
                _ => e,
            })?;
        if response.header_str("x-ms-copy-status") == Some("pending") {
            self.wait_for_copy(to_container, to_name).await?;
        }
        self.get_object(to_container, to_name).await
    }

    async fn delete_object(&self, container: &str, name: &str) -> Result<()> {
        check_container(container)?;
        check_blob(name)?;
        let id = object_id(container, name);
        let url = self.url(Some(container), Some(name), &[]);
        let request =
            HttpRequest::new(Method::DELETE, url).header("x-ms-delete-snapshots", "include")?;
        self.send(request, Some((ResourceKind::Object, &id)))
            .await?;
        Ok(())
    }

    async fn signed_url(
        &self,
        container: &str,
        name: &str,
        method: UrlMethod,
        expires_in: Duration,
    ) -> Result<Url> {
        check_container(container)?;
        check_blob(name)?;
        let Some(key) = &self.shared.key else {
            return Err(Error::unsupported(PROVIDER, Capability::SignedUrl).with_message(
                "Azure signed URLs are service SAS signed with the account key; this client has none",
            ));
        };
        let permission = match method {
            UrlMethod::Get => BlobPermission::Read,
            UrlMethod::Put => BlobPermission::Write,
            _ => return Err(Error::invalid_input("Azure signs GET and PUT URLs only")),
        };
        let mut url = self.url(Some(container), Some(name), &[]);
        let query = blob_service_sas(
            key,
            &object_id(container, name),
            permission,
            SystemTime::now(),
            expires_in,
        );
        url.set_query(Some(&query));
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_azure_rules() {
        for good in ["abc", "my-container-1", &"a".repeat(63)] {
            assert!(check_container(good).is_ok(), "{good}");
        }
        for bad in ["ab", "Upper", "a--b", "-ab", "ab-", &"a".repeat(64), "a_b"] {
            assert!(check_container(bad).is_err(), "{bad}");
        }
        assert!(check_blob("a/./b").is_err());
        assert!(check_blob("..").is_err());
        assert!(check_blob("a//b/trailing.").is_ok());
        let dashed = UploadOptions::new().metadata("content-owner", "x");
        assert!(check_metadata(&dashed).is_err());
        let digit = UploadOptions::new().metadata("1st", "x");
        assert!(check_metadata(&digit).is_err());
        assert!(check_metadata(&UploadOptions::new().metadata("owner_2", "x")).is_ok());
    }
}
