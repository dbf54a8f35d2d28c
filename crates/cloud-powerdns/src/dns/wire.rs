//! What the PowerDNS API answers, as serde types: a missing or ill-typed
//! field is a `MalformedResponse` naming it, unknown fields are ignored.

use cloud_core::dns::rrset::{RecordSet, qualify};
use cloud_core::{Extra, RecordType, Result, Zone};
use serde::Deserialize;
use serde_json::Value;

use crate::PROVIDER;

/// A zone (`GET /zones`, `GET /zones/{id}`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireZone {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) serial: Option<u64>,
    #[serde(default)]
    pub(crate) dnssec: Option<bool>,
    #[serde(default)]
    pub(crate) rrsets: Vec<WireRrset>,
}

/// A record set of a zone.
#[derive(Debug, Deserialize)]
pub(crate) struct WireRrset {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) ttl: u32,
    pub(crate) records: Vec<WireRecord>,
}

/// One value of a record set.
#[derive(Debug, Deserialize)]
pub(crate) struct WireRecord {
    pub(crate) content: String,
    #[serde(default)]
    pub(crate) disabled: bool,
}

/// `value` parsed as `T`; a missing or ill-typed field is malformed,
/// naming `what` and the field's path.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    cloud_core::http::json::decode(PROVIDER, "PowerDNS", what, value)
}

/// The domain a zone name stands for: without its final dot.
pub(crate) fn domain(name: &str) -> &str {
    name.strip_suffix('.').unwrap_or(name)
}

impl WireZone {
    /// The portable zone: its id is the domain (no final dot).
    pub(crate) fn zone(&self) -> Zone {
        let domain = domain(&self.name);
        let mut zone = Zone::new(domain, domain);
        let mut extra = Extra::new();
        extra.insert("kind".into(), self.kind.clone().into());
        extra.insert("powerdns_id".into(), self.id.clone().into());
        if let Some(serial) = self.serial {
            extra.insert("serial".into(), serial.into());
        }
        if let Some(dnssec) = self.dnssec {
            extra.insert("dnssec".into(), dnssec.into());
        }
        zone.extra = extra;
        zone
    }
}

impl WireRrset {
    /// The portable set (enabled values, targets absolute), or `None` for
    /// a type the portable API does not know.
    pub(crate) fn set(&self, zone_domain: &str) -> Option<RecordSet> {
        let record_type = self.kind.parse::<RecordType>().ok()?;
        let fqdn = domain(&self.name);
        let name = if fqdn.eq_ignore_ascii_case(zone_domain) {
            String::new()
        } else {
            fqdn.strip_suffix(zone_domain)
                .and_then(|n| n.strip_suffix('.'))
                .unwrap_or(fqdn)
                .to_ascii_lowercase()
        };
        let values = self
            .records
            .iter()
            .filter(|r| !r.disabled)
            .map(|r| qualify(record_type, &r.content, zone_domain))
            .collect();
        Some(RecordSet {
            name,
            record_type,
            ttl: Some(self.ttl),
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_zone_and_its_sets() {
        let zone: WireZone = parse(
            json!({"id": "example.com.", "name": "example.com.", "kind": "Native",
                   "serial": 2026120701, "dnssec": false, "url": "/x",
                   "rrsets": [
                     {"name": "www.example.com.", "type": "A", "ttl": 300, "comments": [],
                      "records": [{"content": "192.0.2.1", "disabled": false},
                                  {"content": "192.0.2.2", "disabled": true}]},
                     {"name": "example.com.", "type": "MX", "ttl": 3600,
                      "records": [{"content": "10 mail.example.com.", "disabled": false}]},
                     {"name": "example.com.", "type": "NSEC3PARAM", "ttl": 0, "records": []}]}),
            "zone",
        )
        .unwrap();
        insta::assert_json_snapshot!(zone.zone());
        let sets: Vec<RecordSet> = zone
            .rrsets
            .iter()
            .filter_map(|s| s.set("example.com"))
            .collect();
        let records: Vec<_> = sets.iter().flat_map(|s| s.records("example.com")).collect();
        insta::assert_json_snapshot!(records);
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        let err = parse::<WireZone>(json!({"id": "x.", "name": "x."}), "zone").unwrap_err();
        assert_eq!(err.kind(), &cloud_core::ErrorKind::MalformedResponse);
        assert!(err.to_string().contains("kind"), "{err}");
        let err = parse::<WireRrset>(
            json!({"name": "a.x.", "type": "A", "ttl": "300", "records": []}),
            "record set",
        )
        .unwrap_err();
        assert_eq!(
            err.kind(),
            &cloud_core::ErrorKind::MalformedResponse,
            "{err}"
        );
        assert!(parse::<Vec<WireZone>>(json!({"zones": []}), "zones").is_err());
    }
}
