//! Amazon S3 (and S3-compatible stores) as a [`StorageDriver`].
//!
//! Path-style addressing for custom endpoints, virtual-hosted for AWS;
//! buckets in another region are found through the `x-amz-bucket-region`
//! header and requests re-sent there. Uploads go up in one PUT or, for
//! large or unknown-length bodies, as a concurrent multipart upload that is
//! aborted on any failure.

mod names;
// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
mod chunked;
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;
mod upload;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cloud_core::Driver;
use cloud_core::Url;
use cloud_core::http::{HttpClient, HttpRequest, HttpResponse, Method, StatusCode};
use cloud_core::{
    Api, ByteStream, Capabilities, Capability, Container, Download, DownloadOptions, Error,
    ErrorKind, ListEntry, ListObjectsRequest, Object, Page, PageRequest, PendingUpload,
    ResourceKind, Result, StorageDriver, UploadOptions, UrlMethod,
};

pub use self::parse::MultipartUploadInfo;
use crate::config::Shared;
use crate::error::{Service, failed_response};

/// Everything except CDN URLs (CloudFront is a separate service).
pub(crate) const CAPABILITIES: Capabilities =
    Capabilities::all(Api::Storage).without(Capability::CdnUrl);

pub(crate) use cloud_core::http::encode_component as encode;

/// The S3 driver.
#[derive(Debug, Clone)]
pub struct S3Storage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    clients: Mutex<HashMap<String, HttpClient>>,
    bucket_regions: Mutex<HashMap<String, String>>,
    /// What the endpoint has shown about `aws-chunked` bodies with a
    /// trailing checksum (a [`TrailerSupport`]).
    trailer: AtomicU8,
}

/// Whether an endpoint decodes `aws-chunked` bodies (AWS, moto and s3s do;
/// some S3-compatible servers do not), learnt from the first file upload
/// that tries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrailerSupport {
    Unknown = 0,
    Yes = 1,
    No = 2,
}

/// What a request is about, for addressing and error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) bucket: Option<&'a str>,
    pub(crate) key: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub(crate) fn service() -> Self {
        Target {
            bucket: None,
            key: None,
        }
    }

    pub(crate) fn bucket(bucket: &'a str) -> Self {
        Target {
            bucket: Some(bucket),
            key: None,
        }
    }

    pub(crate) fn object(bucket: &'a str, key: &'a str) -> Self {
        Target {
            bucket: Some(bucket),
            key: Some(key),
        }
    }

    fn resource(&self) -> Option<(ResourceKind, String)> {
        match (self.bucket, self.key) {
            (Some(b), Some(k)) => Some((ResourceKind::Object, format!("{b}/{k}"))),
            (Some(b), None) => Some((ResourceKind::Container, b.to_owned())),
            _ => None,
        }
    }
}

