//! Gandi LiveDNS (v5) as a [`DnsDriver`].
//!
//! LiveDNS names a zone by its domain and stores record *sets* (one name and
//! type, one TTL, several values); the portable API has one record per
//! value. A zone's id is its domain; a record's id is `TYPE:name:value`
//! (`@` for the apex), and adding, changing or removing a record rewrites
//! its set. All values of a set share its TTL.
//!
//! LiveDNS has no call that removes a domain (it goes with the domain's
//! registration or its move to other name servers), so `delete_zone` is
//! `Unsupported`; and no zone TTL or contact to update.

// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
mod extras;
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;

use async_trait::async_trait;
use cloud_core::http::Method;
use cloud_core::{
    Api, Capabilities, Capability, CreateZone, DnsDriver, Driver, Error, Page, PageRequest, Record,
    RecordSpec, RecordType, ResourceKind, Result, Zone, ZoneType,
};
use serde_json::{Map, Value, json};

pub use self::parse::Snapshot;
use self::parse::api_name;
use crate::PROVIDER;
use cloud_core::dns::rrset::{self, RecordSet, RecordSetStore, record_id};
use cloud_core::http::HeaderMap;
use cloud_core::http::rest::{About, RestClient};
use cloud_core::paging;

/// LiveDNS: every DNS operation but deleting a zone and updating its TTL
/// or contact.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(Api::Dns)
    .without(Capability::DeleteZone)
    .without(Capability::UpdateZone);

/// Record types LiveDNS accepts that the portable API knows.
pub const RECORD_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::ALIAS,
    RecordType::CAA,
    RecordType::CNAME,
    RecordType::DNAME,
    RecordType::DS,
    RecordType::HTTPS,
    RecordType::LOC,
    RecordType::MX,
    RecordType::NAPTR,
    RecordType::NS,
    RecordType::OPENPGPKEY,
    RecordType::PTR,
    RecordType::RP,
    RecordType::SPF,
    RecordType::SRV,
    RecordType::SSHFP,
    RecordType::SVCB,
    RecordType::TLSA,
    RecordType::TXT,
];

/// Records per page when the caller gives no size (LiveDNS's own default
/// is 100; it accepts more).
const PAGE_SIZE: u32 = 100;
/// The largest page asked for.
const MAX_PAGE_SIZE: u32 = 1000;

/// The LiveDNS driver.
#[derive(Debug, Clone)]
pub struct GandiDns {
    client: RestClient,
    /// The organization to act for (`sharing_id`), where Gandi takes one.
    sharing_id: Option<String>,
}

impl GandiDns {
    pub(crate) fn new(client: RestClient, sharing_id: Option<String>) -> Self {
        GandiDns { client, sharing_id }
    }

    fn set_url(&self, zone: &str, name: &str, kind: RecordType) -> cloud_core::Url {
        self.client.url(
            &["domains", zone, "records", api_name(name), kind.as_str()],
            &[],
        )
    }

    /// Replaces a set's values and TTL (`PUT` creates it when missing).
    async fn put_set(&self, zone: &str, set: &RecordSet) -> Result<()> {
        let mut body = Map::new();
        body.insert("rrset_values".into(), json!(set.values));
        if let Some(ttl) = set.ttl {
            body.insert("rrset_ttl".into(), json!(ttl));
        }
        let url = self.set_url(zone, &set.name, set.record_type);
        self.client
            .send(
                Method::PUT,
                url,
                Some(&Value::Object(body)),
                Some(About::reading(ResourceKind::Zone, zone)),
            )
            .await?;
        Ok(())
    }
}

/// Record sets as LiveDNS keeps them, under `/domains/{zone}/records`.
#[async_trait]
impl RecordSetStore for GandiDns {
    fn provider_name(&self) -> &str {
        PROVIDER
    }

