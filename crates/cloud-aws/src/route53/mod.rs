//! Amazon Route 53 as a [`DnsDriver`].
//!
//! Route 53 stores record *sets* (one name and type, one TTL, several
//! values); the portable API has one record per value. A record's id is
//! `TYPE:fqdn:value`, and creating, changing or deleting a record rewrites
//! its set in one atomic change batch. All values of a set share its TTL, so
//! giving one record a new TTL gives it to its siblings too.

// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cloud_core::Driver;
use cloud_core::Url;
use cloud_core::dns::{fqdn, relative_name as relative};
use cloud_core::http::{Body, HttpClient, HttpRequest, HttpResponse, Method};
use cloud_core::{
    Api, Capabilities, Capability, CreateZone, DnsDriver, Error, Page, PageRequest, Record,
    RecordSpec, RecordType, ResourceKind, Result, Zone, ZoneType,
};

use self::parse::RecordSet;
use crate::config::Shared;
use crate::error::{Service, response_error};
use crate::xml::escape;

/// Route 53 keeps no zone TTL or contact to update.
pub(crate) const CAPABILITIES: Capabilities =
    Capabilities::all(Api::Dns).without(Capability::UpdateZone);

const API: &str = "2013-04-01";
const NAMESPACE: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

/// Record types Route 53 accepts.
pub const RECORD_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::CAA,
    RecordType::CNAME,
    RecordType::DS,
    RecordType::HTTPS,
    RecordType::MX,
    RecordType::NAPTR,
    RecordType::NS,
    RecordType::PTR,
    RecordType::SOA,
    RecordType::SPF,
    RecordType::SRV,
    RecordType::SSHFP,
    RecordType::SVCB,
    RecordType::TLSA,
    RecordType::TXT,
];

/// TTL of a new record set when the record gives none.
const DEFAULT_TTL: u32 = 300;

/// The Route 53 driver.
#[derive(Debug, Clone)]
pub struct Route53Dns {
    shared: Arc<Shared>,
    http: HttpClient,
    base: Url,
    domains: Arc<Mutex<HashMap<String, String>>>,
}

/// A record id: type, fully qualified name (with dot) and value.
fn record_id(set_type: RecordType, fqdn: &str, value: &str) -> String {
    format!("{set_type}:{fqdn}:{value}")
}

/// Reads a record id; one this driver could not have made names no record.
fn parse_record_id(id: &str) -> Result<(RecordType, String, String)> {
    let bad = || {
        Error::not_found(ResourceKind::Record, id)
            .with_provider(crate::PROVIDER)
            .with_message(format!(
                "record `{id}` not found (Route 53 record ids are TYPE:name:value)"
            ))
    };
    let (kind, rest) = id.split_once(':').ok_or_else(bad)?;
    let (name, value) = rest.split_once(':').ok_or_else(bad)?;
    let kind = kind.parse::<RecordType>().map_err(|_| bad())?;
    if !name.ends_with('.') || value.is_empty() {
        return Err(bad());
    }
    Ok((kind, name.to_owned(), value.to_owned()))
}

fn set_xml(set: &RecordSet) -> String {
    let mut xml = format!(
        "<ResourceRecordSet><Name>{}</Name><Type>{}</Type>",
        escape(&set.name),
        set.record_type
    );
    if let Some(id) = &set.set_identifier {
        xml.push_str(&format!("<SetIdentifier>{}</SetIdentifier>", escape(id)));
    }
    xml.push_str(&format!(
        "<TTL>{}</TTL><ResourceRecords>",
        set.ttl.unwrap_or(DEFAULT_TTL)
    ));
    for value in &set.values {
        xml.push_str(&format!(
            "<ResourceRecord><Value>{}</Value></ResourceRecord>",
            escape(value)
        ));
    }
    xml.push_str("</ResourceRecords></ResourceRecordSet>");
    xml
}

/// One change of a batch.
enum Change {
    Create(RecordSet),
    Upsert(RecordSet),
    Delete(RecordSet),
}

fn batch_xml(changes: &[Change]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ChangeResourceRecordSetsRequest xmlns=\"{NAMESPACE}\"><ChangeBatch><Changes>"
    );
    for change in changes {
        let (action, set) = match change {
            Change::Create(s) => ("CREATE", s),
            Change::Upsert(s) => ("UPSERT", s),
            Change::Delete(s) => ("DELETE", s),
        };
        xml.push_str(&format!(
            "<Change><Action>{action}</Action>{}</Change>",
            set_xml(set)
        ));
    }
    xml.push_str("</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>");
    xml
}

