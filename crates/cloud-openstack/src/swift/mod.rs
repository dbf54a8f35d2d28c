//! OpenStack Swift (Rackspace Cloud Files) as a [`StorageDriver`].
//!
//! Objects up to one segment are buffered and sent with their MD5 as
//! `ETag`, which Swift verifies; larger known lengths stream in one PUT
//! whose returned ETag is checked; anything bigger or of unknown length
//! becomes a Static Large Object (see `slo.rs`). Listings page with markers.

mod checksum;
// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;
mod segments;
mod slo;
mod tempurl;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use cloud_core::Driver;
use cloud_core::Url;
use cloud_core::byte_stream::FileRange;
use cloud_core::http::{Body, HeaderMap, HttpRequest, HttpResponse, Method, StatusCode};
use cloud_core::storage::PartSource;
use cloud_core::{
    Api as CoreApi, ByteStream, Capabilities, Capability, Container, Download, DownloadOptions,
    Error, ErrorKind, ListEntry, ListObjectsRequest, Object, Page, PageRequest, PendingUpload,
    ResourceKind, Result, StorageDriver, UploadOptions, UrlMethod, WriteCondition,
};

use crate::config::{Flavor, Shared};
use crate::error::Api;
use cloud_core::http::rest::{About, RestClient};

/// Swift on OpenStack: everything but CDN URLs.
pub(crate) const CAPABILITIES_OPENSTACK: Capabilities =
    Capabilities::all(CoreApi::Storage).without(Capability::CdnUrl);
/// Cloud Files on Rackspace: everything, CDN included.
pub(crate) const CAPABILITIES_RACKSPACE: Capabilities = Capabilities::all(CoreApi::Storage);

const PAGE_SIZE: u32 = 1000;
pub(crate) use cloud_core::http::encode_component as encode;

/// The Swift driver.
#[derive(Debug, Clone)]
pub struct SwiftStorage {
    shared: Arc<Shared>,
    rest: RestClient,
}

fn check_container(name: &str) -> Result<()> {
    if name.len() > 256 {
        return Err(Error::invalid_input(format!(
            "Swift container name `{name}` is longer than 256 bytes"
        )));
    }
    Ok(())
}

/// The base64 MD5 of `data`, hex form (Swift's ETag).
pub(crate) fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(data))
}

