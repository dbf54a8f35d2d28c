//! Cloud DNS as a [`DnsDriver`]: managed zones addressed by name, records
//! as the values of their record sets, every write one change that deletes
//! the set as it was read and adds it as it should be.
//!
//! A change is atomic and conditional: Cloud DNS refuses it whole when the
//! deleted set is no longer exactly what was read (a concurrent writer), so
//! no write silently undoes another. Cloud DNS serves a change's sets from
//! its API at once and answers `pending` until its name servers have them;
//! waiting for `done` is asked for with [`GoogleBuilder::dns_change_wait`].
//!
//! [`GoogleBuilder::dns_change_wait`]: crate::GoogleBuilder::dns_change_wait

mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cloud_core::dns::rrset::{self, RecordSet, RecordSetStore, qualify};
use cloud_core::dns::{email_of_rname, fqdn, rname_of_email};
use cloud_core::http::Method;
use cloud_core::http::rest::{About, RestClient};
use cloud_core::poll::{Poll, poll_until};
use cloud_core::{
    Api, Capabilities, CreateZone, DnsDriver, Driver, Error, Page, PageRequest, Record, RecordSpec,
    RecordType, ResourceKind, Result, UpdateZone, Url, Zone, ZoneType,
};
use serde_json::{Value, json};

use self::wire::{WireChange, WireSet, WireSetList, WireZone, WireZoneList, domain};
use crate::PROVIDER;
use crate::config::Shared;

/// Everything the portable DNS API offers.
pub const CAPABILITIES: Capabilities = Capabilities::all(Api::Dns);

/// The record types Cloud DNS serves that the portable API knows.
const RECORD_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::CAA,
    RecordType::CNAME,
    RecordType::DNSKEY,
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

/// The TTL a new set gets when the record names none (Cloud DNS needs one;
/// 300 s is what its console proposes).
pub const DEFAULT_TTL: u32 = 300;

/// The most sets one change deletes when a zone is emptied.
const DELETIONS_PER_CHANGE: usize = 100;

/// The Cloud DNS driver.
#[derive(Debug, Clone)]
pub struct CloudDns {
    shared: Arc<Shared>,
    /// Each zone's DNS name by zone name (it never changes while the zone
    /// lives), so that a record write costs no extra read of its zone.
    domains: Arc<Mutex<HashMap<String, String>>>,
}

/// The managed-zone name a domain gets when none is given: its labels
/// joined by dashes, starting with a letter, cut to 63 characters with a
/// hash of the whole domain keeping long names apart.
fn zone_name_for(domain: &str) -> String {
    let mut name: String = domain
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "z-");
    }
    let name = name.trim_end_matches('-');
    if name.len() <= 63 {
        return name.to_owned();
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, domain.as_bytes());
    let hash: String = digest.as_ref()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{}-{hash}", name[..54].trim_end_matches('-'))
}

/// A zone name Cloud DNS accepts: 1 to 63 lowercase letters, digits and
/// dashes, a letter first, no dash last.
fn check_zone_name(name: &str) -> Result<()> {
    let ok = (1..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "`{}` is not a Cloud DNS zone name: 1 to 63 lowercase letters, digits and dashes, \
             starting with a letter and not ending with a dash",
            cloud_core::error::quote(name)
        )))
    }
}