impl Route53Dns {
    pub(crate) fn new(shared: Arc<Shared>) -> Result<Self> {
        let base = shared.endpoint(Service::Route53, &shared.region)?;
        let http = shared.http(Service::Route53, &shared.region)?;
        Ok(Route53Dns {
            shared,
            http,
            base,
            domains: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url> {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}/{API}/{path}"));
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", cloud_core::http::encode_component(v)))
            .collect();
        let query = query.join("&");
        url.set_query(if query.is_empty() { None } else { Some(&query) });
        Ok(url)
    }

    async fn send(
        &self,
        request: HttpRequest,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<String> {
        let response: HttpResponse = self.http.send(request).await?;
        let (status, headers, body) = response.into_parts();
        let bytes = body.bytes().await?;
        if !status.is_success() {
            return Err(response_error(
                Service::Route53,
                status,
                &headers,
                &bytes,
                resource,
            ));
        }
        String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::malformed(crate::PROVIDER, "Route 53 answered with invalid UTF-8"))
    }

    fn check_zone_id(id: &str) -> Result<()> {
        if id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(())
        } else {
            Err(Error::invalid_input(format!(
                "`{id}` is not a Route 53 hosted zone id"
            )))
        }
    }

    /// The domain of a zone (cached).
    async fn domain(&self, zone: &str) -> Result<String> {
        if let Some(d) = self
            .domains
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(zone)
        {
            return Ok(d.clone());
        }
        Ok(self.get_zone(zone).await?.domain)
    }

    /// The record set `fqdn`/`kind`, if it exists.
    async fn find_set(
        &self,
        zone: &str,
        fqdn: &str,
        kind: RecordType,
    ) -> Result<Option<RecordSet>> {
        let url = self.url(
            &format!("hostedzone/{zone}/rrset"),
            &[
                ("name", fqdn.to_owned()),
                ("type", kind.to_string()),
                ("maxitems", "1".into()),
            ],
        )?;
        let body = self
            .send(
                HttpRequest::new(Method::GET, url),
                Some((ResourceKind::Zone, zone)),
            )
            .await?;
        let (sets, _) = parse::list_record_sets(&body)?;
        Ok(sets.into_iter().find(|s| {
            s.name.eq_ignore_ascii_case(fqdn) && s.record_type == kind && s.set_identifier.is_none()
        }))
    }

    async fn change(&self, zone: &str, changes: &[Change]) -> Result<()> {
        let url = self.url(&format!("hostedzone/{zone}/rrset"), &[])?;
        let request = HttpRequest::new(Method::POST, url)
            .header("content-type", "application/xml")?
            .body(Body::from_bytes(batch_xml(changes)));
        self.send(request, Some((ResourceKind::Record, zone)))
            .await?;
        Ok(())
    }

    fn record(zone: &str, domain: &str, set: &RecordSet, value: &str) -> Record {
        let mut record = Record::new(
            record_id(set.record_type, &set.name, value),
            zone,
            relative(&set.name, domain),
            set.record_type,
            value,
        );
        record.ttl = set.ttl;
        if let Some(z) = &set.alias_zone {
            record
                .extra
                .insert("alias_hosted_zone_id".into(), z.clone().into());
        }
        if let Some(id) = &set.set_identifier {
            record
                .extra
                .insert("set_identifier".into(), id.clone().into());
        }
        record
    }
}

impl Driver for Route53Dns {
    fn provider(&self) -> &str {
        crate::PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(&self.shared.redactor)
    }
}

#[async_trait]
impl DnsDriver for Route53Dns {
    fn record_types(&self) -> &[RecordType] {
        RECORD_TYPES
    }

    async fn list_zones(&self, page: PageRequest) -> Result<Page<Zone>> {
        let mut query = Vec::new();
        if let Some(marker) = page.token {
            query.push(("marker", marker));
        }
        // The largest page unless asked.
        query.push((
            "maxitems",
            page.size.unwrap_or(100).clamp(1, 100).to_string(),
        ));
        let body = self
            .send(
                HttpRequest::new(Method::GET, self.url("hostedzone", &query)?),
                None,
            )
            .await?;
        let page = parse::list_hosted_zones(&body)?;
        let mut domains = self.domains.lock().unwrap_or_else(|p| p.into_inner());
        for zone in &page.items {
            domains.insert(zone.id.clone(), zone.domain.clone());
        }
        Ok(page)
    }

