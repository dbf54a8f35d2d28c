//! Designate v2 JSON to the portable DNS types.

use cloud_core::dns::relative_name;
use cloud_core::{Record, RecordType, Result, Zone, ZoneType};
use serde_json::Value;

use crate::json::{copy_extra, text};
use crate::service::Service;

/// A recordset: one name and type, one TTL, several values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordSet {
    pub(crate) id: String,
    /// Fully qualified, with the trailing dot.
    pub(crate) name: String,
    pub(crate) record_type: RecordType,
    pub(crate) records: Vec<String>,
    pub(crate) ttl: Option<u32>,
    pub(crate) status: Option<String>,
}

fn ttl(value: &Value) -> Option<u32> {
    value
        .get("ttl")
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok())
}

/// Whether a zone or recordset is on its way out (`action: DELETE`).
pub(crate) fn is_deleting(value: &Value) -> bool {
    value.get("action").and_then(Value::as_str) == Some("DELETE")
}

/// A zone from `GET /v2/zones[/{id}]`.
pub(crate) fn zone(service: &Service, value: &Value) -> Result<Zone> {
    let id = text(value, "/id").ok_or_else(|| service.malformed("a zone without an id"))?;
    let name = text(value, "/name").ok_or_else(|| service.malformed("a zone without a name"))?;
    let mut zone = Zone::new(id, name.trim_end_matches('.').to_ascii_lowercase());
    zone.zone_type = match value.get("type").and_then(Value::as_str) {
        Some(t) if t.eq_ignore_ascii_case("SECONDARY") => ZoneType::Slave,
        _ => ZoneType::Master,
    };
    zone.ttl = ttl(value);
    copy_extra(
        &mut zone.extra,
        value,
        &[
            "email",
            "serial",
            "status",
            "action",
            "description",
            "masters",
            "pool_id",
            "project_id",
            "created_at",
            "updated_at",
        ],
    );
    Ok(zone)
}

/// A recordset; `None` for a type this crate does not model.
pub(crate) fn record_set(service: &Service, value: &Value) -> Result<Option<RecordSet>> {
    let id = text(value, "/id").ok_or_else(|| service.malformed("a recordset without an id"))?;
    let name =
        text(value, "/name").ok_or_else(|| service.malformed("a recordset without a name"))?;
    let kind =
        text(value, "/type").ok_or_else(|| service.malformed("a recordset without a type"))?;
    let Ok(record_type) = kind.parse::<RecordType>() else {
        return Ok(None);
    };
    let records = value
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| service.malformed(format!("recordset `{id}` has no records list")))?
        .iter()
        .map(|r| {
            r.as_str()
                .map(str::to_owned)
                .ok_or_else(|| service.malformed(format!("recordset `{id}` has a non-text record")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(RecordSet {
        id,
        name,
        record_type,
        records,
        ttl: ttl(value),
        status: text(value, "/status"),
    }))
}

/// The id of one value of a recordset: `<recordset id>:<value>`. Recordset
/// ids are UUIDs, so the first `:` splits them.
pub(crate) fn record_id(set_id: &str, value: &str) -> String {
    format!("{set_id}:{value}")
}

/// The recordset id and value a record id names.
pub(crate) fn split_record_id(id: &str) -> Option<(&str, &str)> {
    id.split_once(':')
        .filter(|(set, value)| !set.is_empty() && !value.is_empty())
}

/// The portable record for one value of `set`.
pub(crate) fn record(zone: &str, domain: &str, set: &RecordSet, value: &str) -> Record {
    let mut record = Record::new(
        record_id(&set.id, value),
        zone,
        relative_name(&set.name, domain),
        set.record_type,
        value,
    );
    record.ttl = set.ttl;
    record
        .extra
        .insert("recordset_id".into(), set.id.clone().into());
    if let Some(status) = &set.status {
        record.extra.insert("status".into(), status.clone().into());
    }
    record
}

/// The marker for the page after `body`, if the API says there is one.
pub(crate) fn next_marker(body: &Value, list: &str) -> Option<String> {
    body.pointer("/links/next").and_then(Value::as_str)?;
    body.get(list)
        .and_then(Value::as_array)?
        .last()
        .and_then(|v| text(v, "/id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_split_at_the_first_colon() {
        assert_eq!(
            split_record_id(&record_id("f7b10e9b", "2001:db8::1")),
            Some(("f7b10e9b", "2001:db8::1"))
        );
        assert_eq!(split_record_id("no-colon"), None);
        assert_eq!(split_record_id(":x"), None);
    }

    #[test]
    fn next_marker_only_with_a_next_link() {
        let body = serde_json::json!({"zones": [{"id": "a"}, {"id": "b"}], "links": {"self": "x"}});
        assert_eq!(next_marker(&body, "zones"), None);
        let body = serde_json::json!({"zones": [{"id": "a"}, {"id": "b"}], "links": {"next": "x?marker=b"}});
        assert_eq!(next_marker(&body, "zones").as_deref(), Some("b"));
    }
}