impl CloudDns {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        CloudDns {
            shared,
            domains: Arc::default(),
        }
    }

    fn client(&self) -> &RestClient {
        &self.shared.dns
    }

    /// `dns/v1/projects/{project}/managedZones[/{zone}[/{rest}]]` with `query`.
    async fn url(&self, zone: Option<&str>, rest: &[&str], query: &[(&str, &str)]) -> Result<Url> {
        let project = self.shared.project().await?;
        let mut segments = vec!["dns", "v1", "projects", &project, "managedZones"];
        segments.extend(zone);
        segments.extend_from_slice(rest);
        Ok(self.client().url(&segments, query))
    }

    async fn get_json(&self, url: Url, about: About<'_>) -> Result<Value> {
        Ok(self.client().get(url, Some(about)).await?.body)
    }

    /// The managed zone `id` as Cloud DNS answers it.
    async fn wire_zone(&self, id: &str) -> Result<WireZone> {
        let about = About::reading(ResourceKind::Zone, id);
        let body = self
            .get_json(self.url(Some(id), &[], &[]).await?, about)
            .await?;
        let zone: WireZone = self.client().decode(body, "managed zone")?;
        self.remember(&zone);
        Ok(zone)
    }

    fn remember(&self, zone: &WireZone) {
        if let Ok(mut domains) = self.domains.lock() {
            domains.insert(
                zone.name.clone(),
                domain(&zone.dns_name).to_ascii_lowercase(),
            );
        }
    }

    /// The domain of zone `id` (read once, then remembered).
    async fn domain(&self, id: &str) -> Result<String> {
        let known = self.domains.lock().ok().and_then(|d| d.get(id).cloned());
        match known {
            Some(domain) => Ok(domain),
            None => Ok(domain(&self.wire_zone(id).await?.dns_name).to_ascii_lowercase()),
        }
    }

    /// One page of zone `id`'s record sets, of one name (and type) when given.
    async fn set_page(
        &self,
        zone: &str,
        name: Option<(&str, Option<RecordType>)>,
        page: &PageRequest,
    ) -> Result<WireSetList> {
        let size = page.size.map(|s| s.to_string());
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some((fqdn, kind)) = name {
            query.push(("name", fqdn));
            query.extend(kind.map(|k| ("type", k.as_str())));
        }
        query.extend(size.as_deref().map(|s| ("maxResults", s)));
        query.extend(page.token.as_deref().map(|t| ("pageToken", t)));
        let url = self.url(Some(zone), &["rrsets"], &query).await?;
        let body = self
            .get_json(url, About::reading(ResourceKind::Zone, zone))
            .await?;
        self.client().decode(body, "record set listing")
    }

    /// The set `name`/`kind` of zone `zone` of `zone_domain` as stored.
    async fn wire_set(
        &self,
        zone: &str,
        zone_domain: &str,
        name: &str,
        kind: RecordType,
    ) -> Result<Option<WireSet>> {
        let owner = fqdn(name, zone_domain);
        let found = self
            .set_page(zone, Some((&owner, Some(kind))), &PageRequest::first())
            .await?;
        Ok(found
            .rrsets
            .into_iter()
            .find(|s| s.kind == kind.as_str() && s.name.eq_ignore_ascii_case(&owner)))
    }

    /// Sends one change to zone `zone`, waiting for it to be done when the
    /// client was asked to.
    async fn change(&self, zone: &str, change: WireChange) -> Result<WireChange> {
        let url = self.url(Some(zone), &["changes"], &[]).await?;
        let body = serde_json::to_value(&change)
            .map_err(|e| Error::invalid_input(format!("a Cloud DNS change: {e}")))?;
        let answer = self
            .client()
            .send(
                Method::POST,
                url,
                Some(&body),
                Some(About::reading(ResourceKind::Zone, zone)),
            )
            .await?;
        let sent: WireChange = self.client().decode(answer.body, "change")?;
        match (self.shared.dns_wait, sent.id.clone()) {
            (Some(wait), Some(id)) if sent.status.as_deref() != Some("done") => {
                self.wait_for_change(zone, &id, wait).await
            }
            _ => Ok(sent),
        }
    }

    /// Looks at change `id` of zone `zone` until it is `done`.
    async fn wait_for_change(
        &self,
        zone: &str,
        id: &str,
        wait: cloud_core::poll::ChangeWait,
    ) -> Result<WireChange> {
        let url = self.url(Some(zone), &["changes", id], &[]).await?;
        let what = format!("Cloud DNS change {id} of zone `{zone}`");
        poll_until(wait, &what, || {
            let url = url.clone();
            async move {
                let body = self
                    .get_json(url, About::reading(ResourceKind::Zone, zone))
                    .await?;
                let change: WireChange = self.client().decode(body, "change")?;
                Ok(match change.status.as_deref() {
                    Some("done") => Poll::Done(change),
                    status => Poll::Pending(format!("status {}", status.unwrap_or("unknown"))),
                })
            }
        })
        .await
    }

    /// Waits for change `id` of zone `zone` to be served by every Cloud DNS
    /// name server (an extra: changes are waited for only when the client
    /// was built with [`dns_change_wait`](crate::GoogleBuilder::dns_change_wait)).
    pub async fn ex_wait_for_change(&self, zone: &str, id: &str) -> Result<()> {
        let wait = self.shared.dns_wait.unwrap_or_default();
        self.wait_for_change(zone, id, wait).await.map(drop)
    }

    /// Zone `id` with its SOA read: the SOA's TTL is the zone's, its
    /// responsible mailbox the zone's contact (`extra.email`).
    async fn zone_with_soa(&self, id: &str) -> Result<Zone> {
        let wire = self.wire_zone(id).await?;
        let zone_domain = domain(&wire.dns_name).to_ascii_lowercase();
        let mut zone = wire.zone();
        if let Some(soa) = self.wire_set(id, &zone_domain, "", RecordType::SOA).await? {
            zone.ttl = Some(soa.ttl);
            if let Some(rname) = soa
                .rrdatas
                .first()
                .and_then(|d| d.split_whitespace().nth(1))
            {
                zone.extra
                    .insert("email".into(), email_of_rname(rname).into());
            }
        }
        Ok(zone)
    }

    /// Replaces the zone's SOA with one carrying `update`'s TTL and contact.
    async fn change_soa(&self, id: &str, update: &UpdateZone) -> Result<()> {
        let zone_domain = self.domain(id).await?;
        let soa = self
            .wire_set(id, &zone_domain, "", RecordType::SOA)
            .await?
            .ok_or_else(|| {
                Error::malformed(PROVIDER, format!("Cloud DNS: zone `{id}` has no SOA"))
            })?;
        let mut fields: Vec<String> = soa
            .rrdatas
            .first()
            .map(|d| d.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        if fields.len() != 7 {
            return Err(Error::malformed(
                PROVIDER,
                format!("Cloud DNS: the SOA of zone `{id}` is not 7 fields"),
            ));
        }
        if let Some(email) = &update.email {
            fields[1] = rname_of_email(email)?;
        }
        let replacement = WireSet {
            ttl: update.ttl.unwrap_or(soa.ttl),
            rrdatas: vec![fields.join(" ")],
            ..soa.clone()
        };
        self.change(
            id,
            WireChange {
                additions: vec![replacement],
                deletions: vec![soa],
                ..WireChange::default()
            },
        )
        .await
        .map(drop)
    }

    /// Deletes every set of zone `id` but its apex SOA and NS, which Cloud
    /// DNS keeps (it refuses to delete a zone holding anything else).
    async fn empty_zone(&self, id: &str) -> Result<()> {
        let zone_domain = self.domain(id).await?;
        let apex = fqdn("", &zone_domain);
        let mut doomed = Vec::new();
        let mut page = PageRequest::first();
        loop {
            let found = self.set_page(id, None, &page).await?;
            doomed.extend(found.rrsets.into_iter().filter(|s| {
                !(s.name.eq_ignore_ascii_case(&apex) && matches!(s.kind.as_str(), "SOA" | "NS"))
            }));
            match found.next_page_token {
                Some(token) => page = page.after(Some(token)),
                None => break,
            }
        }
        for chunk in doomed.chunks(DELETIONS_PER_CHANGE) {
            let change = WireChange {
                deletions: chunk.to_vec(),
                ..WireChange::default()
            };
            self.change(id, change).await?;
        }
        Ok(())
    }

    /// `spec` with a relative target made absolute, as Cloud DNS stores it.
    fn qualified(zone_domain: &str, spec: &RecordSpec) -> RecordSpec {
        let mut spec = spec.clone();
        spec.data = qualify(spec.record_type, &spec.data, zone_domain);
        spec
    }

    /// The records of `sets` in zone `zone` of `zone_domain`.
    fn records(zone: &str, zone_domain: &str, sets: &[WireSet]) -> Vec<Record> {
        sets.iter()
            .filter_map(|s| s.set(zone_domain))
            .flat_map(|s| s.records(zone).collect::<Vec<_>>())
            .collect()
    }
}

