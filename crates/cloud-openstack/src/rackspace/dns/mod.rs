//! Rackspace Cloud DNS as a [`DnsDriver`].
//!
//! Domains are zones and records are records, one value each, with ids of
//! their own. Every change is an asynchronous job (see `job.rs`) that the driver
//! waits for, so a call returns once the change is done. Cloud DNS takes
//! TTLs of 300 seconds and more, and the record types below.

mod job;
// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;

use std::sync::Arc;

use async_trait::async_trait;
use cloud_core::Driver;
use cloud_core::{
    Api as CoreApi, Capabilities, CreateZone, DnsDriver, Error, Page, PageRequest, Record,
    RecordSpec, RecordType, ResourceKind, Result, UpdateZone, Zone, ZoneType,
};
use serde_json::{Map, Value, json};

use self::parse::{CreatedDomains, CreatedRecords, WireDomain, WirePage, WireRecord};
use crate::config::Shared;
use crate::error::Api;
use crate::service::Service;
use crate::zone_domains::ZoneDomains;
use cloud_core::http::rest::About;

/// Cloud DNS: every DNS operation.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(CoreApi::Dns);

/// Options [`CreateZone::option`] understands here.
pub const CREATE_ZONE_OPTIONS: &[&str] = &["comment"];

/// Record types Cloud DNS accepts.
pub const RECORD_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::CNAME,
    RecordType::MX,
    RecordType::NS,
    RecordType::PTR,
    RecordType::SRV,
    RecordType::TXT,
];

/// The shortest TTL Cloud DNS accepts.
pub const MIN_TTL: u32 = 300;

const TYPES: &[&str] = &["rax:dns"];
const PAGE_SIZE: u32 = 100;

/// The Cloud DNS driver.
#[derive(Debug, Clone)]
pub struct RackspaceDns {
    api: Service,
    /// Domain id to name, to turn record names relative.
    domains: ZoneDomains,
}

fn domain_path(id: &str) -> [&str; 2] {
    ["domains", id]
}

fn records_path(zone: &str) -> [&str; 3] {
    ["domains", zone, "records"]
}

fn record_path<'a>(zone: &'a str, id: &'a str) -> [&'a str; 4] {
    ["domains", zone, "records", id]
}

fn check_ttl(ttl: Option<u32>) -> Result<()> {
    match ttl {
        Some(t) if t < MIN_TTL => Err(Error::invalid_input(format!(
            "Rackspace Cloud DNS needs a TTL of at least {MIN_TTL} seconds, not {t}"
        ))),
        _ => Ok(()),
    }
}

impl RackspaceDns {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        RackspaceDns {
            api: Service::new(shared, Api::Dns, TYPES),
            domains: ZoneDomains::default(),
        }
    }

    async fn domain(&self, zone: &str) -> Result<String> {
        match self.domains.get(zone) {
            Some(d) => Ok(d),
            None => Ok(self.get_zone(zone).await?.domain),
        }
    }

    /// Sends a change and waits for its job.
    async fn change(
        &self,
        method: cloud_core::http::Method,
        path: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Value> {
        let url = self.api.url(path, query).await?;
        let accepted = self.api.send(method, url, body, about).await?.body;
        job::finish(&self.api, accepted, about).await
    }

    fn one_record(&self, zone: &str, domain: &str, value: Value) -> Result<Record> {
        self.api
            .decode::<WireRecord>(value, "a record")?
            .record(zone, domain)
            .ok_or_else(|| self.api.malformed("a record of an unknown type"))
    }

    /// Refuses a record the zone already holds: Cloud DNS would accept it
    /// (or fail the job with a message that varies).
    async fn refuse_duplicate(&self, zone: &str, domain: &str, spec: &RecordSpec) -> Result<()> {
        let body = parse::record_body(spec, domain)?;
        let name = body["name"].as_str().unwrap_or_default().to_owned();
        let path = records_path(zone);
        let query = &[("type", spec.record_type.as_str()), ("name", &name)];
        let found = self
            .api
            .get_query(&path, query, Some(About::reading(ResourceKind::Zone, zone)))
            .await?;
        let found: WirePage<WireRecord> = self.api.decode(found, "the records")?;
        for record in found.items {
            if let Some(record) = record.record(zone, domain)
                && record.record_type == spec.record_type
                && record.name.eq_ignore_ascii_case(&spec.name)
                && record.data == spec.data
            {
                return Err(Error::already_exists(ResourceKind::Record, record.id)
                    .with_provider(self.provider()));
            }
        }
        Ok(())
    }
}

