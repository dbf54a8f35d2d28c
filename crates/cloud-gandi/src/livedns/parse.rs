//! LiveDNS answers as serde wire types, and those as portable values:
//! domains as zones, record sets (`rrset_*`) as one record per value,
//! snapshots.
//!
//! A 200 of the wrong shape is a `MalformedResponse` naming the field
//! (`[2].rrset_values[0]`), never an empty list; fields not named here are
//! ignored.

use cloud_core::dns::rrset::{RecordSet, qualify};
use cloud_core::{Extra, Record, RecordType, Result, Zone};
use serde::Deserialize;
use serde_json::Value;

use crate::PROVIDER;

/// `value` as the wire type `T`, or the malformed answer naming `what`
/// and the field.
fn wire<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    cloud_core::http::json::decode(PROVIDER, "LiveDNS", what, value)
}

/// A domain (`GET /domains`, `GET /domains/{fqdn}`).
#[derive(Debug, Deserialize)]
struct WireDomain {
    fqdn: String,
    #[serde(default)]
    automatic_snapshots: Option<bool>,
}

/// A record set (`{"rrset_name", "rrset_type", "rrset_ttl",
/// "rrset_values"}`).
#[derive(Debug, Deserialize)]
pub(crate) struct WireRrset {
    rrset_name: String,
    rrset_type: String,
    #[serde(default)]
    rrset_ttl: Option<u32>,
    rrset_values: Vec<String>,
}

/// A snapshot (`{"id", "name", "created_at", "automatic", "zone_data"?}`).
#[derive(Debug, Deserialize)]
struct WireSnapshot {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    automatic: Option<bool>,
    #[serde(default)]
    zone_data: Option<Vec<WireRrset>>,
    #[serde(default)]
    snapshot_href: Option<String>,
}

impl WireDomain {
    /// The zone whose id is the domain name.
    fn zone(self) -> Result<Zone> {
        let fqdn = self.fqdn.trim_end_matches('.');
        if fqdn.is_empty() {
            return Err(cloud_core::Error::malformed(
                PROVIDER,
                "LiveDNS: a domain with an empty `fqdn`",
            ));
        }
        let mut zone = Zone::new(fqdn, fqdn.to_ascii_lowercase());
        if let Some(auto) = self.automatic_snapshots {
            zone.extra
                .insert("automatic_snapshots".into(), Value::Bool(auto));
        }
        Ok(zone)
    }
}

impl WireRrset {
    /// The set of `domain` (names relative, targets absolute); `None` for
    /// a type the portable API does not know (LiveDNS also serves CDS,
    /// KEY, WKS...).
    pub(crate) fn set(&self, domain: &str) -> Option<RecordSet> {
        let record_type = self.rrset_type.parse::<RecordType>().ok()?;
        let name = if self.rrset_name == "@" {
            String::new()
        } else {
            self.rrset_name.to_ascii_lowercase()
        };
        Some(RecordSet {
            name,
            record_type,
            ttl: self.rrset_ttl,
            values: self
                .rrset_values
                .iter()
                .map(|v| qualify(record_type, v, domain))
                .collect(),
        })
    }
}

/// The zones of a domain listing.
pub fn zones(body: Value) -> Result<Vec<Zone>> {
    wire::<Vec<WireDomain>>(body, "the domain listing")?
        .into_iter()
        .map(WireDomain::zone)
        .collect()
}

/// A domain as a zone whose id is its domain name.
pub fn zone(body: Value) -> Result<Zone> {
    wire::<WireDomain>(body, "a domain")?.zone()
}

/// The record sets of a record listing.
pub(crate) fn record_sets(body: Value) -> Result<Vec<WireRrset>> {
    wire(body, "the record listing")
}

/// One record set of `domain`; `None` for a type the portable API lacks.
pub fn record_set(body: Value, domain: &str) -> Result<Option<RecordSet>> {
    Ok(wire::<WireRrset>(body, "a record set")?.set(domain))
}

/// `name` as LiveDNS writes it: `@` for the apex.
pub fn api_name(name: &str) -> &str {
    if name.is_empty() { "@" } else { name }
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

impl WireSnapshot {
    fn snapshot(self, domain: &str) -> Snapshot {
        let mut records = Vec::new();
        for set in self
            .zone_data
            .iter()
            .flatten()
            .filter_map(|s| s.set(domain))
        {
            records.extend(set.records(domain));
        }
        let mut extra = Extra::new();
        if let Some(href) = self.snapshot_href {
            extra.insert("snapshot_href".into(), Value::String(href));
        }
        Snapshot {
            id: self.id,
            name: self.name,
            created_at: self.created_at,
            automatic: self.automatic,
            records,
            extra,
        }
    }
}

/// The snapshots of a listing, of `domain`.
pub fn snapshots(body: Value, domain: &str) -> Result<Vec<Snapshot>> {
    Ok(wire::<Vec<WireSnapshot>>(body, "the snapshot listing")?
        .into_iter()
        .map(|s| s.snapshot(domain))
        .collect())
}

/// One snapshot of `domain`, with its records.
pub fn snapshot(body: Value, domain: &str) -> Result<Snapshot> {
    Ok(wire::<WireSnapshot>(body, "a snapshot")?.snapshot(domain))
}

/// The name servers of a domain.
pub fn nameservers(body: Value) -> Result<Vec<String>> {
    wire(body, "the name server listing")
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
        for set in record_sets(body).unwrap() {
            if let Some(set) = set.set("example.org") {
                records.extend(set.records("example.org"));
            }
        }
        insta::assert_json_snapshot!(records);
        let zone = zone(json!({
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
        insta::assert_json_snapshot!(snapshot(body, "example.org").unwrap());
    }

    #[test]
    fn wrong_shapes_are_malformed_naming_the_field() {
        let message = |e: cloud_core::Error| {
            assert_eq!(e.kind(), &cloud_core::ErrorKind::MalformedResponse);
            e.to_string()
        };
        assert!(zones(json!({"items": []})).is_err());
        assert!(message(zone(json!({"name": "x"})).unwrap_err()).contains("fqdn"));
        let e = record_set(json!({"rrset_name": "a", "rrset_type": "A"}), "d").unwrap_err();
        assert!(message(e).contains("rrset_values"));
        let e = record_set(
            json!({"rrset_name": "a", "rrset_type": "A", "rrset_ttl": -1, "rrset_values": []}),
            "d",
        )
        .unwrap_err();
        assert!(message(e).contains("rrset_ttl"));
        let e = record_sets(json!([
            {"rrset_name": "a", "rrset_type": "A", "rrset_values": ["192.0.2.1"]},
            {"rrset_name": "b", "rrset_type": "A", "rrset_values": [7]}
        ]))
        .unwrap_err();
        assert!(message(e).contains("[1].rrset_values[0]"));
        let unknown = json!({"rrset_name": "a", "rrset_type": "WKS", "rrset_values": ["x"]});
        assert_eq!(record_set(unknown, "d").unwrap(), None);
        assert!(snapshot(json!({"name": "s"}), "d").is_err());
        assert!(nameservers(json!(["ns1", 2])).is_err());
    }
}