impl Driver for CloudDns {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.client().redactor())
    }
}

/// Record sets as Cloud DNS keeps them: read with the `name` and `type`
/// filters, written by changes that delete the set read and add the new one.
#[async_trait]
impl RecordSetStore for CloudDns {
    fn provider_name(&self) -> &str {
        PROVIDER
    }

    async fn read_set(
        &self,
        zone: &str,
        name: &str,
        kind: RecordType,
    ) -> Result<Option<RecordSet>> {
        let zone_domain = self.domain(zone).await?;
        Ok(self
            .wire_set(zone, &zone_domain, name, kind)
            .await?
            .and_then(|s| s.set(&zone_domain))
            .filter(|s| !s.values.is_empty()))
    }

    /// One change: the set as it was read is deleted (Cloud DNS refuses
    /// the change when that is no longer exactly what it holds) and `set`
    /// added.
    async fn write_set(
        &self,
        zone: &str,
        set: &RecordSet,
        previous: Option<&RecordSet>,
    ) -> Result<RecordSet> {
        let zone_domain = self.domain(zone).await?;
        let ttl = set.ttl.unwrap_or(DEFAULT_TTL);
        let change = WireChange {
            additions: vec![WireSet::of(set, &zone_domain, ttl)],
            deletions: previous
                .map(|p| WireSet::of(p, &zone_domain, p.ttl.unwrap_or(DEFAULT_TTL)))
                .into_iter()
                .collect(),
            ..WireChange::default()
        };
        self.change(zone, change).await?;
        let mut stored = set.clone();
        stored.ttl = Some(ttl);
        Ok(stored)
    }

