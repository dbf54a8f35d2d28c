//! The narrow interface a DNS provider implements.

use async_trait::async_trait;

use super::types::{CreateZone, Record, RecordSpec, RecordType, UpdateZone, Zone};
use crate::capability::Capability;
use crate::error::{Error, Result};
use crate::paging::{Page, PageRequest};

/// What a DNS provider implements. Users call the [`Dns`](super::Dns)
/// handle, which validates names and data and adds zone-file export and
/// import on top of these operations.
///
/// Every default body answers [`Unsupported`](crate::ErrorKind::Unsupported).
///
/// ```
/// use async_trait::async_trait;
/// use cloud_core::{Capabilities, Capability, Dns, DnsDriver, Page, PageRequest, Result, Zone};
///
/// #[derive(Debug)]
/// struct OneZone;
///
/// impl cloud_core::Driver for OneZone {
///     fn provider(&self) -> &str { "one-zone" }
///     fn capabilities(&self) -> Capabilities { Capabilities::of(&[Capability::ListZones]) }
/// }
/// #[async_trait]
/// impl DnsDriver for OneZone {
///     async fn list_zones(&self, _page: PageRequest) -> Result<Page<Zone>> {
///         Ok(Page::last(vec![Zone::new("z1", "example.com")]))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> cloud_core::Result<()> {
/// let dns = Dns::new(OneZone);
/// assert_eq!(dns.list_zones_vec().await?[0].domain, "example.com");
/// # Ok(()) }
/// ```
#[async_trait]
pub trait DnsDriver: crate::Driver {
    /// The record types this provider accepts.
    fn record_types(&self) -> &[RecordType] {
        RecordType::ALL
    }

    /// One page of zones.
    async fn list_zones(&self, page: PageRequest) -> Result<Page<Zone>> {
        let _ = page;
        Err(Error::unsupported(self.provider(), Capability::ListZones))
    }

    /// One zone by id.
    async fn get_zone(&self, id: &str) -> Result<Zone> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Capability::GetZone))
    }

    /// Creates a zone.
    async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        let _ = request;
        Err(Error::unsupported(self.provider(), Capability::CreateZone))
    }

    /// Changes a zone's TTL or contact.
    async fn update_zone(&self, id: &str, update: &UpdateZone) -> Result<Zone> {
        let _ = (id, update);
        Err(Error::unsupported(self.provider(), Capability::UpdateZone))
    }

    /// Deletes a zone and its records.
    async fn delete_zone(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Capability::DeleteZone))
    }

    /// One page of a zone's records.
    async fn list_records(&self, zone: &str, page: PageRequest) -> Result<Page<Record>> {
        let _ = (zone, page);
        Err(Error::unsupported(self.provider(), Capability::ListRecords))
    }

    /// One page of the zone's records named `name` (relative to the zone;
    /// empty for the apex), compared without regard to case. The default
    /// filters [`list_records`](Self::list_records); a provider that can
    /// ask for one name overrides it.
    async fn list_records_named(
        &self,
        zone: &str,
        name: &str,
        page: PageRequest,
    ) -> Result<Page<Record>> {
        let mut all = self.list_records(zone, page).await?;
        all.items.retain(|r| r.name.eq_ignore_ascii_case(name));
        Ok(all)
    }

    /// One record by id.
    async fn get_record(&self, zone: &str, id: &str) -> Result<Record> {
        let _ = (zone, id);
        Err(Error::unsupported(self.provider(), Capability::GetRecord))
    }

    /// Creates a record.
    async fn create_record(&self, zone: &str, spec: &RecordSpec) -> Result<Record> {
        let _ = (zone, spec);
        Err(Error::unsupported(
            self.provider(),
            Capability::CreateRecord,
        ))
    }

    /// Replaces a record's content. The returned record's id may differ from
    /// `id` where the provider identifies records by their content (Route 53).
    async fn update_record(&self, zone: &str, id: &str, spec: &RecordSpec) -> Result<Record> {
        let _ = (zone, id, spec);
        Err(Error::unsupported(
            self.provider(),
            Capability::UpdateRecord,
        ))
    }

    /// Deletes a record.
    async fn delete_record(&self, zone: &str, id: &str) -> Result<()> {
        let _ = (zone, id);
        Err(Error::unsupported(
            self.provider(),
            Capability::DeleteRecord,
        ))
    }
}