impl S3Storage {
    pub(crate) fn new(shared: Arc<Shared>) -> Result<Self> {
        Ok(S3Storage {
            inner: Arc::new(Inner {
                shared,
                clients: Mutex::new(HashMap::new()),
                bucket_regions: Mutex::new(HashMap::new()),
                trailer: AtomicU8::new(TrailerSupport::Unknown as u8),
            }),
        })
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    pub(crate) fn trailer_support(&self) -> TrailerSupport {
        match self.inner.trailer.load(Ordering::Relaxed) {
            1 => TrailerSupport::Yes,
            2 => TrailerSupport::No,
            _ => TrailerSupport::Unknown,
        }
    }

    pub(crate) fn set_trailer_support(&self, support: TrailerSupport) {
        self.inner.trailer.store(support as u8, Ordering::Relaxed);
    }

    /// The HTTP client signing for `region` (one per region, sharing connections).
    pub(crate) fn client(&self, region: &str) -> Result<HttpClient> {
        let mut clients = self.inner.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = clients.get(region) {
            return Ok(c.clone());
        }
        let client = self.shared().http(Service::S3, region)?;
        clients.insert(region.to_owned(), client.clone());
        Ok(client)
    }

    /// The region a bucket lives in, as far as known (the configured one until S3 says otherwise).
    pub(crate) fn region_for(&self, bucket: Option<&str>) -> String {
        let known = bucket.and_then(|b| {
            self.inner
                .bucket_regions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(b)
                .cloned()
        });
        known.unwrap_or_else(|| self.shared().region.clone())
    }

    /// Remembers the region S3 says a bucket is in; a value that is not a
    /// region name is ignored, since it would become part of a host name.
    fn remember_region(&self, bucket: &str, region: &str) {
        if crate::config::check_region(region).is_err() {
            tracing::debug!(bucket, "ignoring an invalid x-amz-bucket-region");
            return;
        }
        self.inner
            .bucket_regions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(bucket.to_owned(), region.to_owned());
    }

    /// The URL of `target` in `region`, with `query` (already-encoded pairs).
    pub(crate) fn url(
        &self,
        region: &str,
        target: Target<'_>,
        query: &[(&str, String)],
    ) -> Result<Url> {
        let base = self.shared().endpoint(Service::S3, region)?;
        let custom = self.shared().custom_endpoint(Service::S3).is_some();
        let path_style = match (self.shared().path_style, target.bucket) {
            (Some(p), _) => p,
            (None, Some(b)) => custom || !names::fits_host_name(b),
            (None, None) => true,
        };
        let mut url = base;
        let mut path = url.path().trim_end_matches('/').to_owned();
        if let Some(bucket) = target.bucket {
            if path_style {
                path.push('/');
                path.push_str(&encode(bucket));
            } else {
                let host = format!("{bucket}.{}", url.host_str().unwrap_or_default());
                url.set_host(&host).map_err(|e| {
                    Error::invalid_input(format!(
                        "bucket `{bucket}` makes an invalid host name: {e}"
                    ))
                })?;
            }
        }
        if let Some(key) = target.key {
            for segment in key.split('/') {
                path.push('/');
                path.push_str(&encode(segment));
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        url.set_path(&path);
        let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let query = query.join("&");
        url.set_query(if query.is_empty() { None } else { Some(&query) });
        Ok(url)
    }

    /// Sends a request built by `build` for each region tried; follows one
    /// redirect to the bucket's real region. Returns the response if it is
    /// a success (2xx, 304), else the typed error.
    pub(crate) async fn send<F>(&self, target: Target<'_>, build: F) -> Result<HttpResponse>
    where
        F: Fn(&Self, &str) -> Result<HttpRequest>,
    {
        let mut region = self.region_for(target.bucket);
        for attempt in 0..2 {
            let request = build(self, &region)?;
            let response = self.client(&region)?.send(request).await?;
            let status = response.status();
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                return Ok(response);
            }
            let bucket_region = response
                .header_str("x-amz-bucket-region")
                .map(str::to_owned);
            let (status, headers, body) = response.into_parts();
            let redirect = matches!(status.as_u16(), 301 | 307 | 400);
            if let (true, Some(real), Some(bucket), 0) =
                (redirect, &bucket_region, target.bucket, attempt)
                && *real != region
                && self.shared().custom_endpoint(Service::S3).is_none()
                && crate::config::check_region(real).is_ok()
            {
                tracing::debug!(bucket, from = %region, to = %real, "following the bucket to its region");
                self.remember_region(bucket, real);
                region = real.clone();
                continue;
            }
            let resource = target.resource();
            let resource = resource.as_ref().map(|(k, id)| (*k, id.as_str()));
            return Err(failed_response(Service::S3, status, &headers, body, resource).await);
        }
        Err(Error::new(ErrorKind::Provider, "S3 redirected twice").with_provider(crate::PROVIDER))
    }

    /// Finds a bucket's region before a streamed upload, which cannot be re-sent.
    pub(crate) async fn locate(&self, bucket: &str) -> Result<String> {
        if self.shared().custom_endpoint(Service::S3).is_some() {
            return Ok(self.shared().region.clone());
        }
        let cached = self
            .inner
            .bucket_regions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(bucket)
            .cloned();
        if let Some(region) = cached {
            return Ok(region);
        }
        self.get_container(bucket).await?;
        Ok(self.region_for(Some(bucket)))
    }

    /// Multipart uploads in progress in `bucket` (an extra: find orphans).
    pub async fn ex_list_multipart_uploads(
        &self,
        bucket: &str,
    ) -> Result<Vec<MultipartUploadInfo>> {
        names::check_bucket(bucket)?;
        let mut all = Vec::new();
        let mut markers: Option<(String, String)> = None;
        loop {
            let (uploads, next) = self.multipart_uploads_page(bucket, "", &markers).await?;
            all.extend(uploads);
            match next {
                Some(n) if Some(&n) != markers.as_ref() => markers = Some(n),
                _ => return Ok(all),
            }
        }
    }

    /// One page of `ListMultipartUploads`, after `markers`.
    async fn multipart_uploads_page(
        &self,
        bucket: &str,
        prefix: &str,
        markers: &Option<parse::UploadMarkers>,
    ) -> Result<(Vec<MultipartUploadInfo>, Option<parse::UploadMarkers>)> {
        let target = Target::bucket(bucket);
        let response = self
            .send(target, |s, region| {
                let mut query = vec![("uploads", String::new())];
                if let Some((key, id)) = markers {
                    query.push(("key-marker", encode(key)));
                    query.push(("upload-id-marker", encode(id)));
                }
                if !prefix.is_empty() {
                    query.push(("prefix", encode(prefix)));
                }
                Ok(HttpRequest::new(
                    Method::GET,
                    s.url(region, target, &query)?,
                ))
            })
            .await?;
        parse::list_multipart_uploads(&text(response).await?)
    }

    /// Aborts a multipart upload, freeing its parts (an extra).
    pub async fn ex_abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<()> {
        names::check_bucket(bucket)?;
        upload::abort(self, bucket, key, upload_id).await
    }

    /// Deletes up to 1000 keys in one request; returns the keys S3 could not delete.
    pub async fn ex_delete_objects(
        &self,
        bucket: &str,
        keys: &[&str],
    ) -> Result<Vec<(String, String)>> {
        names::check_bucket(bucket)?;
        if keys.len() > 1000 {
            return Err(Error::invalid_input(
                "S3 deletes at most 1000 keys per request",
            ));
        }
        let mut xml = String::from("<Delete><Quiet>true</Quiet>");
        // Keys travel in the body here, not the URL, so even one with a
        // `..` segment (which no URL can address) is deleted as named.
        for key in keys {
            cloud_core::storage::check_object_name(key)?;
            xml.push_str(&format!(
                "<Object><Key>{}</Key></Object>",
                crate::xml::escape(key)
            ));
        }
        xml.push_str("</Delete>");
        let md5 = upload::content_md5(xml.as_bytes());
        let target = Target::bucket(bucket);
        let response = self
            .send(target, |s, region| {
                HttpRequest::new(
                    Method::POST,
                    s.url(region, target, &[("delete", String::new())])?,
                )
                .header("content-md5", &md5)?
                .header("content-type", "application/xml")
                .map(|r| {
                    r.body(cloud_core::http::Body::from_bytes(xml.clone()))
                        .idempotent(true)
                })
            })
            .await?;
        parse::delete_result_errors(&text(response).await?)
    }

    /// The region a bucket lives in (an extra).
    pub async fn ex_bucket_region(&self, bucket: &str) -> Result<String> {
        names::check_bucket(bucket)?;
        self.get_container(bucket).await?;
        Ok(self.region_for(Some(bucket)))
    }
}

/// A response body as text (bounded).
pub(crate) async fn text(response: HttpResponse) -> Result<String> {
    let bytes = response.bytes().await?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Error::malformed(crate::PROVIDER, "S3 answered with invalid UTF-8"))
}

fn content_length(response: &HttpResponse) -> Result<u64> {
    cloud_core::http::content_length(response, crate::PROVIDER, "S3")
}

impl Driver for S3Storage {
    fn provider(&self) -> &str {
        crate::PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(&self.shared().redactor)
    }
}

#[async_trait]
impl StorageDriver for S3Storage {
    async fn list_containers(&self, page: PageRequest) -> Result<Page<Container>> {
        let response = self
            .send(Target::service(), |s, region| {
                let mut query = Vec::new();
                if let Some(token) = &page.token {
                    query.push(("continuation-token", encode(token)));
                }
                if let Some(size) = page.size {
                    query.push(("max-buckets", size.min(10_000).to_string()));
                }
                Ok(HttpRequest::new(
                    Method::GET,
                    s.url(region, Target::service(), &query)?,
                ))
            })
            .await?;
        parse::list_buckets(&text(response).await?)
    }

    async fn get_container(&self, name: &str) -> Result<Container> {
        names::check_bucket(name)?;
        let target = Target::bucket(name);
        let response = self
            .send(target, |s, region| {
                Ok(HttpRequest::new(Method::HEAD, s.url(region, target, &[])?))
            })
            .await?;
        let mut container = Container::new(name);
        if let Some(region) = response.header_str("x-amz-bucket-region") {
            self.remember_region(name, region);
            container.extra.insert("region".into(), region.into());
        }
        Ok(container)
    }

    async fn create_container(&self, name: &str) -> Result<Container> {
        names::check_new_bucket(name)?;
        let region = self.shared().region.clone();
        // us-east-1 answers 200 for a bucket you already own; ask first so
        // the portable "already exists" holds there too.
        if region == "us-east-1" {
            match self.get_container(name).await {
                Ok(_) => {
                    return Err(Error::already_exists(ResourceKind::Container, name)
                        .with_provider(crate::PROVIDER));
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let target = Target::bucket(name);
        let body = if region == "us-east-1" {
            String::new()
        } else {
            format!(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
                crate::xml::escape(&region)
            )
        };
        self.send(target, |s, r| {
            Ok(HttpRequest::new(Method::PUT, s.url(r, target, &[])?)
                .body(cloud_core::http::Body::from_bytes(body.clone())))
        })
        .await?;
        self.remember_region(name, &region);
        let mut container = Container::new(name);
        container.extra.insert("region".into(), region.into());
        Ok(container)
    }

    async fn delete_container(&self, name: &str) -> Result<()> {
        names::check_bucket(name)?;
        let target = Target::bucket(name);
        self.send(target, |s, region| {
            Ok(HttpRequest::new(
                Method::DELETE,
                s.url(region, target, &[])?,
            ))
        })
        .await?;
        Ok(())
    }

    async fn list_objects(
        &self,
        container: &str,
        request: &ListObjectsRequest,
    ) -> Result<Page<ListEntry>> {
        names::check_bucket(container)?;
        let target = Target::bucket(container);
        let v1 = self.shared().list_objects_v1;
        let response = self
            .send(target, |s, region| {
                let mut query = Vec::new();
                if !v1 {
                    query.push(("list-type", "2".to_owned()));
                }
                if let Some(token) = &request.page.token {
                    let name = if v1 { "marker" } else { "continuation-token" };
                    query.push((name, encode(token)));
                }
                if let Some(d) = &request.delimiter {
                    query.push(("delimiter", encode(d)));
                }
                if let Some(size) = request.page.size {
                    query.push(("max-keys", size.min(1000).to_string()));
                }
                if let Some(p) = &request.prefix {
                    query.push(("prefix", encode(p)));
                }
                Ok(HttpRequest::new(
                    Method::GET,
                    s.url(region, target, &query)?,
                ))
            })
            .await?;
        let body = text(response).await?;
        if v1 {
            parse::list_objects_v1(container, &body)
        } else {
            parse::list_objects(container, &body)
        }
    }

    async fn get_object(&self, container: &str, name: &str) -> Result<Object> {
        names::check_bucket(container)?;
        names::check_key(name)?;
        let target = Target::object(container, name);
        let response = self
            .send(target, |s, region| {
                Ok(HttpRequest::new(Method::HEAD, s.url(region, target, &[])?))
            })
            .await?;
        let size = content_length(&response)?;
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
        names::check_bucket(container)?;
        names::check_key(name)?;
        let target = Target::object(container, name);
        let response = self
            .send(target, |s, region| {
                cloud_core::http::with_download_options(
                    HttpRequest::new(Method::GET, s.url(region, target, &[])?),
                    options,
                )
            })
            .await?;
        let (range, size) = cloud_core::http::download_span(&response, crate::PROVIDER, "S3")?;
        let object = parse::object_from_headers(container, name, response.headers(), size);
        let body: ByteStream = response.into_body().into_stream();
        Ok(Download::new(object, range, body))
    }

    async fn upload(
        &self,
        container: &str,
        name: &str,
        body: ByteStream,
        options: &UploadOptions,
    ) -> Result<Object> {
        names::check_bucket(container)?;
        names::check_key(name)?;
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
        names::check_bucket(container)?;
        names::check_key(name)?;
        upload::upload_file(self, container, name, path, len, options).await
    }

    async fn list_uploads(
        &self,
        container: &str,
        prefix: &str,
        page: PageRequest,
    ) -> Result<Page<PendingUpload>> {
        names::check_bucket(container)?;
        // The token carries S3's two markers: key, newline, upload id.
        let markers = page.token.as_deref().map(|t| {
            let (key, id) = t.split_once('\n').unwrap_or((t, ""));
            (key.to_owned(), id.to_owned())
        });
        // S3-compatible servers without the call (s3s-fs) answer 501.
        let (uploads, next) = self
            .multipart_uploads_page(container, prefix, &markers)
            .await
            .map_err(|e| match e.status() {
                Some(501) => Error::unsupported(crate::PROVIDER, Capability::ListUploads)
                    .with_status(501)
                    .with_message(format!(
                        "this S3 server cannot list multipart uploads: {}",
                        e.message()
                    )),
                _ => e,
            })?;
        let next = next
            .filter(|n| Some(n) != markers.as_ref())
            .map(|(key, id)| format!("{key}\n{id}"));
        let items = uploads
            .into_iter()
            .map(|u| {
                let mut pending = PendingUpload::new(u.key, u.upload_id);
                pending.started = u.initiated;
                pending
            })
            .collect();
        Ok(Page::new(items, next))
    }

    async fn abort_upload(&self, container: &str, upload: &PendingUpload) -> Result<()> {
        names::check_bucket(container)?;
        upload::abort(self, container, &upload.name, &upload.id).await
    }

    async fn copy_object(
        &self,
        from_container: &str,
        from_name: &str,
        to_container: &str,
        to_name: &str,
    ) -> Result<Object> {
        for b in [from_container, to_container] {
            names::check_bucket(b)?;
        }
        for k in [from_name, to_name] {
            names::check_key(k)?;
        }
        let source = format!(
            "/{}/{}",
            encode(from_container),
            from_name
                .split('/')
                .map(encode)
                .collect::<Vec<_>>()
                .join("/")
        );
        let target = Target::object(to_container, to_name);
        let response = self
            .send(target, |s, region| {
                HttpRequest::new(Method::PUT, s.url(region, target, &[])?)
                    .header("x-amz-copy-source", &source)?
                    .header("x-amz-metadata-directive", "COPY")
            })
            .await
            .map_err(|e| match e.kind() {
                // The missing thing is more often the source than the destination.
                ErrorKind::NotFound { .. } if e.code() == Some("NoSuchKey") => Error::not_found(
                    ResourceKind::Object,
                    format!("{from_container}/{from_name}"),
                )
                .with_provider(crate::PROVIDER)
                .with_code("NoSuchKey"),
                _ => e,
            })?;
        let body = text(response).await?;
        if let Some((code, message)) = parse::embedded_error(&body) {
            return Err(
                Error::new(ErrorKind::Provider, format!("S3: copy failed: {message}"))
                    .with_provider(crate::PROVIDER)
                    .with_code(code),
            );
        }
        self.get_object(to_container, to_name).await
    }

    async fn delete_object(&self, container: &str, name: &str) -> Result<()> {
        names::check_bucket(container)?;
        if names::check_key(name).is_err() {
            // A key no URL can address (written by another client): delete
            // it by naming it in a DeleteObjects body.
            let failed = self.ex_delete_objects(container, &[name]).await?;
            return match failed.first() {
                None => Ok(()),
                Some((_, code)) => Err(Error::new(
                    ErrorKind::Provider,
                    format!("S3 did not delete `{}`", cloud_core::error::quote(name)),
                )
                .with_provider(crate::PROVIDER)
                .with_code(code.clone())),
            };
        }
        let target = Target::object(container, name);
        self.send(target, |s, region| {
            Ok(HttpRequest::new(
                Method::DELETE,
                s.url(region, target, &[])?,
            ))
        })
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
        names::check_bucket(container)?;
        names::check_key(name)?;
        let region = self.region_for(Some(container));
        let url = self.url(&region, Target::object(container, name), &[])?;
        let method = match method {
            UrlMethod::Get => "GET",
            UrlMethod::Put => "PUT",
            _ => return Err(Error::invalid_input("S3 signs GET and PUT URLs only")),
        };
        self.shared()
            .signer(&region)
            .presign(method, &url, expires_in)
            .await
    }
}
