//! Designate v2 JSON to the portable DNS types.

use cloud_core::dns::relative_name;
use cloud_core::{Record, RecordType, Zone, ZoneType};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::copy_rest;

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

/// A zone (`GET /v2/zones[/{id}]`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireZone {
    id: String,
    name: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    ttl: Option<u32>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A recordset.
#[derive(Debug, Deserialize)]
pub(crate) struct WireRecordSet {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    records: Vec<String>,
    #[serde(default)]
    ttl: Option<u32>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

/// A page of zones.
#[derive(Debug, Deserialize)]
pub(crate) struct ZonePage {
    pub(crate) zones: Vec<WireZone>,
    #[serde(default)]
    links: Links,
}

/// A page of recordsets.
#[derive(Debug, Deserialize)]
pub(crate) struct RecordSetPage {
    pub(crate) recordsets: Vec<WireRecordSet>,
    #[serde(default)]
    links: Links,
}

/// A page's links: `next` when there is a page after it.
#[derive(Debug, Default, Deserialize)]
struct Links {
    #[serde(default)]
    next: Option<String>,
}

impl WireZone {
    /// Whether the zone is on its way out (`action: DELETE`).
    pub(crate) fn is_deleting(&self) -> bool {
        self.action.as_deref() == Some("DELETE")
    }

    /// Its status (`ACTIVE`, `PENDING`, `ERROR`).
    pub(crate) fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// The portable zone.
    pub(crate) fn zone(self) -> Zone {
        let mut zone = Zone::new(
            self.id,
            self.name.trim_end_matches('.').to_ascii_lowercase(),
        );
        zone.zone_type = match self.kind.as_deref() {
            Some(t) if t.eq_ignore_ascii_case("SECONDARY") => ZoneType::Slave,
            _ => ZoneType::Master,
        };
        zone.ttl = self.ttl;
        for (key, value) in [("status", self.status), ("action", self.action)] {
            if let Some(value) = value {
                zone.extra.insert(key.into(), Value::String(value));
            }
        }
        copy_rest(
            &mut zone.extra,
            &self.rest,
            &[
                "email",
                "serial",
                "description",
                "masters",
                "pool_id",
                "project_id",
                "created_at",
                "updated_at",
            ],
        );
        zone
    }
}

impl WireRecordSet {
    /// Whether the recordset is on its way out (`action: DELETE`).
    pub(crate) fn is_deleting(&self) -> bool {
        self.action.as_deref() == Some("DELETE")
    }

    /// The set; `None` for a type this crate does not model.
    pub(crate) fn set(self) -> Option<RecordSet> {
        let record_type = self.kind.parse::<RecordType>().ok()?;
        Some(RecordSet {
            id: self.id,
            name: self.name,
            record_type,
            records: self.records,
            ttl: self.ttl,
            status: self.status,
        })
    }
}

impl ZonePage {
    /// The marker of the page after this one, if the API says there is one.
    pub(crate) fn next_marker(&self) -> Option<String> {
        self.links.next.as_ref()?;
        self.zones.last().map(|z| z.id.clone())
    }
}

impl RecordSetPage {
    /// The marker of the page after this one, if the API says there is one.
    pub(crate) fn next_marker(&self) -> Option<String> {
        self.links.next.as_ref()?;
        self.recordsets.last().map(|s| s.id.clone())
    }
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

    fn page(body: Value) -> ZonePage {
        cloud_core::http::json::decode("openstack", "DNS", "zones", body).unwrap()
    }

    #[test]
    fn next_marker_only_with_a_next_link() {
        let zones = serde_json::json!([{"id": "a", "name": "a."}, {"id": "b", "name": "b."}]);
        let body = serde_json::json!({"zones": zones, "links": {"self": "x"}});
        assert_eq!(page(body).next_marker(), None);
        let body = serde_json::json!({"zones": zones, "links": {"next": "x?marker=b"}});
        assert_eq!(page(body).next_marker().as_deref(), Some("b"));
    }

    #[test]
    fn a_recordset_without_records_is_malformed() {
        let err = cloud_core::http::json::decode::<RecordSetPage, _>(
            "openstack",
            "DNS",
            "the recordsets",
            serde_json::json!({"recordsets": [{"id": "r", "name": "a.", "type": "A"}]}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("at `recordsets[0]`"), "{err}");
        assert!(err.to_string().contains("records"), "{err}");
    }
}
