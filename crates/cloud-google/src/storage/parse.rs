//! Cloud Storage's JSON resources as portable types.
//!
//! An object's portable `etag` is its **generation**: what Cloud Storage's
//! preconditions (`ifGenerationMatch`) compare, so the portable If-Match and
//! If-None-Match map onto them exactly. Its MD5 (hex, when Cloud Storage
//! keeps one: not for composite objects), CRC32C and Cloud Storage's own
//! ETag are in `extra`.

use std::collections::BTreeMap;

use base64::Engine;
use cloud_core::http::{HeaderMap, parse_http_date};
use cloud_core::time::parse_rfc3339;
use cloud_core::{Container, Error, ListEntry, Object, Result};
use serde_json::Value;

use crate::PROVIDER;

fn malformed(what: &str) -> Error {
    Error::malformed(PROVIDER, format!("Cloud Storage answered {what}"))
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A 64-bit number Google writes as a JSON string (or, from some servers, a number).
fn number(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// The hex of a base64 MD5, as other providers write it.
pub(crate) fn md5_hex(base64_md5: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_md5.trim())
        .ok()
        .filter(|b| b.len() == 16)?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A bucket resource.
pub fn container(v: &Value) -> Result<Container> {
    let name = text(v, "name").ok_or_else(|| malformed("a bucket without a name"))?;
    let mut c = Container::new(name);
    c.created_at = text(v, "timeCreated").and_then(parse_rfc3339);
    for (key, field) in [
        ("location", "location"),
        ("location_type", "locationType"),
        ("storage_class", "storageClass"),
    ] {
        if let Some(value) = text(v, field) {
            c.extra.insert(key.into(), value.into());
        }
    }
    if let Some(versioning) = v.pointer("/versioning/enabled").and_then(Value::as_bool) {
        c.extra.insert("versioning".into(), versioning.into());
    }
    Ok(c)
}

/// One page of a bucket listing and the next page's token.
pub fn containers(v: &Value) -> Result<(Vec<Container>, Option<String>)> {
    let items = match v.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(container).collect::<Result<_>>()?,
        Some(_) => return Err(malformed("a bucket listing whose items are not a list")),
    };
    Ok((items, text(v, "nextPageToken").map(str::to_owned)))
}

/// An object resource of `container`.
pub fn object(container: &str, v: &Value) -> Result<Object> {
    let name = text(v, "name").ok_or_else(|| malformed("an object without a name"))?;
    let size =
        number(v, "size").ok_or_else(|| malformed(&format!("object `{name}` without a size")))?;
    let mut o = Object::new(container, name, size);
    o.etag = number(v, "generation").map(|g| g.to_string());
    o.content_type = text(v, "contentType").map(str::to_owned);
    o.last_modified = text(v, "updated")
        .or_else(|| text(v, "timeCreated"))
        .and_then(parse_rfc3339);
    if let Some(meta) = v.get("metadata").and_then(Value::as_object) {
        o.metadata = meta
            .iter()
            .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned())))
            .collect::<BTreeMap<_, _>>();
    }
    if let Some(md5) = text(v, "md5Hash").and_then(md5_hex) {
        o.extra.insert("md5".into(), md5.into());
    }
    for (key, field) in [
        ("crc32c", "crc32c"),
        ("gcs_etag", "etag"),
        ("storage_class", "storageClass"),
        ("content_encoding", "contentEncoding"),
    ] {
        if let Some(value) = text(v, field) {
            o.extra.insert(key.into(), value.into());
        }
    }
    if let Some(g) = number(v, "generation") {
        o.extra.insert("generation".into(), g.into());
    }
    if let Some(m) = number(v, "metageneration") {
        o.extra.insert("metageneration".into(), m.into());
    }
    if let Some(count) = number(v, "componentCount") {
        o.extra.insert("component_count".into(), count.into());
    }
    Ok(o)
}

/// One page of an object listing: objects and prefixes in byte order of
/// their names (Cloud Storage returns them as two lists), and the next
/// page's token.
pub fn objects(container: &str, v: &Value) -> Result<(Vec<ListEntry>, Option<String>)> {
    let mut entries: Vec<ListEntry> = match v.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| object(container, item).map(ListEntry::Object))
            .collect::<Result<_>>()?,
        Some(_) => return Err(malformed("an object listing whose items are not a list")),
    };
    match v.get("prefixes") {
        None | Some(Value::Null) => {}
        Some(Value::Array(prefixes)) => {
            for p in prefixes {
                let prefix = p
                    .as_str()
                    .ok_or_else(|| malformed("a listing prefix that is not text"))?;
                entries.push(ListEntry::Prefix {
                    prefix: prefix.to_owned(),
                });
            }
        }
        Some(_) => return Err(malformed("an object listing whose prefixes are not a list")),
    }
    entries.sort_by(|a, b| a.name().as_bytes().cmp(b.name().as_bytes()));
    Ok((entries, text(v, "nextPageToken").map(str::to_owned)))
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
