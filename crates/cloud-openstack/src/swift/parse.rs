//! Swift responses to portable types.

use cloud_core::http::{HeaderMap, parse_http_date};
use cloud_core::time::parse_rfc3339;
use cloud_core::{Container, Error, ListEntry, Object, Result};
use serde_json::Value;

const WHAT: &str = "Swift listing";

fn malformed(detail: &str) -> Error {
    Error::malformed(crate::PROVIDER_OPENSTACK, format!("{WHAT}: {detail}"))
}

/// Swift's `last_modified` has no zone (it is UTC) and sometimes microseconds.
fn swift_time(text: &str) -> Option<std::time::SystemTime> {
    parse_rfc3339(text)
}

/// `GET account?format=json`. An empty body (204) is an empty page.
pub fn containers(body: &[u8]) -> Result<Vec<Container>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let items: Vec<Value> =
        serde_json::from_slice(body).map_err(|e| malformed(&format!("invalid JSON: {e}")))?;
    items
        .iter()
        .map(|item| {
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed("a container has no name"))?;
            let mut c = Container::new(name);
            c.created_at = item
                .get("last_modified")
                .and_then(Value::as_str)
                .and_then(swift_time);
            for key in ["count", "bytes"] {
                if let Some(v) = item.get(key) {
                    c.extra.insert(key.into(), v.clone());
                }
            }
            Ok(c)
        })
        .collect()
}

/// `GET container?format=json`: objects and `subdir` prefixes, in Swift's order.
pub fn objects(container: &str, body: &[u8]) -> Result<Vec<ListEntry>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let items: Vec<Value> =
        serde_json::from_slice(body).map_err(|e| malformed(&format!("invalid JSON: {e}")))?;
    items
        .iter()
        .map(|item| {
            if let Some(prefix) = item.get("subdir").and_then(Value::as_str) {
                return Ok(ListEntry::Prefix {
                    prefix: prefix.to_owned(),
                });
            }
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed("an object has no name"))?;
            let size = item
                .get("bytes")
                .and_then(Value::as_u64)
                .ok_or_else(|| malformed("an object has no size"))?;
            let mut o = Object::new(container, name, size);
            o.etag = item
                .get("hash")
                .and_then(Value::as_str)
                .map(|h| h.trim_matches('"').to_owned());
            o.content_type = item
                .get("content_type")
                .and_then(Value::as_str)
                .map(str::to_owned);
            o.last_modified = item
                .get("last_modified")
                .and_then(Value::as_str)
                .and_then(swift_time);
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
    let items: Vec<Value> =
        serde_json::from_slice(body).map_err(|e| malformed(&format!("invalid manifest: {e}")))?;
    items
        .iter()
        .map(|i| {
            i.get("name")
                .or_else(|| i.get("path"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| malformed("a manifest entry has no name"))
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
        assert!(
            containers(b"[{\"name\": \"x\", \"count\": 1, \"bytes\": 4}]").unwrap()[0]
                .extra
                .contains_key("count")
        );
    }
}
