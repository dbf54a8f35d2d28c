//! S3 responses to portable types. Pure functions over text and headers, so
//! they are snapshot-tested and fuzzed on their own.

use cloud_core::http::{HeaderMap, parse_http_date};
use cloud_core::time::parse_rfc3339;
use cloud_core::{Container, Error, ListEntry, Object, Page, Result};

use crate::xml::{self, child, child_text, child_text_exact, children, required, required_exact};

const SERVICE: &str = "S3";

/// `ListAllMyBucketsResult`.
pub fn list_buckets(body: &str) -> Result<Page<Container>> {
    let doc = xml::document(SERVICE, body, &["ListAllMyBucketsResult"])?;
    let root = doc.root_element();
    let mut containers = Vec::new();
    if let Some(buckets) = child(root, "Buckets") {
        for bucket in children(buckets, "Bucket") {
            let mut c = Container::new(required(SERVICE, bucket, "Name")?);
            c.created_at = child_text(bucket, "CreationDate").and_then(parse_rfc3339);
            if let Some(region) = child_text(bucket, "BucketRegion") {
                c.extra.insert("region".into(), region.into());
            }
            containers.push(c);
        }
    }
    let next = child_text(root, "ContinuationToken")
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    Ok(Page::new(containers, next))
}

/// `ListBucketResult` of ListObjectsV2: objects and common prefixes merged
/// in name order, with the continuation token.
pub fn list_objects(bucket: &str, body: &str) -> Result<Page<ListEntry>> {
    let (entries, truncated, root_next) = listing(bucket, body, "NextContinuationToken")?;
    if truncated && root_next.is_none() {
        return Err(Error::malformed(
            crate::PROVIDER,
            "S3 listing is truncated but has no continuation token",
        ));
    }
    Ok(Page::new(entries, if truncated { root_next } else { None }))
}

/// A `ListBucketResult` of the original ListObjects call, whose next page
/// starts after `NextMarker` (sent only with a delimiter) or else after the
/// last name listed.
pub fn list_objects_v1(bucket: &str, body: &str) -> Result<Page<ListEntry>> {
    let (entries, truncated, marker) = listing(bucket, body, "NextMarker")?;
    if !truncated {
        return Ok(Page::last(entries));
    }
    let next = marker.or_else(|| entries.last().map(|e| e.name().to_owned()));
    if next.is_none() {
        return Err(Error::malformed(
            crate::PROVIDER,
            "S3 listing is truncated but lists nothing to continue after",
        ));
    }
    Ok(Page::new(entries, next))
}

/// The entries of a `ListBucketResult`, in name order, whether it is
/// truncated, and the text of its `next` element.
fn listing(bucket: &str, body: &str, next: &str) -> Result<(Vec<ListEntry>, bool, Option<String>)> {
    let doc = xml::document(SERVICE, body, &["ListBucketResult"])?;
    let root = doc.root_element();
    let mut entries = Vec::new();
    for item in children(root, "Contents") {
        let key = required_exact(SERVICE, item, "Key")?;
        let size = xml::required_parse::<u64>(SERVICE, item, "Size")?;
        let mut object = Object::new(bucket, key, size);
        object.etag = child_text(item, "ETag").map(unquote);
        object.last_modified = child_text(item, "LastModified").and_then(parse_rfc3339);
        if let Some(class) = child_text(item, "StorageClass") {
            object.extra.insert("storage_class".into(), class.into());
        }
        entries.push(ListEntry::Object(object));
    }
    for prefix in children(root, "CommonPrefixes") {
        let prefix = required_exact(SERVICE, prefix, "Prefix")?;
        entries.push(ListEntry::Prefix {
            prefix: prefix.to_owned(),
        });
    }
    entries.sort_by(|a, b| a.name().cmp(b.name()));
    let truncated = child_text(root, "IsTruncated") == Some("true");
    let next = child_text_exact(root, next)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    Ok((entries, truncated, next))
}

/// An object's metadata from the headers of a HEAD or GET.
pub fn object_from_headers(bucket: &str, key: &str, headers: &HeaderMap, size: u64) -> Object {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let mut object = Object::new(bucket, key, size);
    object.etag = header("etag").map(unquote);
    object.content_type = header("content-type").map(str::to_owned);
    object.last_modified = header("last-modified").and_then(parse_http_date);
    for (name, value) in headers {
        if let Some(meta) = name.as_str().strip_prefix("x-amz-meta-")
            && let Ok(v) = value.to_str()
        {
            object
                .metadata
                .insert(meta.to_ascii_lowercase(), v.to_owned());
        }
    }
    for (header_name, extra) in [
        ("x-amz-storage-class", "storage_class"),
        ("x-amz-version-id", "version_id"),
        ("x-amz-server-side-encryption", "server_side_encryption"),
    ] {
        if let Some(v) = header(header_name) {
            object.extra.insert(extra.into(), v.into());
        }
    }
    object
}

/// The `UploadId` of `InitiateMultipartUploadResult`.
pub fn upload_id(body: &str) -> Result<String> {
    let doc = xml::document(SERVICE, body, &["InitiateMultipartUploadResult"])?;
    required(SERVICE, doc.root_element(), "UploadId").map(str::to_owned)
}