impl Driver for RackspaceDns {
    fn provider(&self) -> &str {
        self.api.provider()
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.api.shared.session.redactor())
    }
}

#[async_trait]
impl DnsDriver for RackspaceDns {
    fn record_types(&self) -> &[RecordType] {
        RECORD_TYPES
    }

    async fn list_zones(&self, page: PageRequest) -> Result<Page<Zone>> {
        let limit = page
            .size
            .unwrap_or(PAGE_SIZE)
            .clamp(1, PAGE_SIZE)
            .to_string();
        let offset = page.token.as_deref().unwrap_or("0");
        let offset_n: u64 = offset.parse().map_err(|_| {
            Error::invalid_input(format!("`{offset}` is not a Cloud DNS page token"))
        })?;
        let body = self
            .api
            .get_query(&["domains"], &[("limit", &limit), ("offset", offset)], None)
            .await?;
        let page: WirePage<WireDomain> = self.api.decode(body, "the domains")?;
        let next = page.next_offset(offset_n);
        let mut zones = Vec::new();
        for domain in page.items {
            let zone = domain.zone();
            self.domains.remember(&zone);
            zones.push(zone);
        }
        Ok(Page::new(zones, next))
    }

    async fn get_zone(&self, id: &str) -> Result<Zone> {
        let path = domain_path(id);
        let query = &[("showRecords", "false"), ("showSubdomains", "false")];
        let body = self
            .api
            .get_query(&path, query, Some(About::reading(ResourceKind::Zone, id)))
            .await?;
        let zone = self.api.decode::<WireDomain>(body, "a domain")?.zone();
        self.domains.remember(&zone);
        Ok(zone)
    }