impl SwiftStorage {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let rest = crate::service::rest_client(&shared, Api::ObjectStore);
        SwiftStorage { shared, rest }
    }

    /// The account's storage URL.
    pub async fn storage_url(&self) -> Result<Url> {
        self.shared.endpoint(&["object-store"]).await
    }

    pub(crate) async fn url(
        &self,
        container: Option<&str>,
        name: Option<&str>,
        query: &[(&str, &str)],
    ) -> Result<Url> {
        let mut url = self.storage_url().await?;
        let mut path = url.path().trim_end_matches('/').to_owned();
        if let Some(c) = container {
            path.push('/');
            path.push_str(&encode(c));
        }
        if let Some(n) = name {
            for segment in n.split('/') {
                path.push('/');
                path.push_str(&encode(segment));
            }
        }
        url.set_path(&path);
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        let query = query.join("&");
        url.set_query(if query.is_empty() { None } else { Some(&query) });
        Ok(url)
    }

    /// Sends a request (its body and answer stream); a failure becomes a
    /// typed error about `about`.
    pub(crate) async fn send(
        &self,
        request: HttpRequest,
        about: Option<About<'_>>,
    ) -> Result<HttpResponse> {
        self.rest.stream(request, about).await
    }

    fn object_id(container: &str, name: &str) -> String {
        format!("{container}/{name}")
    }

    async fn head_object(&self, container: &str, name: &str) -> Result<HttpResponse> {
        let id = Self::object_id(container, name);
        let url = self.url(Some(container), Some(name), &[]).await?;
        self.send(
            HttpRequest::new(Method::HEAD, url),
            Some(About::reading(ResourceKind::Object, &id)),
        )
        .await
    }

    /// Sets the account's temporary-URL key (an extra).
    pub async fn ex_set_temp_url_key(&self, key: &str) -> Result<()> {
        self.shared
            .session
            .redactor()
            .add(&cloud_core::Secret::new(key));
        let url = self.url(None, None, &[]).await?;
        let request = HttpRequest::new(Method::POST, url)
            .header("x-account-meta-temp-url-key", key)?
            .idempotent(true);
        self.send(request, None).await?;
        Ok(())
    }

    /// Publishes a container on the Rackspace CDN (an extra).
    pub async fn ex_enable_cdn(&self, container: &str, ttl: Duration) -> Result<()> {
        let url = crate::identity::join(
            &self.shared.endpoint(&["rax:object-cdn"]).await?,
            &encode(container),
        )?;
        let request = HttpRequest::new(Method::PUT, url)
            .header("x-cdn-enabled", "True")?
            .header("x-ttl", &ttl.as_secs().to_string())?;
        self.send(
            request,
            Some(About::reading(ResourceKind::Container, container)),
        )
        .await?;
        Ok(())
    }

    /// The segment paths of the object whose HEAD answered `headers`, if it is an SLO.
    async fn manifest_of(
        &self,
        container: &str,
        name: &str,
        headers: &HeaderMap,
    ) -> Result<Option<Vec<String>>> {
        let is_slo = headers
            .get("x-static-large-object")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if !is_slo {
            return Ok(None);
        }
        let id = Self::object_id(container, name);
        let url = self
            .url(
                Some(container),
                Some(name),
                &[("multipart-manifest", "get")],
            )
            .await?;
        let response = self
            .send(
                HttpRequest::new(Method::GET, url),
                Some(About::reading(ResourceKind::Object, &id)),
            )
            .await?;
        parse::manifest_segments(&response.bytes().await?).map(Some)
    }

    /// Looks at the object a write will replace: checks `If-Match` (Swift
    /// has no conditional PUT on an etag, so a concurrent writer can race
    /// this) and returns the old manifest's segments, which the write must
    /// delete once it succeeds. Create-only writes replace nothing.
    async fn before_overwrite(
        &self,
        container: &str,
        name: &str,
        options: &UploadOptions,
    ) -> Result<Option<Vec<String>>> {
        let condition = options.condition_value();
        if matches!(condition, Some(WriteCondition::IfNotExists)) {
            return Ok(None);
        }
        let head = match self.head_object(container, name).await {
            Ok(head) => head,
            Err(e)
                if e.is_not_found() && !matches!(condition, Some(WriteCondition::IfMatch(_))) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if let Some(WriteCondition::IfMatch(etag)) = condition {
            let current = parse::object(container, name, head.headers(), 0);
            cloud_core::storage::check_if_match(self.provider(), &current, etag)?;
        }
        match self.manifest(container, name, head.headers()).await? {
            Some(manifest) => self.segment_paths(manifest).await.map(Some),
            None => Ok(None),
        }
    }

    /// Deletes the segments of the object a write replaced. The new object
    /// is in place by then, so a failure only wastes storage: it is logged.
    async fn after_overwrite(&self, previous: Option<Vec<String>>) {
        if let Some(old) = previous
            && let Err(e) = self.delete_paths(&old).await
        {
            tracing::warn!(error = %e, "could not delete the replaced object's segments");
        }
    }

    /// Deletes objects given as `/container/name` paths, eight at a time;
    /// already-missing ones are fine.
    pub(crate) async fn delete_paths(&self, paths: &[String]) -> Result<()> {
        use futures::StreamExt;
        let jobs = paths.iter().cloned().map(|path| {
            let swift = self.clone();
            async move { swift.delete_path(path).await }
        });
        let results: Vec<Result<()>> = futures::stream::iter(jobs)
            .buffer_unordered(8)
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// Deletes one `/container/name` path; missing is fine.
    async fn delete_path(&self, path: String) -> Result<()> {
        let trimmed = path.trim_start_matches('/');
        let (container, name) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        let container = percent_encoding::percent_decode_str(container)
            .decode_utf8_lossy()
            .into_owned();
        let name = percent_encoding::percent_decode_str(name)
            .decode_utf8_lossy()
            .into_owned();
        let url = self.url(Some(&container), Some(&name), &[]).await?;
        match self.send(HttpRequest::new(Method::DELETE, url), None).await {
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn object_headers(mut request: HttpRequest, options: &UploadOptions) -> Result<HttpRequest> {
        if let Some(ct) = options.content_type_str() {
            request = request.header("content-type", ct)?;
        }
        for (k, v) in options.metadata_map() {
            request = request.header(format!("x-object-meta-{k}").as_str(), v)?;
        }
        if matches!(options.condition_value(), Some(WriteCondition::IfNotExists)) {
            request = request.header("if-none-match", "*")?;
        }
        Ok(request)
    }

    /// A failed create-only write reads "already exists".
    fn condition_error(
        error: Error,
        options: &UploadOptions,
        container: &str,
        name: &str,
    ) -> Error {
        if *error.kind() == ErrorKind::PreconditionFailed
            && matches!(options.condition_value(), Some(WriteCondition::IfNotExists))
        {
            return Error::already_exists(ResourceKind::Object, Self::object_id(container, name))
                .with_provider(crate::PROVIDER_OPENSTACK)
                .with_status(412);
        }
        error
    }

    /// One PUT of an in-memory body with its MD5 as ETag (verified by Swift); retried on failure.
    pub(crate) async fn put_buffered(
        &self,
        container: &str,
        name: &str,
        data: Bytes,
        options: &UploadOptions,
    ) -> Result<Object> {
        let url = self.url(Some(container), Some(name), &[]).await?;
        let md5 = md5_hex(&data);
        let request = Self::object_headers(HttpRequest::new(Method::PUT, url), options)?
            .header("etag", &md5)?
            .body(Body::from_bytes(data.clone()));
        let response = self
            .send(
                request,
                Some(About::reading(ResourceKind::Container, container)),
            )
            .await
            .map_err(|e| Self::condition_error(e, options, container, name))?;
        let mut object = Object::new(container, name, data.len() as u64);
        object.etag = response
            .header_str("etag")
            .map(|e| e.trim_matches('"').to_owned())
            .or(Some(md5));
        object.content_type = options.content_type_str().map(str::to_owned);
        object.metadata = options.metadata_map().clone();
        Ok(object)
    }

    /// One streamed PUT of a known length; its MD5, computed on the way, is
    /// compared with the ETag Swift returns.
    async fn put_streamed(
        &self,
        container: &str,
        name: &str,
        body: ByteStream,
        len: u64,
        options: &UploadOptions,
    ) -> Result<Object> {
        let sent = checksum::SentMd5::default();
        let body = sent.tap(body);
        let url = self.url(Some(container), Some(name), &[]).await?;
        let request = Self::object_headers(HttpRequest::new(Method::PUT, url), options)?
            .body(Body::from_stream(body, Some(len)));
        let response = self
            .send(
                request,
                Some(About::reading(ResourceKind::Container, container)),
            )
            .await
            .map_err(|e| Self::condition_error(e, options, container, name))?;
        let what = format!("`{container}/{name}`");
        let etag = match checksum::check_stored(&response, &sent.hex(), &what) {
            Ok(etag) => etag,
            Err(e) => {
                let _ = StorageDriver::delete_object(self, container, name).await;
                let message = format!("{}; the object was removed", e.message());
                return Err(e.with_message(message));
            }
        };
        let mut object = Object::new(container, name, len);
        object.etag = etag;
        object.content_type = options.content_type_str().map(str::to_owned);
        object.metadata = options.metadata_map().clone();
        Ok(object)
    }
}

fn content_length(response: &HttpResponse) -> Result<u64> {
    cloud_core::http::content_length(response, crate::PROVIDER_OPENSTACK, "Swift")
}

impl Driver for SwiftStorage {
    fn provider(&self) -> &str {
        self.shared.flavor.provider()
    }
    fn capabilities(&self) -> Capabilities {
        match self.shared.flavor {
            Flavor::Rackspace => CAPABILITIES_RACKSPACE,
            _ => CAPABILITIES_OPENSTACK,
        }
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.shared.session.redactor())
    }
}

#[async_trait]
impl StorageDriver for SwiftStorage {
    async fn list_containers(&self, page: PageRequest) -> Result<Page<Container>> {
        let limit = page.size.unwrap_or(PAGE_SIZE).clamp(1, 10_000);
        let limit_text = limit.to_string();
        let mut query = vec![("format", "json"), ("limit", limit_text.as_str())];
        if let Some(marker) = &page.token {
            query.push(("marker", marker));
        }
        let url = self.url(None, None, &query).await?;
        let response = self.send(HttpRequest::new(Method::GET, url), None).await?;
        let containers = parse::containers(&response.bytes().await?)?;
        let next = (containers.len() == limit as usize)
            .then(|| containers.last().map(|c| c.name.clone()))
            .flatten();
        Ok(Page::new(containers, next))
    }

    async fn get_container(&self, name: &str) -> Result<Container> {
        check_container(name)?;
        let url = self.url(Some(name), None, &[]).await?;
        let response = self
            .send(
                HttpRequest::new(Method::HEAD, url),
                Some(About::reading(ResourceKind::Container, name)),
            )
            .await?;
        let mut c = Container::new(name);
        for (header, key) in [
            ("x-container-object-count", "count"),
            ("x-container-bytes-used", "bytes"),
        ] {
            if let Some(v) = response
                .header_str(header)
                .and_then(|v| v.parse::<u64>().ok())
            {
                c.extra.insert(key.into(), v.into());
            }
        }
        Ok(c)
    }

    async fn create_container(&self, name: &str) -> Result<Container> {
        check_container(name)?;
        let url = self.url(Some(name), None, &[]).await?;
        let response = self
            .send(
                HttpRequest::new(Method::PUT, url),
                Some(About::creating(ResourceKind::Container, name)),
            )
            .await?;
        // Swift's PUT is idempotent: 201 made it, 202 found it already there.
        if response.status() == StatusCode::ACCEPTED {
            return Err(
                Error::already_exists(ResourceKind::Container, name).with_provider(self.provider())
            );
        }
        Ok(Container::new(name))
    }

    async fn delete_container(&self, name: &str) -> Result<()> {
        check_container(name)?;
        let url = self.url(Some(name), None, &[]).await?;
        self.send(
            HttpRequest::new(Method::DELETE, url),
            Some(About::emptying(ResourceKind::Container, name)),
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
        let limit = request.page.size.unwrap_or(PAGE_SIZE).clamp(1, 10_000);
        let limit_text = limit.to_string();
        let mut query = vec![("format", "json"), ("limit", limit_text.as_str())];
        if let Some(marker) = &request.page.token {
            query.push(("marker", marker));
        }
        if let Some(p) = &request.prefix {
            query.push(("prefix", p));
        }
        if let Some(d) = &request.delimiter {
            query.push(("delimiter", d));
        }
        let url = self.url(Some(container), None, &query).await?;
        let response = self
            .send(
                HttpRequest::new(Method::GET, url),
                Some(About::reading(ResourceKind::Container, container)),
            )
            .await?;
        let entries = parse::objects(container, &response.bytes().await?)?;
        let next = (entries.len() == limit as usize)
            .then(|| entries.last().map(|e| e.name().to_owned()))
            .flatten();
        Ok(Page::new(entries, next))
    }

    async fn get_object(&self, container: &str, name: &str) -> Result<Object> {
        check_container(container)?;
        let response = self.head_object(container, name).await?;
        let size = content_length(&response)?;
        Ok(parse::object(container, name, response.headers(), size))
    }

    async fn download(
        &self,
        container: &str,
        name: &str,
        options: &DownloadOptions,
    ) -> Result<Download> {
        check_container(container)?;
        let id = Self::object_id(container, name);
        let url = self.url(Some(container), Some(name), &[]).await?;
        let request =
            cloud_core::http::with_download_options(HttpRequest::new(Method::GET, url), options)?;
        let response = self
            .send(request, Some(About::reading(ResourceKind::Object, &id)))
            .await?;
        let (range, size) =
            cloud_core::http::download_span(&response, crate::PROVIDER_OPENSTACK, "Swift")?;
        let object = parse::object(container, name, response.headers(), size);
        Ok(Download::new(
            object,
            range,
            response.into_body().into_stream(),
        ))
    }

    async fn upload(
        &self,
        container: &str,
        name: &str,
        body: ByteStream,
        options: &UploadOptions,
    ) -> Result<Object> {
        check_container(container)?;
        let previous = self.before_overwrite(container, name, options).await?;
        let slo = self.shared.slo.for_upload(options)?;
        let mut reader = cloud_core::byte_stream::PartReader::new(body);
        let segment = usize::try_from(slo.segment_size).unwrap_or(usize::MAX);
        let object = match options.content_length_value() {
            Some(len) if len <= slo.segment_size => {
                let data = reader.next_part(segment).await?.freeze();
                self.put_buffered(container, name, data, options).await
            }
            Some(len) if len <= slo.threshold => {
                self.put_streamed(container, name, reader.into_stream(), len, options)
                    .await
            }
            _ => {
                let first = reader.next_part(segment).await?;
                if reader.at_end().await? {
                    self.put_buffered(container, name, first.freeze(), options)
                        .await
                } else {
                    let source = PartSource::Stream {
                        first,
                        reader: &mut reader,
                    };
                    slo::upload(self, container, name, source, options).await
                }
            }
        }?;
        self.after_overwrite(previous).await;
        Ok(object)
    }

    async fn upload_file(
        &self,
        container: &str,
        name: &str,
        path: &std::path::Path,
        len: u64,
        options: &UploadOptions,
    ) -> Result<Object> {
        if len <= self.shared.slo.for_upload(options)?.threshold {
            let body = FileRange::new(path, 0, len).stream();
            return self.upload(container, name, body, options).await;
        }
        check_container(container)?;
        let previous = self.before_overwrite(container, name, options).await?;
        let source = PartSource::File {
            path: path.into(),
            len,
        };
        let object = slo::upload(self, container, name, source, options).await?;
        self.after_overwrite(previous).await;
        Ok(object)
    }

    async fn copy_object(
        &self,
        from_container: &str,
        from_name: &str,
        to_container: &str,
        to_name: &str,
    ) -> Result<Object> {
        check_container(from_container)?;
        check_container(to_container)?;
        let source = format!(
            "/{}/{}",
            encode(from_container),
            from_name
                .split('/')
                .map(encode)
                .collect::<Vec<_>>()
                .join("/")
        );
        let url = self.url(Some(to_container), Some(to_name), &[]).await?;
        let request = HttpRequest::new(Method::PUT, url)
            .header("x-copy-from", &source)?
            .body(Body::from_bytes(Bytes::new()));
        let source_id = Self::object_id(from_container, from_name);
        self.send(
            request,
            Some(About::reading(ResourceKind::Object, &source_id)),
        )
        .await?;
        self.get_object(to_container, to_name).await
    }

    /// Deletes a large object's segments with it (SLO and DLO, as `swift
    /// delete` does); [`ex_delete_object_leave_segments`](SwiftStorage::ex_delete_object_leave_segments)
    /// keeps them.
    async fn delete_object(&self, container: &str, name: &str) -> Result<()> {
        check_container(container)?;
        let segments = match self.manifest_of_object(container, name).await? {
            Some(manifest) => Some(self.segment_paths(manifest).await?),
            None => None,
        };
        self.ex_delete_object_leave_segments(container, name)
            .await?;
        if let Some(segments) = segments {
            // The manifest is gone; its segments would be orphans.
            self.delete_paths(&segments).await?;
        }
        Ok(())
    }

    async fn list_uploads(
        &self,
        container: &str,
        prefix: &str,
        _page: PageRequest,
    ) -> Result<Page<PendingUpload>> {
        check_container(container)?;
        segments::pending(self, container, prefix)
            .await
            .map(Page::last)
    }

    async fn abort_upload(&self, container: &str, upload: &PendingUpload) -> Result<()> {
        check_container(container)?;
        segments::abort(self, container, upload).await
    }

    async fn signed_url(
        &self,
        container: &str,
        name: &str,
        method: UrlMethod,
        expires_in: Duration,
    ) -> Result<Url> {
        check_container(container)?;
        let url = self.url(Some(container), Some(name), &[]).await?;
        let key = match &self.shared.temp_url_key {
            Some(k) => k.expose().to_owned(),
            None => {
                let account = self.url(None, None, &[]).await?;
                let response = self
                    .send(HttpRequest::new(Method::HEAD, account), None)
                    .await?;
                response
                    .header_str("x-account-meta-temp-url-key")
                    .map(str::to_owned)
                    .ok_or_else(|| Error::invalid_input("the account has no temporary-URL key: set one (`cloud storage set-temp-url-key`, SwiftStorage::ex_set_temp_url_key, or the temp_url_key option)"))?
            }
        };
        let method = match method {
            UrlMethod::Get => "GET",
            UrlMethod::Put => "PUT",
            _ => return Err(Error::invalid_input("Swift signs GET and PUT URLs only")),
        };
        tempurl::sign(&url, method, expires_in, key.as_bytes())
    }

    async fn cdn_url(&self, container: &str, name: &str) -> Result<Url> {
        if self.shared.flavor != Flavor::Rackspace {
            return Err(Error::unsupported(self.provider(), Capability::CdnUrl));
        }
        check_container(container)?;
        let url = crate::identity::join(
            &self.shared.endpoint(&["rax:object-cdn"]).await?,
            &encode(container),
        )?;
        let response = self
            .send(
                HttpRequest::new(Method::HEAD, url),
                Some(About::reading(ResourceKind::Container, container)),
            )
            .await?;
        let enabled = response
            .header_str("x-cdn-enabled")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let base = response
            .header_str("x-cdn-ssl-uri")
            .or(response.header_str("x-cdn-uri"))
            .filter(|_| enabled)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "container `{container}` is not on the CDN: enable it with ex_enable_cdn"
                ))
            })?;
        let path = name.split('/').map(encode).collect::<Vec<_>>().join("/");
        Url::parse(&format!("{}/{path}", base.trim_end_matches('/'))).map_err(|e| {
            Error::malformed(crate::PROVIDER_RACKSPACE, format!("invalid CDN URI: {e}"))
        })
    }
}
