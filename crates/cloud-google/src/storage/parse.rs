//! Cloud Storage's JSON resources as portable types.
//!
//! An object's portable `etag` is its **generation**: what Cloud Storage's
//! preconditions (`ifGenerationMatch`) compare, so the portable If-Match and
//! If-None-Match map onto them exactly. Its MD5 (hex, when Cloud Storage
//! keeps one: not for composite objects), CRC32C and Cloud Storage's own
//! ETag are in `extra`.

use std::collections::BTreeMap;

use base64::Engine;
use cloud_core::http::json::null_as_default;
use cloud_core::http::{HeaderMap, parse_http_date};
use cloud_core::time::parse_rfc3339;
use cloud_core::{Container, Error, ListEntry, Object, Result};
use serde::Deserialize;
use serde_json::Value;

use crate::PROVIDER;

fn malformed(what: &str) -> Error {
    Error::malformed(PROVIDER, format!("Cloud Storage answered {what}"))
}

/// The hex of a base64 MD5, as other providers write it.
pub(crate) fn md5_hex(base64_md5: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_md5.trim())
        .ok()
        .filter(|b| b.len() == 16)?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `value` as a wire type; a bad field is malformed, naming its path.
fn wire<T: serde::de::DeserializeOwned>(v: &Value, what: &str) -> Result<T> {
    cloud_core::http::json::decode(PROVIDER, "Cloud Storage", what, v)
}

/// A 64-bit number Google writes as a JSON string (or, from some servers,
/// a number).
fn int64<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Int64 {
        Text(String),
        Number(u64),
    }
    match Option::<Int64>::deserialize(d)? {
        None => Ok(None),
        Some(Int64::Number(n)) => Ok(Some(n)),
        Some(Int64::Text(t)) => t
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a 64-bit number"))),
    }
}

/// Text that counts only when it is not empty.
fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty())
}

/// A bucket resource.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireBucket {
    name: String,
    #[serde(default)]
    time_created: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    location_type: Option<String>,
    #[serde(default)]
    storage_class: Option<String>,
    #[serde(default)]
    versioning: Option<WireVersioning>,
}

#[derive(Debug, Deserialize)]
struct WireVersioning {
    #[serde(default)]
    enabled: Option<bool>,
}

/// A page of buckets.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireBuckets {
    #[serde(default, deserialize_with = "null_as_default")]
    items: Vec<WireBucket>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// An object resource.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireObject {
    name: String,
    #[serde(default)]
    bucket: Option<String>,
    #[serde(deserialize_with = "int64")]
    size: Option<u64>,
    #[serde(default, deserialize_with = "int64")]
    generation: Option<u64>,
    #[serde(default, deserialize_with = "int64")]
    metageneration: Option<u64>,
    #[serde(default, deserialize_with = "int64")]
    component_count: Option<u64>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    updated: Option<String>,
    #[serde(default)]
    time_created: Option<String>,
    /// User metadata: free-form text values (others are left out).
    #[serde(default)]
    metadata: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    md5_hash: Option<String>,
    #[serde(default)]
    crc32c: Option<String>,
    #[serde(default)]
    etag: Option<String>,
    #[serde(default)]
    storage_class: Option<String>,
    #[serde(default)]
    content_encoding: Option<String>,
}

/// A page of objects: objects and prefixes as two lists.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireObjects {
    #[serde(default, deserialize_with = "null_as_default")]
    items: Vec<WireObject>,
    #[serde(default, deserialize_with = "null_as_default")]
    prefixes: Vec<String>,
    #[serde(default)]
    next_page_token: Option<String>,
}

impl WireBucket {
    fn container(self) -> Container {
        let mut c = Container::new(self.name);
        c.created_at = self.time_created.as_deref().and_then(parse_rfc3339);
        for (key, value) in [
            ("location", self.location),
            ("location_type", self.location_type),
            ("storage_class", self.storage_class),
        ] {
            if let Some(value) = non_empty(value) {
                c.extra.insert(key.into(), value.into());
            }
        }
        if let Some(versioning) = self.versioning.and_then(|v| v.enabled) {
            c.extra.insert("versioning".into(), versioning.into());
        }
        c
    }
}

impl WireObject {
    fn object(self, container: &str) -> Result<Object> {
        let size = self
            .size
            .ok_or_else(|| malformed(&format!("object `{}` without a size", self.name)))?;
        let mut o = Object::new(container, &self.name, size);
        o.etag = self.generation.map(|g| g.to_string());
        o.content_type = non_empty(self.content_type);
        o.last_modified = non_empty(self.updated)
            .or(non_empty(self.time_created))
            .as_deref()
            .and_then(parse_rfc3339);
        if let Some(meta) = self.metadata {
            o.metadata = meta
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(v) => Some((k.to_ascii_lowercase(), v)),
                    _ => None,
                })
                .collect::<BTreeMap<_, _>>();
        }
        if let Some(md5) = non_empty(self.md5_hash).as_deref().and_then(md5_hex) {
            o.extra.insert("md5".into(), md5.into());
        }
        for (key, value) in [
            ("crc32c", self.crc32c),
            ("gcs_etag", self.etag),
            ("storage_class", self.storage_class),
            ("content_encoding", self.content_encoding),
        ] {
            if let Some(value) = non_empty(value) {
                o.extra.insert(key.into(), value.into());
            }
        }
        for (key, value) in [
            ("generation", self.generation),
            ("metageneration", self.metageneration),
            ("component_count", self.component_count),
        ] {
            if let Some(value) = value {
                o.extra.insert(key.into(), value.into());
            }
        }
        Ok(o)
    }
}

