//! LiveDNS answers as portable values: domains as zones, record sets
//! (`rrset_*`) as one record per value, snapshots.
//!
//! Every parser checks the shape it is given: a 200 of the wrong shape is a
//! `MalformedResponse`, never an empty list.

use cloud_core::dns::rrset::{RecordSet, qualify};
use cloud_core::{Error, Extra, Record, RecordType, Result, Zone};
use serde_json::Value;

use crate::PROVIDER;

fn malformed(what: impl std::fmt::Display) -> Error {
    Error::malformed(PROVIDER, format!("LiveDNS: {what}"))
}

/// The list a collection call answers.
pub fn list<'a>(body: &'a Value, what: &str) -> Result<&'a Vec<Value>> {
    body.as_array()
        .ok_or_else(|| malformed(format!("the {what} listing is not a JSON array")))
}

fn text<'a>(value: &'a Value, key: &str, what: &str) -> Result<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(format!("a {what} without `{key}`")))
}

/// A domain (`{"fqdn", "automatic_snapshots", ...}`) as a zone whose id is
/// its domain name.
pub fn zone(value: &Value) -> Result<Zone> {
    let fqdn = text(value, "fqdn", "domain")?.trim_end_matches('.');
    if fqdn.is_empty() {
        return Err(malformed("a domain with an empty `fqdn`"));
    }
    let mut zone = Zone::new(fqdn, fqdn.to_ascii_lowercase());
    if let Some(auto) = value.get("automatic_snapshots").and_then(Value::as_bool) {
        zone.extra
            .insert("automatic_snapshots".into(), Value::Bool(auto));
    }
    Ok(zone)
}

/// `name` as LiveDNS writes it: `@` for the apex.
pub fn api_name(name: &str) -> &str {
    if name.is_empty() { "@" } else { name }
}

/// A record set (`{"rrset_name", "rrset_type", "rrset_ttl",
/// "rrset_values"}`) of `domain`; `None` for a type the portable API does
/// not know (LiveDNS also serves CDS, KEY, WKS...).
pub fn record_set(value: &Value, domain: &str) -> Result<Option<RecordSet>> {
    let name = text(value, "rrset_name", "record set")?;
    let kind = text(value, "rrset_type", "record set")?;
    let Ok(record_type) = kind.parse::<RecordType>() else {
        return Ok(None);
    };
    let ttl = match value.get("rrset_ttl") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| malformed(format!("record set `{name}` has a bad `rrset_ttl`")))?,
        ),
    };
    let values = value
        .get("rrset_values")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed(format!("record set `{name}` has no `rrset_values` list")))?
        .iter()
        .map(|v| {
            v.as_str()
                .map(|v| qualify(record_type, v, domain))
                .ok_or_else(|| {
                    malformed(format!("record set `{name}` has a value that is not text"))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let name = if name == "@" {
        String::new()
    } else {
        name.to_ascii_lowercase()
    };
    Ok(Some(RecordSet {
        name,
        record_type,
        ttl,
        values,
    }))
}

/// A zone snapshot LiveDNS keeps (made on request, or automatically
/// before changes when the domain's `automatic_snapshots` is on).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// Its id.
    pub id: String,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// When it was taken (RFC 3339, as Gandi gives it).
    pub created_at: Option<String>,
    /// Whether LiveDNS took it by itself.
    pub automatic: Option<bool>,
    /// The zone's records at that moment (only when read one by one);
    /// types the portable API does not know are left out.
    pub records: Vec<Record>,
    /// Fields not mapped above.
    pub extra: Extra,
}

/// A snapshot (`{"id", "name", "created_at", "automatic", "zone_data"?}`)
/// of `domain`.
pub fn snapshot(value: &Value, domain: &str) -> Result<Snapshot> {
    let id = text(value, "id", "snapshot")?.to_owned();
    let opt = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut records = Vec::new();
    if let Some(data) = value.get("zone_data") {
        let sets = data.as_array().ok_or_else(|| {
            malformed(format!(
                "snapshot `{id}` has a `zone_data` that is not a list"
            ))
        })?;
        for set in sets {
            if let Some(set) = record_set(set, domain)? {
                records.extend(set.records(domain));
            }
        }
    }
    let mut extra = Extra::new();
    if let Some(href) = value.get("snapshot_href").filter(|v| v.is_string()) {
        extra.insert("snapshot_href".into(), href.clone());
    }
    Ok(Snapshot {
        name: opt("name"),
        created_at: opt("created_at"),
        automatic: value.get("automatic").and_then(Value::as_bool),
        records,
        extra,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A listing shaped like LiveDNS's: the apex as `@`, a relative CNAME
    /// target, a null SRV target, a type the portable API lacks.
    #[test]
    fn record_listing() {
        let body = json!([
            {"rrset_name": "@", "rrset_type": "MX", "rrset_ttl": 10800,
             "rrset_href": "https://api.gandi.net/v5/livedns/domains/example.org/records/%40/MX",
             "rrset_values": ["10 mx1.example.net.", "20 mx2"]},
            {"rrset_name": "docs", "rrset_type": "CNAME", "rrset_ttl": 1800,
             "rrset_href": "https://api.gandi.net/v5/livedns/domains/example.org/records/docs/CNAME",
             "rrset_values": ["pages"]},
            {"rrset_name": "_imap._tcp", "rrset_type": "SRV", "rrset_ttl": 10800,
             "rrset_values": ["0 0 0 ."]},
            {"rrset_name": "sub", "rrset_type": "CDS", "rrset_ttl": 10800,
             "rrset_values": ["32128 13 1 6823D9BB"]},
            {"rrset_name": "@", "rrset_type": "TXT", "rrset_ttl": 300,
             "rrset_values": ["\"v=spf1 -all\""]}
        ]);
        let mut records = Vec::new();
        for value in list(&body, "record").unwrap() {
            if let Some(set) = record_set(value, "example.org").unwrap() {
                records.extend(set.records("example.org"));
            }
        }
        insta::assert_json_snapshot!(records);
        let zone = zone(&json!({
            "fqdn": "example.org", "automatic_snapshots": true,
            "domain_href": "https://api.gandi.net/v5/livedns/domains/example.org"
        }))
        .unwrap();
        insta::assert_json_snapshot!("domain_as_zone", zone);
    }

    #[test]
    fn snapshot_with_records() {
        let body = json!({
            "id": "8f4a2b56-1c3d-4e5f-8a9b-0c1d2e3f4a5b", "name": "before-migration",
            "created_at": "2026-11-30T10:15:00Z", "automatic": false,
            "snapshot_href": "https://api.gandi.net/v5/livedns/domains/example.org/snapshots/8f4a2b56-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
            "zone_data": [{"rrset_name": "www", "rrset_type": "A", "rrset_ttl": 300,
                           "rrset_values": ["192.0.2.7"]}]
        });
        insta::assert_json_snapshot!(snapshot(&body, "example.org").unwrap());
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        assert!(list(&json!({"items": []}), "domain").is_err());
        assert!(zone(&json!({"name": "x"})).is_err());
        assert!(record_set(&json!({"rrset_name": "a", "rrset_type": "A"}), "d").is_err());
        assert!(
            record_set(
                &json!({"rrset_name": "a", "rrset_type": "A", "rrset_ttl": -1, "rrset_values": []}),
                "d"
            )
            .is_err()
        );
        let unknown = json!({"rrset_name": "a", "rrset_type": "WKS", "rrset_values": ["x"]});
        assert_eq!(record_set(&unknown, "d").unwrap(), None);
        assert!(snapshot(&json!({"name": "s"}), "d").is_err());
    }
}