    async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        if let Some(unknown) = request
            .options
            .keys()
            .find(|k| !CREATE_ZONE_OPTIONS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for Cloud DNS domains (known: comment)"
            )));
        }
        if request.zone_type != ZoneType::Master {
            return Err(Error::invalid_input("Cloud DNS hosts primary zones only"));
        }
        check_ttl(request.ttl)?;
        let mut domain = Map::new();
        domain.insert("name".into(), json!(request.domain));
        // Cloud DNS requires a contact address.
        domain.insert(
            "emailAddress".into(),
            json!(
                request
                    .email
                    .clone()
                    .unwrap_or_else(|| format!("hostmaster@{}", request.domain))
            ),
        );
        if let Some(ttl) = request.ttl {
            domain.insert("ttl".into(), json!(ttl));
        }
        if let Some(comment) = request.options.get("comment") {
            domain.insert("comment".into(), json!(comment));
        }
        let body = json!({ "domains": [Value::Object(domain)] });
        let response = self
            .change(
                cloud_core::http::Method::POST,
                &["domains"],
                &[],
                Some(&body),
                Some(About::creating(ResourceKind::Zone, &request.domain)),
            )
            .await?;
        let created: CreatedDomains = self.api.decode(response, "the finished job")?;
        let zone = created
            .domains
            .into_iter()
            .next()
            .ok_or_else(|| self.api.malformed("the finished job names no domain"))?
            .zone();
        self.domains.remember(&zone);
        Ok(zone)
    }

    async fn update_zone(&self, id: &str, update: &UpdateZone) -> Result<Zone> {
        check_ttl(update.ttl)?;
        let mut body = Map::new();
        if let Some(ttl) = update.ttl {
            body.insert("ttl".into(), json!(ttl));
        }
        if let Some(email) = &update.email {
            body.insert("emailAddress".into(), json!(email));
        }
        if !body.is_empty() {
            self.change(
                cloud_core::http::Method::PUT,
                &domain_path(id),
                &[],
                Some(&Value::Object(body)),
                Some(About::reading(ResourceKind::Zone, id)),
            )
            .await?;
        }
        self.get_zone(id).await
    }

    async fn delete_zone(&self, id: &str) -> Result<()> {
        let path = domain_path(id);
        let query = &[("deleteSubdomains", "true")];
        self.change(
            cloud_core::http::Method::DELETE,
            &path,
            query,
            None,
            Some(About::reading(ResourceKind::Zone, id)),
        )
        .await?;
        self.domains.forget(id);
        Ok(())
    }

    async fn list_records(&self, zone: &str, page: PageRequest) -> Result<Page<Record>> {
        let domain = self.domain(zone).await?;
        let limit = page
            .size
            .unwrap_or(PAGE_SIZE)
            .clamp(1, PAGE_SIZE)
            .to_string();
        let offset = page.token.as_deref().unwrap_or("0");
        let offset_n: u64 = offset.parse().map_err(|_| {
            Error::invalid_input(format!("`{offset}` is not a Cloud DNS page token"))
        })?;
        let body = self
            .api
            .get_query(
                &records_path(zone),
                &[("limit", &limit), ("offset", offset)],
                Some(About::reading(ResourceKind::Zone, zone)),
            )
            .await?;
        let page: WirePage<WireRecord> = self.api.decode(body, "the records")?;
        let next = page.next_offset(offset_n);
        let records = page
            .items
            .into_iter()
            .filter_map(|r| r.record(zone, &domain))
            .collect();
        Ok(Page::new(records, next))
    }

    async fn get_record(&self, zone: &str, id: &str) -> Result<Record> {
        let domain = self.domain(zone).await?;
        let body = self
            .api
            .get(
                &record_path(zone, id),
                Some(About::reading(ResourceKind::Record, id)),
            )
            .await?;
        self.one_record(zone, &domain, body)
    }

    async fn create_record(&self, zone: &str, spec: &RecordSpec) -> Result<Record> {
        check_ttl(spec.ttl)?;
        let domain = self.domain(zone).await?;
        self.refuse_duplicate(zone, &domain, spec).await?;
        let body = json!({ "records": [parse::record_body(spec, &domain)?] });
        let response = self
            .change(
                cloud_core::http::Method::POST,
                &records_path(zone),
                &[],
                Some(&body),
                Some(About::creating(ResourceKind::Record, &spec.name)),
            )
            .await?;
        let created: CreatedRecords = self.api.decode(response, "the finished job")?;
        created
            .records
            .into_iter()
            .next()
            .ok_or_else(|| self.api.malformed("the finished job names no record"))?
            .record(zone, &domain)
            .ok_or_else(|| self.api.malformed("a record of an unknown type"))
    }

    async fn update_record(&self, zone: &str, id: &str, spec: &RecordSpec) -> Result<Record> {
        check_ttl(spec.ttl)?;
        let current = self.get_record(zone, id).await?;
        if current.spec() == *spec {
            return Ok(current);
        }
        let domain = self.domain(zone).await?;
        if current.record_type != spec.record_type {
            // Cloud DNS cannot change a record's type: add the new record,
            // then remove the old one, so a failure loses nothing.
            let record = self.create_record(zone, spec).await?;
            self.delete_record(zone, id).await?;
            return Ok(record);
        }
        if current.data != spec.data || current.name != spec.name {
            self.refuse_duplicate(zone, &domain, spec).await?;
        }
        let mut body = parse::record_body(spec, &domain)?;
        if let Some(fields) = body.as_object_mut() {
            // The type is the record's already; the API refuses to be told again.
            fields.remove("type");
        }
        self.change(
            cloud_core::http::Method::PUT,
            &record_path(zone, id),
            &[],
            Some(&body),
            Some(About::creating(ResourceKind::Record, id)),
        )
        .await?;
        self.get_record(zone, id).await
    }

    async fn delete_record(&self, zone: &str, id: &str) -> Result<()> {
        self.change(
            cloud_core::http::Method::DELETE,
            &record_path(zone, id),
            &[],
            None,
            Some(About::reading(ResourceKind::Record, id)),
        )
        .await?;
        Ok(())
    }
}