/// A bucket resource.
pub fn container(v: &Value) -> Result<Container> {
    Ok(wire::<WireBucket>(v, "a bucket")?.container())
}

/// One page of a bucket listing and the next page's token.
pub fn containers(v: &Value) -> Result<(Vec<Container>, Option<String>)> {
    let page: WireBuckets = wire(v, "the bucket listing")?;
    let items = page.items.into_iter().map(WireBucket::container).collect();
    Ok((items, non_empty(page.next_page_token)))
}

/// An object resource of `container`.
pub fn object(container: &str, v: &Value) -> Result<Object> {
    wire::<WireObject>(v, "an object")?.object(container)
}

/// An object resource, in the bucket it names (an upload's answer).
pub fn object_in_its_bucket(v: &Value) -> Result<Object> {
    let wire: WireObject = wire(v, "an object")?;
    let bucket = wire.bucket.clone().unwrap_or_default();
    wire.object(&bucket)
}

/// What a rewrite step answers: done with the object, or a token to
/// continue with.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Rewrite {
    #[serde(default)]
    pub(crate) done: Option<bool>,
    #[serde(default)]
    pub(crate) rewrite_token: Option<String>,
    #[serde(default)]
    pub(crate) resource: Option<Value>,
}

/// A rewrite step's answer.
pub(crate) fn rewrite(v: &Value) -> Result<Rewrite> {
    wire(v, "a rewrite")
}

/// One page of an object listing: objects and prefixes in byte order of
/// their names (Cloud Storage returns them as two lists), and the next
/// page's token.
pub fn objects(container: &str, v: &Value) -> Result<(Vec<ListEntry>, Option<String>)> {
    let page: WireObjects = wire(v, "the object listing")?;
    let mut entries = page
        .items
        .into_iter()
        .map(|o| o.object(container).map(ListEntry::Object))
        .collect::<Result<Vec<_>>>()?;
    entries.extend(
        page.prefixes
            .into_iter()
            .map(|prefix| ListEntry::Prefix { prefix }),
    );
    entries.sort_by(|a, b| a.name().as_bytes().cmp(b.name().as_bytes()));
    Ok((entries, non_empty(page.next_page_token)))
}

/// The checksums in an `x-goog-hash` header (`crc32c=...,md5=...`).
pub(crate) fn goog_hash(headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let (mut crc, mut md5) = (None, None);
    for value in headers.get_all("x-goog-hash") {
        let Ok(text) = value.to_str() else { continue };
        for part in text.split(',') {
            match part.trim().split_once('=') {
                Some(("crc32c", v)) => crc = Some(v.trim().to_owned()),
                Some(("md5", v)) => md5 = Some(v.trim().to_owned()),
                _ => {}
            }
        }
    }
    (crc, md5)
}

/// What a media download's headers say about the object: its generation
/// (the portable etag), content type, checksums and user metadata.
pub(crate) fn object_from_headers(
    container: &str,
    name: &str,
    headers: &HeaderMap,
    size: u64,
) -> Object {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let mut o = Object::new(container, name, size);
    o.etag = header("x-goog-generation").map(str::to_owned);
    o.content_type = header("content-type").map(str::to_owned);
    o.last_modified = header("last-modified").and_then(parse_http_date);
    for (key, value) in headers {
        if let Some(meta) = key.as_str().strip_prefix("x-goog-meta-")
            && let Ok(value) = value.to_str()
        {
            o.metadata.insert(meta.to_owned(), value.to_owned());
        }
    }
    let (crc, md5) = goog_hash(headers);
    if let Some(md5) = md5.as_deref().and_then(md5_hex) {
        o.extra.insert("md5".into(), md5.into());
    }
    if let Some(crc) = crc {
        o.extra.insert("crc32c".into(), crc.into());
    }
    if let Some(g) = header("x-goog-generation").and_then(|g| g.parse::<u64>().ok()) {
        o.extra.insert("generation".into(), g.into());
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_and_prefixes_merge_in_byte_order() {
        let page = json!({
            "kind": "storage#objects",
            "prefixes": ["dir/"],
            "items": [
                {"name": "a.txt", "size": "3", "generation": "17", "md5Hash": "XUFAKrxLKna5cZ2REBfFkg==",
                 "crc32c": "mnG7TA==", "metadata": {"Owner": "ada"}, "updated": "2026-12-03T22:59:02.047Z"},
                {"name": "dirx", "size": "0", "generation": "18"}
            ],
            "nextPageToken": "tok"
        });
        let (entries, next) = objects("b", &page).unwrap();
        let names: Vec<&str> = entries.iter().map(ListEntry::name).collect();
        assert_eq!(names, ["a.txt", "dir/", "dirx"]);
        assert_eq!(next.as_deref(), Some("tok"));
        let a = entries[0].as_object().unwrap();
        assert_eq!(a.etag.as_deref(), Some("17"));
        assert_eq!(a.extra["md5"], "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(a.metadata["owner"], "ada");
        assert!(a.last_modified.is_some());
    }

    #[test]
    fn broken_resources_are_malformed_not_panics() {
        for bad in [
            json!({"items": [{"size": "1"}]}),
            json!({"items": [{"name": "x", "size": "many"}]}),
            json!({"items": "nope"}),
            json!({"prefixes": [7]}),
        ] {
            let err = objects("b", &bad).unwrap_err();
            assert_eq!(
                err.kind(),
                &cloud_core::ErrorKind::MalformedResponse,
                "{bad}"
            );
        }
        assert!(containers(&json!({"items": [{}]})).is_err());
        assert_eq!(md5_hex("not base64!"), None);
    }
}
