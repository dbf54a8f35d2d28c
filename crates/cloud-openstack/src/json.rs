//! Reading the JSON answers of the OpenStack and Rackspace APIs: what the
//! drivers' parsers share.

use serde_json::Value;

use cloud_core::Result;

use crate::service::Service;

/// The string at `pointer`, if any.
pub(crate) fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The array at `pointer`, or a malformed-response error.
pub(crate) fn array<'a>(
    service: &Service,
    value: &'a Value,
    pointer: &str,
) -> Result<&'a Vec<Value>> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .ok_or_else(|| service.malformed(format!("the answer has no `{pointer}` list")))
}

/// Copies the non-null `keys` of `value` into a result's `extra`.
pub(crate) fn copy_extra(extra: &mut cloud_core::Extra, value: &Value, keys: &[&str]) {
    for key in keys {
        if let Some(v) = value.get(*key)
            && !v.is_null()
        {
            extra.insert((*key).to_owned(), v.clone());
        }
    }
}