    async fn get_zone(&self, id: &str) -> Result<Zone> {
        Self::check_zone_id(id)?;
        let url = self.url(&format!("hostedzone/{id}"), &[])?;
        let zone = parse::hosted_zone_response(
            &self
                .send(
                    HttpRequest::new(Method::GET, url),
                    Some((ResourceKind::Zone, id)),
                )
                .await?,
        )?;
        self.domains
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(zone.id.clone(), zone.domain.clone());
        Ok(zone)
    }

    async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        if request.zone_type != ZoneType::Master {
            return Err(Error::invalid_input("Route 53 hosts primary zones only"));
        }
        if let Some(unknown) = request.options.keys().find(|k| k.as_str() != "comment") {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for Route 53 zones (known: comment)"
            )));
        }
        // Route 53 allows several zones of one name; the portable API does not.
        let url = self.url(
            "hostedzonesbyname",
            &[
                ("dnsname", format!("{}.", request.domain)),
                ("maxitems", "1".into()),
            ],
        )?;
        let existing =
            parse::list_hosted_zones(&self.send(HttpRequest::new(Method::GET, url), None).await?)?;
        if existing
            .items
            .iter()
            .any(|z| z.domain.eq_ignore_ascii_case(&request.domain))
        {
            return Err(Error::already_exists(ResourceKind::Zone, &request.domain)
                .with_provider(crate::PROVIDER));
        }
        let comment = request.options.get("comment").cloned().unwrap_or_default();
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateHostedZoneRequest xmlns=\"{NAMESPACE}\"><Name>{}.</Name><CallerReference>{}</CallerReference><HostedZoneConfig><Comment>{}</Comment></HostedZoneConfig></CreateHostedZoneRequest>",
            escape(&request.domain),
            escape(&self.shared.tokens.next_token()),
            escape(&comment)
        );
        let request_http = HttpRequest::new(Method::POST, self.url("hostedzone", &[])?)
            .header("content-type", "application/xml")?
            .body(Body::from_bytes(xml))
            // The CallerReference makes a repeated create return the same zone.
            .idempotent(true);
        let zone = parse::hosted_zone_response(
            &self
                .send(request_http, Some((ResourceKind::Zone, &request.domain)))
                .await?,
        )?;
        self.domains
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(zone.id.clone(), zone.domain.clone());
        Ok(zone)
    }

    async fn delete_zone(&self, id: &str) -> Result<()> {
        Self::check_zone_id(id)?;
        let domain = self.domain(id).await?;
        let apex = format!("{domain}.");
        // Route 53 refuses to delete a zone with records: remove them first,
        // except the apex SOA and NS it manages itself.
        let mut token: Option<String> = None;
        let mut doomed = Vec::new();
        loop {
            let page = self.list_sets(id, token.as_deref()).await?;
            for set in page.0 {
                let managed = set.name.eq_ignore_ascii_case(&apex)
                    && matches!(set.record_type, RecordType::SOA | RecordType::NS);
                if !managed && set.alias_zone.is_none() {
                    doomed.push(Change::Delete(set));
                }
            }
            match page.1 {
                Some(next) if Some(&next) != token.as_ref() => token = Some(next),
                _ => break,
            }
        }
        for chunk in doomed.chunks(500) {
            self.change(id, chunk).await?;
        }
        let url = self.url(&format!("hostedzone/{id}"), &[])?;
        self.send(
            HttpRequest::new(Method::DELETE, url),
            Some((ResourceKind::Zone, id)),
        )
        .await?;
        self.domains
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        Ok(())
    }

    async fn list_records(&self, zone: &str, page: PageRequest) -> Result<Page<Record>> {
        Self::check_zone_id(zone)?;
        let domain = self.domain(zone).await?;
        let mut query = Vec::new();
        if let Some(token) = &page.token {
            let mut parts = token.splitn(3, '\n');
            let (name, kind, ident) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            query.push(("name", name.to_owned()));
            if !kind.is_empty() {
                query.push(("type", kind.to_owned()));
            }
            if !ident.is_empty() {
                query.push(("identifier", ident.to_owned()));
            }
        }
        // The largest page unless asked.
        query.push((
            "maxitems",
            page.size.unwrap_or(300).clamp(1, 300).to_string(),
        ));
        let url = self.url(&format!("hostedzone/{zone}/rrset"), &query)?;
        let body = self
            .send(
                HttpRequest::new(Method::GET, url),
                Some((ResourceKind::Zone, zone)),
            )
            .await?;
        let (sets, next) = parse::list_record_sets(&body)?;
        let records = sets
            .iter()
            .flat_map(|set| {
                set.values
                    .iter()
                    .map(|v| Self::record(zone, &domain, set, v))
            })
            .collect();
        Ok(Page::new(records, next))
    }

    /// Starts the listing at the name (Route 53 lists in name order), so
    /// checking one name costs one request, whatever the zone's size.
    async fn list_records_named(
        &self,
        zone: &str,
        name: &str,
        page: PageRequest,
    ) -> Result<Page<Record>> {
        let request = match page.token {
            Some(_) => page,
            None => {
                let domain = self.domain(zone).await?;
                let fqdn = if name.is_empty() {
                    format!("{domain}.")
                } else {
                    format!("{name}.{domain}.")
                };
                PageRequest::with_size(page.size).after(Some(fqdn.to_ascii_lowercase()))
            }
        };
        let mut got = self.list_records(zone, request).await?;
        let more_may_follow = got
            .items
            .last()
            .is_some_and(|r| r.name.eq_ignore_ascii_case(name));
        got.items.retain(|r| r.name.eq_ignore_ascii_case(name));
        if !more_may_follow {
            got.next = None;
        }
        Ok(got)
    }

    async fn get_record(&self, zone: &str, id: &str) -> Result<Record> {
        Self::check_zone_id(zone)?;
        let (kind, name, value) = parse_record_id(id)?;
        let domain = self.domain(zone).await?;
        let set = self.find_set(zone, &name, kind).await?;
        match set {
            Some(set) if set.values.contains(&value) => {
                Ok(Self::record(zone, &domain, &set, &value))
            }
            _ => Err(Error::not_found(ResourceKind::Record, id).with_provider(crate::PROVIDER)),
        }
    }

    async fn create_record(&self, zone: &str, spec: &RecordSpec) -> Result<Record> {
        Self::check_zone_id(zone)?;
        let domain = self.domain(zone).await?;
        let name = fqdn(&spec.name, &domain);
        let change = match self.find_set(zone, &name, spec.record_type).await? {
            Some(mut set) => {
                if set.values.contains(&spec.data) {
                    return Err(Error::already_exists(
                        ResourceKind::Record,
                        record_id(spec.record_type, &name, &spec.data),
                    )
                    .with_provider(crate::PROVIDER));
                }
                set.values.push(spec.data.clone());
                set.ttl = spec.ttl.or(set.ttl);
                Change::Upsert(set)
            }
            None => Change::Create(RecordSet {
                name: name.clone(),
                record_type: spec.record_type,
                ttl: Some(spec.ttl.unwrap_or(DEFAULT_TTL)),
                values: vec![spec.data.clone()],
                alias_zone: None,
                set_identifier: None,
            }),
        };
        let set = match &change {
            Change::Create(s) | Change::Upsert(s) | Change::Delete(s) => s.clone(),
        };
        self.change(zone, &[change]).await?;
        Ok(Self::record(zone, &domain, &set, &spec.data))
    }

    async fn update_record(&self, zone: &str, id: &str, spec: &RecordSpec) -> Result<Record> {
        Self::check_zone_id(zone)?;
        let (old_kind, old_name, old_value) = parse_record_id(id)?;
        let domain = self.domain(zone).await?;
        let new_name = fqdn(&spec.name, &domain);
        let mut old_set = self
            .find_set(zone, &old_name, old_kind)
            .await?
            .filter(|s| s.values.contains(&old_value))
            .ok_or_else(|| {
                Error::not_found(ResourceKind::Record, id).with_provider(crate::PROVIDER)
            })?;
        let same_set = old_set.name.eq_ignore_ascii_case(&new_name) && old_kind == spec.record_type;
        let changes = if same_set {
            if spec.data != old_value && old_set.values.contains(&spec.data) {
                return Err(Error::already_exists(
                    ResourceKind::Record,
                    record_id(spec.record_type, &new_name, &spec.data),
                )
                .with_provider(crate::PROVIDER));
            }
            for v in &mut old_set.values {
                if *v == old_value {
                    v.clone_from(&spec.data);
                }
            }
            old_set.ttl = spec.ttl.or(old_set.ttl);
            vec![Change::Upsert(old_set.clone())]
        } else {
            let mut changes = Vec::new();
            let remaining: Vec<String> = old_set
                .values
                .iter()
                .filter(|v| **v != old_value)
                .cloned()
                .collect();
            if remaining.is_empty() {
                changes.push(Change::Delete(old_set.clone()));
            } else {
                let mut kept = old_set.clone();
                kept.values = remaining;
                changes.push(Change::Upsert(kept));
            }
            let target = match self.find_set(zone, &new_name, spec.record_type).await? {
                Some(mut set) => {
                    if set.values.contains(&spec.data) {
                        return Err(Error::already_exists(
                            ResourceKind::Record,
                            record_id(spec.record_type, &new_name, &spec.data),
                        )
                        .with_provider(crate::PROVIDER));
                    }
                    set.values.push(spec.data.clone());
                    set.ttl = spec.ttl.or(set.ttl);
                    set
                }
                None => RecordSet {
                    name: new_name.clone(),
                    record_type: spec.record_type,
                    ttl: Some(spec.ttl.unwrap_or(DEFAULT_TTL)),
                    values: vec![spec.data.clone()],
                    alias_zone: None,
                    set_identifier: None,
                },
            };
            old_set = target.clone();
            changes.push(Change::Upsert(target));
            changes
        };
        self.change(zone, &changes).await?;
        Ok(Self::record(zone, &domain, &old_set, &spec.data))
    }

    async fn delete_record(&self, zone: &str, id: &str) -> Result<()> {
        Self::check_zone_id(zone)?;
        let (kind, name, value) = parse_record_id(id)?;
        let set = self
            .find_set(zone, &name, kind)
            .await?
            .filter(|s| s.values.contains(&value))
            .ok_or_else(|| {
                Error::not_found(ResourceKind::Record, id).with_provider(crate::PROVIDER)
            })?;
        let remaining: Vec<String> = set
            .values
            .iter()
            .filter(|v| **v != value)
            .cloned()
            .collect();
        let change = if remaining.is_empty() {
            Change::Delete(set)
        } else {
            let mut kept = set;
            kept.values = remaining;
            Change::Upsert(kept)
        };
        self.change(zone, &[change]).await
    }
}