    async fn delete_set(&self, zone: &str, set: &RecordSet) -> Result<()> {
        let zone_domain = self.domain(zone).await?;
        let ttl = set.ttl.unwrap_or(DEFAULT_TTL);
        let change = WireChange {
            deletions: vec![WireSet::of(set, &zone_domain, ttl)],
            ..WireChange::default()
        };
        self.change(zone, change).await.map(drop)
    }
}

#[async_trait]
impl DnsDriver for CloudDns {
    fn record_types(&self) -> &[RecordType] {
        RECORD_TYPES
    }

    async fn list_zones(&self, page: PageRequest) -> Result<Page<Zone>> {
        let size = page.size.map(|s| s.to_string());
        let mut query: Vec<(&str, &str)> = Vec::new();
        query.extend(size.as_deref().map(|s| ("maxResults", s)));
        query.extend(page.token.as_deref().map(|t| ("pageToken", t)));
        let url = self.url(None, &[], &query).await?;
        let body = self.client().get(url, None).await?.body;
        let list: WireZoneList = self.client().decode(body, "managed zone listing")?;
        list.managed_zones.iter().for_each(|z| self.remember(z));
        Ok(Page::new(
            list.managed_zones.iter().map(WireZone::zone).collect(),
            list.next_page_token.filter(|t| !t.is_empty()),
        ))
    }

    async fn get_zone(&self, id: &str) -> Result<Zone> {
        self.zone_with_soa(id).await
    }

