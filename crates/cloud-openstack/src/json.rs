//! Reading the JSON answers of the OpenStack and Rackspace APIs: what the
//! drivers' parsers share (the lists answers wrap, ids given as text or
//! numbers, provider fields kept in `extra`).

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use cloud_core::Result;

use crate::service::Service;

/// The list under `key` of an answer (`{"servers": [...]}`) as wire type
/// `T`; a missing list or a bad entry is malformed, naming the field.
pub(crate) fn list<T: serde::de::DeserializeOwned>(
    service: &Service,
    mut body: Value,
    key: &str,
) -> Result<Vec<T>> {
    match body.get_mut(key) {
        Some(items) => service.decode(items.take(), &format!("the `{key}` list")),
        None => Err(service.malformed(format!("the answer has no `{key}` list"))),
    }
}

/// The object under `key` of an answer (`{"server": {...}}`), or the
/// answer itself when it is not wrapped, as wire type `T`.
pub(crate) fn one<T: serde::de::DeserializeOwned>(
    service: &Service,
    mut body: Value,
    key: &str,
) -> Result<T> {
    let inner = match body.get_mut(key) {
        Some(inner) if inner.is_object() => inner.take(),
        _ => body,
    };
    service.decode(inner, &format!("a {key}"))
}

/// An id given as non-empty text or as a number (older flavors).
pub(crate) fn id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(serde_json::Number),
    }
    match Id::deserialize(deserializer)? {
        Id::Text(t) if !t.is_empty() => Ok(t),
        Id::Text(_) => Err(serde::de::Error::custom("an empty id")),
        Id::Number(n) => Ok(n.to_string()),
    }
}

/// Copies the non-null `keys` of the fields a wire type kept unread.
pub(crate) fn copy_rest(extra: &mut cloud_core::Extra, rest: &Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(v) = rest.get(*key)
            && !v.is_null()
        {
            extra.insert((*key).to_owned(), v.clone());
        }
    }
}