impl Route53Dns {
    async fn list_sets(
        &self,
        zone: &str,
        token: Option<&str>,
    ) -> Result<(Vec<RecordSet>, Option<String>)> {
        let mut query = Vec::new();
        if let Some(token) = token {
            let mut parts = token.splitn(3, '\n');
            query.push(("name", parts.next().unwrap_or("").to_owned()));
            if let Some(kind) = parts.next().filter(|k| !k.is_empty()) {
                query.push(("type", kind.to_owned()));
            }
        }
        let url = self.url(&format!("hostedzone/{zone}/rrset"), &query)?;
        parse::list_record_sets(
            &self
                .send(
                    HttpRequest::new(Method::GET, url),
                    Some((ResourceKind::Zone, zone)),
                )
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_round_trip() {
        let id = record_id(RecordType::AAAA, "www.example.com.", "2001:db8::1");
        assert_eq!(id, "AAAA:www.example.com.:2001:db8::1");
        assert_eq!(
            parse_record_id(&id).unwrap(),
            (
                RecordType::AAAA,
                "www.example.com.".to_owned(),
                "2001:db8::1".to_owned()
            )
        );
        assert!(parse_record_id("A:nodot:1.2.3.4").is_err());
        assert!(parse_record_id("garbage").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(fqdn("", "example.com"), "example.com.");
        assert_eq!(fqdn("www", "example.com"), "www.example.com.");
        assert_eq!(relative("www.Example.com.", "example.com"), "www");
        assert_eq!(relative("example.com.", "example.com"), "");
    }

    #[test]
    fn change_batches_escape_values() {
        let set = RecordSet {
            name: "x.example.com.".into(),
            record_type: RecordType::TXT,
            ttl: Some(60),
            values: vec!["\"a<b&c\"".into()],
            alias_zone: None,
            set_identifier: None,
        };
        let xml = batch_xml(&[Change::Create(set)]);
        assert!(
            xml.contains("<Value>&quot;a&lt;b&amp;c&quot;</Value>"),
            "{xml}"
        );
        assert!(roxmltree::Document::parse(&xml).is_ok());
    }
}