/// A 200 answer that carries an `<Error>` instead of a result (S3 does this
/// for CompleteMultipartUpload and CopyObject): its code and message.
pub fn embedded_error(body: &str) -> Option<(String, String)> {
    let doc = roxmltree::Document::parse(body).ok()?;
    let root = doc.root_element();
    if root.tag_name().name() != "Error" {
        return None;
    }
    Some((
        child_text(root, "Code")
            .unwrap_or("InternalError")
            .to_owned(),
        child_text(root, "Message").unwrap_or("").to_owned(),
    ))
}

/// The ETag of `CompleteMultipartUploadResult` or `CopyObjectResult`.
pub fn result_etag(body: &str) -> Result<String> {
    let doc = xml::document(
        SERVICE,
        body,
        &[
            "CompleteMultipartUploadResult",
            // moto names it so
            "CompleteMultipartUploadResponse",
            "CopyObjectResult",
        ],
    )?;
    required(SERVICE, doc.root_element(), "ETag").map(unquote)
}

/// One multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MultipartUploadInfo {
    /// The object key.
    pub key: String,
    /// The upload id.
    pub upload_id: String,
    /// When it started, as S3 reported it.
    pub initiated: Option<std::time::SystemTime>,
}

/// Where the next page of multipart uploads starts: key and upload id.
pub type UploadMarkers = (String, String);

/// `ListMultipartUploadsResult`, with the markers of the next page.
pub fn list_multipart_uploads(
    body: &str,
) -> Result<(Vec<MultipartUploadInfo>, Option<UploadMarkers>)> {
    let doc = xml::document(SERVICE, body, &["ListMultipartUploadsResult"])?;
    let root = doc.root_element();
    let mut uploads = Vec::new();
    for upload in children(root, "Upload") {
        uploads.push(MultipartUploadInfo {
            key: required_exact(SERVICE, upload, "Key")?.to_owned(),
            upload_id: required(SERVICE, upload, "UploadId")?.to_owned(),
            initiated: child_text(upload, "Initiated").and_then(parse_rfc3339),
        });
    }
    let next = if child_text(root, "IsTruncated") == Some("true") {
        Some((
            child_text_exact(root, "NextKeyMarker")
                .unwrap_or("")
                .to_owned(),
            child_text(root, "NextUploadIdMarker")
                .unwrap_or("")
                .to_owned(),
        ))
    } else {
        None
    };
    Ok((uploads, next))
}

/// The keys a batch delete could not remove, with their error codes.
pub fn delete_result_errors(body: &str) -> Result<Vec<(String, String)>> {
    let doc = xml::document(SERVICE, body, &["DeleteResult"])?;
    children(doc.root_element(), "Error")
        .map(|e| {
            Ok((
                required_exact(SERVICE, e, "Key")?.to_owned(),
                child_text(e, "Code").unwrap_or("").to_owned(),
            ))
        })
        .collect()
}

fn unquote(etag: &str) -> String {
    etag.trim().trim_matches('"').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>photos</Name><Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>a.txt</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>"9b2cf535f27731c974343645a3985328"</ETag><Size>4</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>z &amp; y.txt</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>"d41d8cd98f00b204e9800998ecf8427e-2"</ETag><Size>0</Size></Contents>
  <CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>"#;

    #[test]
    fn listing_merges_objects_and_prefixes_in_order() {
        let page = list_objects("photos", LISTING).unwrap();
        insta::assert_json_snapshot!(page.items);
        assert_eq!(
            page.next.as_deref(),
            Some("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        );
    }

    #[test]
    fn malformed_listings_are_errors() {
        for bad in [
            "<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>",
            "<ListBucketResult><Contents><Key>a</Key><Size>x</Size></Contents></ListBucketResult>",
            "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
            "<Error><Code>InternalError</Code></Error>",
            "<ListBucketResult><Contents>",
            "",
        ] {
            let err = list_objects("b", bad).unwrap_err();
            assert_eq!(
                err.kind(),
                &cloud_core::ErrorKind::MalformedResponse,
                "{bad}"
            );
        }
    }

    #[test]
    fn headers_to_object() {
        let mut h = HeaderMap::new();
        h.insert("etag", "\"abc\"".parse().unwrap());
        h.insert("content-type", "text/plain".parse().unwrap());
        h.insert(
            "last-modified",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        h.insert("x-amz-meta-owner", "ada".parse().unwrap());
        let o = object_from_headers("b", "k", &h, 12);
        assert_eq!(o.etag.as_deref(), Some("abc"));
        assert_eq!(o.metadata.get("owner").map(String::as_str), Some("ada"));
        assert!(o.last_modified.is_some());
    }

    #[test]
    fn errors_inside_200_answers() {
        assert_eq!(
            embedded_error("<Error><Code>InternalError</Code><Message>try again</Message></Error>"),
            Some(("InternalError".into(), "try again".into()))
        );
        assert_eq!(embedded_error("<CompleteMultipartUploadResult/>"), None);
    }
}
