//! Swift responses to portable types.

use cloud_core::http::{HeaderMap, parse_http_date};
use cloud_core::time::parse_rfc3339;
use cloud_core::{Container, Error, ListEntry, Object, Result};
use serde::Deserialize;

const WHAT: &str = "Swift listing";

fn malformed(detail: &str) -> Error {
    Error::malformed(crate::PROVIDER_OPENSTACK, format!("{WHAT}: {detail}"))
}

/// Swift's `last_modified` has no zone (it is UTC) and sometimes microseconds.
fn swift_time(text: &str) -> Option<std::time::SystemTime> {
    parse_rfc3339(text)
}

/// `body` (a JSON listing) as the wire type `T`, read straight from the
/// bytes; a bad field is malformed, naming its path.
fn wire<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let mut json = serde_json::Deserializer::from_slice(body);
    let value = cloud_core::http::json::decode(crate::PROVIDER_OPENSTACK, WHAT, what, &mut json)?;
    json.end()
        .map_err(|e| malformed(&format!("{what}: trailing data: {e}")))?;
    Ok(value)
}

/// A container of an account listing.
#[derive(Debug, Deserialize)]
struct WireContainer {
    name: String,
    #[serde(default)]
    last_modified: Option<String>,
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    bytes: Option<u64>,
}

/// An entry of a container listing: an object, or (with a delimiter) a
/// `subdir` prefix.
#[derive(Debug, Deserialize)]
struct WireEntry {
    #[serde(default)]
    subdir: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    last_modified: Option<String>,
}

/// An entry of an SLO manifest: `name` (or `path` when it was uploaded).
#[derive(Debug, Deserialize)]
struct WireSegment {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    path: Option<String>,
}

/// `GET account?format=json`. An empty body (204) is an empty page.
pub fn containers(body: &[u8]) -> Result<Vec<Container>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    Ok(wire::<Vec<WireContainer>>(body, "the containers")?
        .into_iter()
        .map(|item| {
            let mut c = Container::new(item.name);
            c.created_at = item.last_modified.as_deref().and_then(swift_time);
            for (key, value) in [("count", item.count), ("bytes", item.bytes)] {
                if let Some(v) = value {
                    c.extra.insert(key.into(), v.into());
                }
            }
            c
        })
        .collect())
}

/// `GET container?format=json`: objects and `subdir` prefixes, in Swift's order.
pub fn objects(container: &str, body: &[u8]) -> Result<Vec<ListEntry>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    wire::<Vec<WireEntry>>(body, "the objects")?
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            if let Some(prefix) = item.subdir {
                return Ok(ListEntry::Prefix { prefix });
            }
            let (Some(name), Some(size)) = (item.name, item.bytes) else {
                return Err(malformed(&format!(
                    "the objects: at `[{i}]`: an object needs a name and its size in bytes"
                )));
            };
            let mut o = Object::new(container, name, size);
            o.etag = item.hash.map(|h| h.trim_matches('"').to_owned());
            o.content_type = item.content_type;
            o.last_modified = item.last_modified.as_deref().and_then(swift_time);
            Ok(ListEntry::Object(o))
        })
        .collect()
}

/// An object's metadata from HEAD or GET headers.
pub fn object(container: &str, name: &str, headers: &HeaderMap, size: u64) -> Object {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let mut o = Object::new(container, name, size);
    o.etag = header("etag").map(|e| e.trim_matches('"').to_owned());
    o.content_type = header("content-type").map(str::to_owned);
    o.last_modified = header("last-modified").and_then(parse_http_date);
    for (k, v) in headers {
        if let (Some(key), Ok(value)) = (k.as_str().strip_prefix("x-object-meta-"), v.to_str()) {
            o.metadata
                .insert(key.to_ascii_lowercase(), value.to_owned());
        }
    }
    if header("x-static-large-object").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        o.extra.insert("static_large_object".into(), true.into());
    }
    o
}

/// The segments of an SLO manifest (`?multipart-manifest=get`): `/container/object` paths.
pub fn manifest_segments(body: &[u8]) -> Result<Vec<String>> {
    wire::<Vec<WireSegment>>(body, "the manifest")?
        .into_iter()
        .enumerate()
        .map(|(i, segment)| {
            segment.name.or(segment.path).ok_or_else(|| {
                malformed(&format!("the manifest: at `[{i}]`: a segment has no name"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings() {
        let body = br#"[{"subdir": "dir/"}, {"name": "a.txt", "hash": "9b2cf535f27731c974343645a3985328", "bytes": 4, "content_type": "text/plain", "last_modified": "2024-01-02T03:04:05.123456"}]"#;
        let entries = objects("c", body).unwrap();
        insta::assert_json_snapshot!(entries);
        assert!(objects("c", b"").unwrap().is_empty());
        assert!(objects("c", br#"[{"bytes": 1}]"#).is_err());
        assert!(objects("c", br#"{"not": "a list"}"#).is_err());
        let err = objects(
            "c",
            br#"[{"name": "a", "bytes": 1}, {"name": "b", "bytes": "2"}]"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("at `[1].bytes`"), "{err}");
        assert!(objects("c", br#"[] x"#).is_err());
        assert!(
            containers(b"[{\"name\": \"x\", \"count\": 1, \"bytes\": 4}]").unwrap()[0]
                .extra
                .contains_key("count")
        );
    }
}