    async fn read_set(
        &self,
        zone: &str,
        name: &str,
        kind: RecordType,
    ) -> Result<Option<RecordSet>> {
        let url = self.set_url(zone, name, kind);
        match self
            .client
            .get(url, Some(About::reading(ResourceKind::Record, name)))
            .await
        {
            Ok(answer) => parse::record_set(answer.body, zone)?
                .map(Some)
                .ok_or_else(|| Error::malformed(PROVIDER, "LiveDNS: a record set of another type")),
            Err(e) if e.is_not_found() => {
                // A missing set, or a missing zone: tell them apart.
                self.get_zone(zone).await?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// A new set is created with `POST` (which refuses an existing one) and
    /// read back (LiveDNS chooses the TTL when none is given); an existing
    /// one is rewritten with `PUT`.
    async fn write_set(
        &self,
        zone: &str,
        set: &RecordSet,
        previous: Option<&RecordSet>,
    ) -> Result<RecordSet> {
        if previous.is_some() {
            self.put_set(zone, set).await?;
            return Ok(set.clone());
        }
        let mut body = Map::new();
        body.insert("rrset_name".into(), json!(api_name(&set.name)));
        body.insert("rrset_type".into(), json!(set.record_type.as_str()));
        body.insert("rrset_values".into(), json!(set.values));
        if let Some(ttl) = set.ttl {
            body.insert("rrset_ttl".into(), json!(ttl));
        }
        let url = self.client.url(&["domains", zone, "records"], &[]);
        let first = set.values.first().map_or("", String::as_str);
        let id = record_id(set.record_type, &set.name, first);
        self.client
            .send(
                Method::POST,
                url,
                Some(&Value::Object(body)),
                Some(About::creating(ResourceKind::Record, &id)),
            )
            .await?;
        self.read_set(zone, &set.name, set.record_type)
            .await?
            .ok_or_else(|| {
                Error::malformed(PROVIDER, "LiveDNS: a record set created but not found")
            })
    }

    async fn delete_set(&self, zone: &str, set: &RecordSet) -> Result<()> {
        let url = self.set_url(zone, &set.name, set.record_type);
        let id = format!("{}:{}", set.record_type, api_name(&set.name));
        self.client
            .send(
                Method::DELETE,
                url,
                None,
                Some(About::reading(ResourceKind::Record, &id)),
            )
            .await?;
        Ok(())
    }
}

impl Driver for GandiDns {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.client.redactor())
    }
}

/// `page` and `per_page` for a page request.
fn page_params(page: &PageRequest) -> Result<(u32, u32)> {
    let number = paging::token_number(page.token.as_deref(), 1, "Gandi")?;
    let number = u32::try_from(number)
        .map_err(|_| Error::invalid_input(format!("invalid Gandi page token `{number}`")))?;
    let size = page.size.unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    Ok((number, size))
}

/// The page after `page` of a collection answered with `headers`, from
/// its `total-count` header (or, without it, whether the page came back
/// full).
fn next_page(headers: &HeaderMap, page: u32, per_page: u32, got: usize) -> Option<String> {
    let total = headers
        .get("total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let before = u64::from(page.saturating_sub(1)) * u64::from(per_page);
    paging::has_more(before, got, per_page, total).then(|| (page + 1).to_string())
}

#[async_trait]
impl DnsDriver for GandiDns {
    fn record_types(&self) -> &[RecordType] {
        RECORD_TYPES
    }

    async fn list_zones(&self, page: PageRequest) -> Result<Page<Zone>> {
        let (number, size) = page_params(&page)?;
        let (number_text, size_text) = (number.to_string(), size.to_string());
        let mut query = vec![
            ("page", number_text.as_str()),
            ("per_page", size_text.as_str()),
        ];
        if let Some(id) = self.sharing_id.as_deref() {
            query.push(("sharing_id", id));
        }
        let answer = self
            .client
            .get(self.client.url(&["domains"], &query), None)
            .await?;
        let zones = parse::zones(answer.body)?;
        let next = next_page(&answer.headers, number, size, zones.len());
        Ok(Page::new(zones, next))
    }

    async fn get_zone(&self, id: &str) -> Result<Zone> {
        let url = self.client.url(&["domains", id], &[]);
        let answer = self
            .client
            .get(url, Some(About::reading(ResourceKind::Zone, id)))
            .await?;
        parse::zone(answer.body)
    }

    async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        if let Some(name) = request.options.keys().next() {
            return Err(Error::invalid_input(format!(
                "unknown option `{name}` for LiveDNS domains (it takes none)"
            )));
        }
        if request.zone_type != ZoneType::Master {
            return Err(Error::invalid_input(
                "LiveDNS serves primary zones only (it can be the primary of secondaries elsewhere)",
            ));
        }
        // The contact (`email`) is Gandi's own in the SOA: not settable.
        let mut zone = Map::new();
        if let Some(ttl) = request.ttl {
            zone.insert("ttl".into(), json!(ttl));
        }
        let body = json!({"fqdn": request.domain, "zone": zone});
        let url = match self.sharing_id.as_deref() {
            Some(id) => self.client.url(&["domains"], &[("sharing_id", id)]),
            None => self.client.url(&["domains"], &[]),
        };
        self.client
            .send(
                Method::POST,
                url,
                Some(&body),
                Some(About::creating(ResourceKind::Zone, &request.domain)),
            )
            .await?;
        self.get_zone(&request.domain).await
    }

    async fn list_records(&self, zone: &str, page: PageRequest) -> Result<Page<Record>> {
        let (number, size) = page_params(&page)?;
        let (number_text, size_text) = (number.to_string(), size.to_string());
        let url = self.client.url(
            &["domains", zone, "records"],
            &[("page", &number_text), ("per_page", &size_text)],
        );
        let answer = self
            .client
            .get(url, Some(About::reading(ResourceKind::Zone, zone)))
            .await?;
        let sets = parse::record_sets(answer.body)?;
        let mut records = Vec::new();
        for set in sets.iter().filter_map(|s| s.set(zone)) {
            records.extend(set.records(zone));
        }
        // Pages count record sets, not records.
        let next = next_page(&answer.headers, number, size, sets.len());
        Ok(Page::new(records, next))
    }

    async fn get_record(&self, zone: &str, id: &str) -> Result<Record> {
        rrset::get_record(self, zone, id).await
    }

    async fn create_record(&self, zone: &str, spec: &RecordSpec) -> Result<Record> {
        rrset::create_record(self, zone, spec).await
    }

    async fn update_record(&self, zone: &str, id: &str, spec: &RecordSpec) -> Result<Record> {
        rrset::update_record(self, zone, id, spec).await
    }

    async fn delete_record(&self, zone: &str, id: &str) -> Result<()> {
        rrset::delete_record(self, zone, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_total_count() {
        let mut headers = HeaderMap::new();
        headers.insert("total-count", "7".parse().unwrap());
        assert_eq!(next_page(&headers, 1, 3, 3).as_deref(), Some("2"));
        assert_eq!(next_page(&headers, 2, 3, 3).as_deref(), Some("3"));
        assert_eq!(next_page(&headers, 3, 3, 1), None);
        // An empty page ends the listing whatever the count says.
        assert_eq!(next_page(&headers, 4, 3, 0), None);
        assert_eq!(next_page(&HeaderMap::new(), 1, 3, 3).as_deref(), Some("2"));
        assert_eq!(next_page(&HeaderMap::new(), 2, 3, 2), None);
        let first = page_params(&PageRequest::first()).unwrap();
        assert_eq!(first, (1, PAGE_SIZE));
        assert!(page_params(&PageRequest::first().after(Some("0".into()))).is_err());
        assert!(page_params(&PageRequest::first().after(Some("x".into()))).is_err());
    }
}
