//! Cloud DNS JSON to and from the portable DNS types.
//!
//! Cloud DNS keeps names fully qualified without the trailing dot, MX and
//! SRV priorities in a field of their own, host names without the trailing
//! dot and TXT text unquoted; the portable form is zone-file presentation.

use cloud_core::dns::{normalize_record, relative_name, unquote_text};
use cloud_core::{Error, Record, RecordSpec, RecordType, Result, Zone};
use serde_json::{Map, Value, json};

use crate::json::{copy_extra, text};
use crate::rackspace::clb::parse::id;
use crate::service::Service;

fn ttl(value: &Value) -> Option<u32> {
    value
        .get("ttl")
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok())
}

/// A domain from `GET /domains[/{id}]` or a create job's response.
pub(crate) fn domain(service: &Service, value: &Value) -> Result<Zone> {
    let id = id(value).ok_or_else(|| service.malformed("a domain without an id"))?;
    let name = text(value, "/name").ok_or_else(|| service.malformed("a domain without a name"))?;
    let mut zone = Zone::new(id, name.trim_end_matches('.').to_ascii_lowercase());
    zone.ttl = ttl(value);
    copy_extra(
        &mut zone.extra,
        value,
        &[
            "emailAddress",
            "comment",
            "accountId",
            "nameservers",
            "created",
            "updated",
        ],
    );
    Ok(zone)
}

/// Appends the root dot to a host name the API keeps without it.
fn absolute(host: &str) -> String {
    if host.ends_with('.') {
        host.to_owned()
    } else {
        format!("{host}.")
    }
}

/// A record; `None` for a type this crate does not model.
pub(crate) fn record(
    service: &Service,
    zone: &str,
    domain: &str,
    value: &Value,
) -> Result<Option<Record>> {
    let record_id = id(value).ok_or_else(|| service.malformed("a record without an id"))?;
    let kind = text(value, "/type")
        .ok_or_else(|| service.malformed(format!("record `{record_id}` has no type")))?;
    let Ok(kind) = kind.parse::<RecordType>() else {
        return Ok(None);
    };
    let name = text(value, "/name")
        .ok_or_else(|| service.malformed(format!("record `{record_id}` has no name")))?;
    let raw = text(value, "/data")
        .ok_or_else(|| service.malformed(format!("record `{record_id}` has no data")))?;
    let priority = value.get("priority").and_then(Value::as_u64);
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
    let mut record = Record::new(record_id, zone, relative_name(&name, domain), kind, data);
    record.ttl = ttl(value);
    copy_extra(&mut record.extra, value, &["comment", "created", "updated"]);
    Ok(Some(record))
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

/// The offset of the page after `body`, if the API says there is one.
pub(crate) fn next_offset(body: &Value, list: &str, offset: u64) -> Option<String> {
    let count = body.get(list).and_then(Value::as_array)?.len() as u64;
    let has_next = body
        .get("links")
        .and_then(Value::as_array)
        .is_some_and(|links| {
            links
                .iter()
                .any(|l| text(l, "/rel").as_deref() == Some("next"))
        });
    let total = body.get("totalEntries").and_then(Value::as_u64);
    let more = has_next || total.is_some_and(|t| offset + count < t);
    (more && count > 0).then(|| (offset + count).to_string())
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

    #[test]
    fn next_offsets() {
        let body = json!({"records": [{}, {}, {}], "totalEntries": 5});
        assert_eq!(next_offset(&body, "records", 0).as_deref(), Some("3"));
        assert_eq!(next_offset(&body, "records", 2), None);
        let body = json!({"records": [{}], "links": [{"rel": "next", "href": "x"}]});
        assert_eq!(next_offset(&body, "records", 4).as_deref(), Some("5"));
    }
}
