//! Cloud DNS JSON to and from the portable DNS types.
//!
//! Cloud DNS keeps names fully qualified without the trailing dot, MX and
//! SRV priorities in a field of their own, host names without the trailing
//! dot and TXT text unquoted; the portable form is zone-file presentation.

use cloud_core::dns::{normalize_record, relative_name, unquote_text};
use cloud_core::http::json::null_as_default;
use cloud_core::{Error, Record, RecordSpec, RecordType, Result, Zone};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::json::{copy_rest, id};

/// A domain (`GET /domains[/{id}]`, a create job's response).
#[derive(Debug, Deserialize)]
pub(crate) struct WireDomain {
    #[serde(deserialize_with = "id")]
    id: String,
    name: String,
    #[serde(default)]
    ttl: Option<u32>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A record.
#[derive(Debug, Deserialize)]
pub(crate) struct WireRecord {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    data: String,
    #[serde(default)]
    priority: Option<u64>,
    #[serde(default)]
    ttl: Option<u32>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A page of domains or records: the list, and whether more follow.
#[derive(Debug, Deserialize)]
pub(crate) struct WirePage<T> {
    #[serde(alias = "domains", alias = "records")]
    pub(crate) items: Vec<T>,
    #[serde(default, deserialize_with = "null_as_default")]
    links: Vec<Link>,
    #[serde(default, rename = "totalEntries")]
    total: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct Link {
    #[serde(default)]
    rel: Option<String>,
}

/// A create job's response: the domains it made.
#[derive(Debug, Deserialize)]
pub(crate) struct CreatedDomains {
    pub(crate) domains: Vec<WireDomain>,
}

/// A create job's response: the records it made.
#[derive(Debug, Deserialize)]
pub(crate) struct CreatedRecords {
    pub(crate) records: Vec<WireRecord>,
}

impl WireDomain {
    /// The portable zone.
    pub(crate) fn zone(self) -> Zone {
        let mut zone = Zone::new(
            self.id,
            self.name.trim_end_matches('.').to_ascii_lowercase(),
        );
        zone.ttl = self.ttl;
        copy_rest(
            &mut zone.extra,
            &self.rest,
            &[
                "emailAddress",
                "comment",
                "accountId",
                "nameservers",
                "created",
                "updated",
            ],
        );
        zone
    }
}

impl<T> WirePage<T> {
    /// The offset of the page after this one (read at `offset`), if the
    /// API says there is one.
    pub(crate) fn next_offset(&self, offset: u64) -> Option<String> {
        let count = self.items.len() as u64;
        let has_next = self.links.iter().any(|l| l.rel.as_deref() == Some("next"));
        let more = has_next || self.total.is_some_and(|t| offset + count < t);
        (more && count > 0).then(|| (offset + count).to_string())
    }
}

/// Appends the root dot to a host name the API keeps without it.
fn absolute(host: &str) -> String {
    if host.ends_with('.') {
        host.to_owned()
    } else {
        format!("{host}.")
    }
}

impl WireRecord {
    /// The record of `zone` (whose domain is `domain`) in zone-file
    /// presentation; `None` for a type this crate does not model.
    pub(crate) fn record(self, zone: &str, domain: &str) -> Option<Record> {
        let kind = self.kind.parse::<RecordType>().ok()?;
        let (raw, priority) = (self.data, self.priority);
        let data = match kind {
            RecordType::CNAME | RecordType::NS | RecordType::PTR => absolute(&raw),
            RecordType::MX => format!("{} {}", priority.unwrap_or(0), absolute(&raw)),
            RecordType::SRV => {
                // `weight port target`, the priority apart.
                let mut fields: Vec<String> = raw.split_whitespace().map(str::to_owned).collect();
                if let Some(target) = fields.last_mut() {
                    *target = absolute(target);
                }
                format!("{} {}", priority.unwrap_or(0), fields.join(" "))
            }
            RecordType::TXT | RecordType::SPF => {
                // Quote the stored text the one canonical way.
                normalize_record(&RecordSpec::new("", kind, format!("\"{}\"", escape(&raw))))
                    .map(|s| s.data)
                    .or_else(|_| {
                        normalize_record(&RecordSpec::new("", kind, raw.clone())).map(|s| s.data)
                    })
                    .unwrap_or(raw)
            }
            _ => raw,
        };
        let mut record = Record::new(self.id, zone, relative_name(&self.name, domain), kind, data);
        record.ttl = self.ttl;
        copy_rest(
            &mut record.extra,
            &self.rest,
            &["comment", "created", "updated"],
        );
        Some(record)
    }
}

/// Escapes quotes and backslashes for a quoted string.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The API's body for a record (`name` fully qualified, no dot).
pub(crate) fn record_body(spec: &RecordSpec, domain: &str) -> Result<Value> {
    let name = if spec.name.is_empty() {
        domain.to_owned()
    } else {
        format!("{}.{domain}", spec.name)
    };
    let bare = |host: &str| host.strip_suffix('.').unwrap_or(host).to_owned();
    let fields: Vec<&str> = spec.data.split_whitespace().collect();
    let priority = |what: &str| -> Result<u64> {
        fields
            .first()
            .and_then(|p| p.parse::<u64>().ok())
            .ok_or_else(|| Error::invalid_input(format!("{what} data needs a priority")))
    };
    let mut body = Map::new();
    body.insert("name".into(), json!(name));
    body.insert("type".into(), json!(spec.record_type.as_str()));
    let data = match spec.record_type {
        RecordType::CNAME | RecordType::NS | RecordType::PTR => bare(&spec.data),
        RecordType::MX => {
            body.insert("priority".into(), json!(priority("MX")?));
            bare(fields.get(1).copied().unwrap_or_default())
        }
        RecordType::SRV => {
            body.insert("priority".into(), json!(priority("SRV")?));
            let mut rest: Vec<String> = fields.iter().skip(1).map(|f| (*f).to_owned()).collect();
            if let Some(target) = rest.last_mut() {
                *target = bare(target);
            }
            rest.join(" ")
        }
        RecordType::TXT | RecordType::SPF => unquote_text(&spec.data),
        _ => spec.data.clone(),
    };
    body.insert("data".into(), json!(data));
    if let Some(ttl) = spec.ttl {
        body.insert("ttl".into(), json!(ttl));
    }
    Ok(Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_split_priorities_and_drop_dots() {
        let mx = RecordSpec::new("", RecordType::MX, "10 mail.example.net.").ttl(3600);
        assert_eq!(
            record_body(&mx, "example.com").unwrap(),
            json!({"name": "example.com", "type": "MX", "data": "mail.example.net", "priority": 10, "ttl": 3600})
        );
        let srv = RecordSpec::new("_sip._tcp", RecordType::SRV, "10 20 5060 sip.example.net.");
        assert_eq!(
            record_body(&srv, "example.com").unwrap(),
            json!({"name": "_sip._tcp.example.com", "type": "SRV", "data": "20 5060 sip.example.net", "priority": 10})
        );
        let txt = RecordSpec::new("t", RecordType::TXT, r#""say \"hi\"""#);
        assert_eq!(
            record_body(&txt, "example.com").unwrap()["data"],
            json!(r#"say "hi""#)
        );
    }

    fn page(body: Value) -> WirePage<Value> {
        cloud_core::http::json::decode("rackspace", "DNS", "records", body).unwrap()
    }

    #[test]
    fn next_offsets() {
        let body = json!({"records": [{}, {}, {}], "totalEntries": 5});
        assert_eq!(page(body.clone()).next_offset(0).as_deref(), Some("3"));
        assert_eq!(page(body).next_offset(2), None);
        let body = json!({"records": [{}], "links": [{"rel": "next", "href": "x"}]});
        assert_eq!(page(body).next_offset(4).as_deref(), Some("5"));
        let body = json!({"domains": [{"id": 1, "name": "example.com"}], "totalEntries": 1});
        let domains: WirePage<WireDomain> =
            cloud_core::http::json::decode("rackspace", "DNS", "domains", body).unwrap();
        assert_eq!(domains.items.len(), 1);
    }
}
