//! What the Cloud DNS API answers, as serde types: a missing or ill-typed
//! field is a `MalformedResponse` naming it, unknown fields are ignored.

use cloud_core::dns::relative_name;
use cloud_core::dns::rrset::{RecordSet, qualify};
use cloud_core::{Extra, RecordType, Zone};
use serde::{Deserialize, Serialize};

/// A managed zone (`managedZones.get`, `.create`, an item of `.list`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireZone {
    pub(crate) name: String,
    pub(crate) dns_name: String,
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) name_servers: Vec<String>,
    #[serde(default)]
    pub(crate) creation_time: Option<String>,
    #[serde(default)]
    pub(crate) visibility: Option<String>,
}

/// A page of managed zones.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireZoneList {
    #[serde(default)]
    pub(crate) managed_zones: Vec<WireZone>,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// A resource record set, as answered and as sent in a change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub(crate) struct WireSet {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) ttl: u32,
    pub(crate) rrdatas: Vec<String>,
}

/// A page of record sets.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireSetList {
    #[serde(default)]
    pub(crate) rrsets: Vec<WireSet>,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// A change: sets deleted and added at once, `pending` until Cloud DNS has
/// applied it everywhere, then `done`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct WireChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) additions: Vec<WireSet>,
    #[serde(default)]
    pub(crate) deletions: Vec<WireSet>,
}

/// The domain a DNS name stands for: without its final dot.
pub(crate) fn domain(dns_name: &str) -> &str {
    dns_name.strip_suffix('.').unwrap_or(dns_name)
}

impl WireZone {
    /// The portable zone: its id is the zone's name (Google addresses
    /// zones by name), name servers and Google's numeric id in `extra`.
    pub(crate) fn zone(&self) -> Zone {
        let mut zone = Zone::new(&self.name, domain(&self.dns_name).to_ascii_lowercase());
        let mut extra = Extra::new();
        if let Some(id) = &self.id {
            extra.insert("google_id".into(), id.clone().into());
        }
        if let Some(description) = self.description.as_ref().filter(|d| !d.is_empty()) {
            extra.insert("description".into(), description.clone().into());
        }
        if !self.name_servers.is_empty() {
            extra.insert("nameservers".into(), self.name_servers.clone().into());
        }
        if let Some(created) = &self.creation_time {
            extra.insert("created".into(), created.clone().into());
        }
        if let Some(visibility) = &self.visibility {
            extra.insert("visibility".into(), visibility.clone().into());
        }
        zone.extra = extra;
        zone
    }
}

impl WireSet {
    /// The portable set (name relative to `zone_domain`, targets absolute),
    /// or `None` for a type the portable API does not know.
    pub(crate) fn set(&self, zone_domain: &str) -> Option<RecordSet> {
        let record_type = self.kind.parse::<RecordType>().ok()?;
        Some(RecordSet {
            name: relative_name(&self.name, zone_domain).to_ascii_lowercase(),
            record_type,
            ttl: Some(self.ttl),
            values: self
                .rrdatas
                .iter()
                .map(|v| qualify(record_type, v, zone_domain))
                .collect(),
        })
    }

    /// `set` of a zone of `zone_domain` as Cloud DNS takes it.
    pub(crate) fn of(set: &RecordSet, zone_domain: &str, ttl: u32) -> Self {
        WireSet {
            name: cloud_core::dns::fqdn(&set.name, zone_domain),
            kind: set.record_type.as_str().to_owned(),
            ttl,
            rrdatas: set
                .values
                .iter()
                .map(|v| qualify(set.record_type, v, zone_domain))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Google's answers as recorded in Apache Libcloud's fixtures
    /// (libcloud/test/dns/fixtures/google), read field by field.
    #[test]
    fn recorded_answers_read() {
        let zone: WireZone = serde_json::from_value(json!({
            "kind": "dns#managedZone", "name": "example-com",
            "nameServers": ["ns-cloud-e1.googledomains.com.", "ns-cloud-e2.googledomains.com."],
            "creationTime": "2014-03-29T22:45:47.618Z", "dnsName": "example.com.",
            "id": "1", "description": ""
        }))
        .unwrap();
        let portable = zone.zone();
        assert_eq!(
            (portable.id.as_str(), portable.domain.as_str()),
            ("example-com", "example.com")
        );
        assert_eq!(portable.extra["google_id"], "1");
        assert!(!portable.extra.contains_key("description"));
        let sets: WireSetList = serde_json::from_value(json!({"rrsets": [
            {"rrdatas": ["ns-cloud-d1.googledomains.com. dns-admin.google.com. 0 21600 3600 1209600 300"],
             "kind": "dns#resourceRecordSet", "type": "SOA", "name": "example.com.", "ttl": 21600},
            {"rrdatas": ["1.2.3.4"], "kind": "dns#resourceRecordSet", "type": "A",
             "name": "foo.example.com.", "ttl": 3600}
        ], "kind": "dns#resourceRecordSetsListResponse"}))
        .unwrap();
        insta::assert_json_snapshot!(portable);
        let records: Vec<cloud_core::Record> = sets
            .rrsets
            .iter()
            .filter_map(|s| s.set("example.com"))
            .flat_map(|s| s.records("example-com").collect::<Vec<_>>())
            .collect();
        insta::assert_json_snapshot!(records);
        let a = sets.rrsets[1].set("example.com").unwrap();
        assert_eq!(
            (a.name.as_str(), a.ttl, a.values[0].as_str()),
            ("foo", Some(3600), "1.2.3.4")
        );
        assert_eq!(sets.rrsets[0].set("example.com").unwrap().name, "");
        let change: WireChange = serde_json::from_value(json!({
            "kind": "dns#change",
            "additions": [{"kind": "dns#resourceRecordSet", "name": "foo.example.com.",
                           "type": "A", "ttl": 300, "rrdatas": ["127.0.0.1"]}],
            "deletions": [], "startTime": "2015-05-20T19:49:16.974Z", "id": "37", "status": "pending"
        }))
        .unwrap();
        assert_eq!(
            (change.id.as_deref(), change.status.as_deref()),
            (Some("37"), Some("pending"))
        );
    }

    #[test]
    fn sets_go_out_absolute() {
        let set = RecordSet::new("", RecordType::MX, Some(300), "10 mail");
        let wire = WireSet::of(&set, "example.com", 300);
        assert_eq!(wire.name, "example.com.");
        assert_eq!(wire.rrdatas, ["10 mail.example.com."]);
        let unknown = WireSet {
            name: "x.example.com.".into(),
            kind: "IPSECKEY".into(),
            ttl: 60,
            rrdatas: vec![],
        };
        assert!(unknown.set("example.com").is_none());
    }

    #[test]
    fn wrong_shapes_are_refused() {
        assert!(serde_json::from_value::<WireSet>(json!({"name": "x.", "type": "A"})).is_err());
        assert!(
            serde_json::from_value::<WireSet>(
                json!({"name": "x.", "type": "A", "ttl": "300", "rrdatas": []})
            )
            .is_err()
        );
    }
}