    /// Options: `name` (the managed zone's name; default: the domain's
    /// labels joined by dashes) and `description`.
    async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        if let Some(name) = request
            .options
            .keys()
            .find(|k| !matches!(k.as_str(), "name" | "description"))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{name}` for Cloud DNS zones (known: name, description)"
            )));
        }
        if request.zone_type != ZoneType::Master {
            return Err(Error::invalid_input(
                "Cloud DNS serves primary zones only (a forwarding or peering zone is private)",
            ));
        }
        if let Some(email) = &request.email {
            rname_of_email(email)?;
        }
        let zone_domain = domain(&request.domain).to_ascii_lowercase();
        let name = match request.options.get("name") {
            Some(name) => {
                check_zone_name(name)?;
                name.clone()
            }
            None => zone_name_for(&zone_domain),
        };
        let body = json!({
            "name": name,
            "dnsName": format!("{zone_domain}."),
            "description": request.options.get("description").map_or("", String::as_str),
        });
        let answer = self
            .client()
            .send(
                Method::POST,
                self.url(None, &[], &[]).await?,
                Some(&body),
                Some(About::creating(ResourceKind::Zone, &request.domain)),
            )
            .await?;
        let created: WireZone = self.client().decode(answer.body, "new managed zone")?;
        self.remember(&created);
        // Cloud DNS writes its own SOA: the TTL and contact asked for go into it.
        let mut update = UpdateZone::new();
        update.ttl = request.ttl;
        update.email = request.email.clone();
        self.update_zone(&created.name, &update).await
    }

    async fn update_zone(&self, id: &str, update: &UpdateZone) -> Result<Zone> {
        if update.ttl.is_some() || update.email.is_some() {
            self.change_soa(id, update).await?;
        }
        self.zone_with_soa(id).await
    }

    /// Deletes the zone's record sets first (Cloud DNS refuses to delete a
    /// zone that holds any), then the zone.
    async fn delete_zone(&self, id: &str) -> Result<()> {
        self.empty_zone(id).await?;
        self.client()
            .send(
                Method::DELETE,
                self.url(Some(id), &[], &[]).await?,
                None,
                Some(About::reading(ResourceKind::Zone, id)),
            )
            .await?;
        if let Ok(mut domains) = self.domains.lock() {
            domains.remove(id);
        }
        Ok(())
    }

    async fn list_records(&self, zone: &str, page: PageRequest) -> Result<Page<Record>> {
        let zone_domain = self.domain(zone).await?;
        let found = self.set_page(zone, None, &page).await?;
        Ok(Page::new(
            Self::records(zone, &zone_domain, &found.rrsets),
            found.next_page_token.filter(|t| !t.is_empty()),
        ))
    }

    async fn list_records_named(
        &self,
        zone: &str,
        name: &str,
        page: PageRequest,
    ) -> Result<Page<Record>> {
        let zone_domain = self.domain(zone).await?;
        let owner = fqdn(name, &zone_domain);
        let found = self.set_page(zone, Some((&owner, None)), &page).await?;
        Ok(Page::new(
            Self::records(zone, &zone_domain, &found.rrsets),
            found.next_page_token.filter(|t| !t.is_empty()),
        ))
    }

    async fn get_record(&self, zone: &str, id: &str) -> Result<Record> {
        rrset::get_record(self, zone, id).await
    }

    async fn create_record(&self, zone: &str, spec: &RecordSpec) -> Result<Record> {
        let zone_domain = self.domain(zone).await?;
        rrset::create_record(self, zone, &Self::qualified(&zone_domain, spec)).await
    }

    async fn update_record(&self, zone: &str, id: &str, spec: &RecordSpec) -> Result<Record> {
        let zone_domain = self.domain(zone).await?;
        rrset::update_record(self, zone, id, &Self::qualified(&zone_domain, spec)).await
    }

    async fn delete_record(&self, zone: &str, id: &str) -> Result<()> {
        rrset::delete_record(self, zone, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_follow_cloud_dns_rules() {
        assert_eq!(zone_name_for("example.com"), "example-com");
        assert_eq!(zone_name_for("1.example.com"), "z-1-example-com");
        assert_eq!(
            zone_name_for("xn--bcher-kva.example"),
            "xn--bcher-kva-example"
        );
        let long = format!("{}.example.com", "a".repeat(70));
        let name = zone_name_for(&long);
        assert!(name.len() <= 63, "{name}");
        assert_ne!(
            name,
            zone_name_for(&format!("{}.example.org", "a".repeat(70)))
        );
        for name in [&zone_name_for("example.com"), &name] {
            check_zone_name(name).unwrap();
        }
        for bad in ["", "Example", "1zone", "zone-", &"z".repeat(64), "a_b"] {
            assert!(check_zone_name(bad).is_err(), "{bad}");
        }
    }
}
