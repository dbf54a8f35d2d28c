//! Zone ids to domains, for DNS APIs (Designate, Rackspace Cloud DNS)
//! whose records name their owner fully qualified while record calls take
//! only the zone id.

use std::sync::Arc;

/// Remembers each zone's domain, for DNS APIs whose records name their
/// owner fully qualified and whose record calls take only the zone id.
#[derive(Debug, Clone, Default)]
pub(crate) struct ZoneDomains(Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>);

impl ZoneDomains {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn remember(&self, zone: &cloud_core::Zone) {
        self.map().insert(zone.id.clone(), zone.domain.clone());
    }

    pub(crate) fn get(&self, zone: &str) -> Option<String> {
        self.map().get(zone).cloned()
    }

    pub(crate) fn forget(&self, zone: &str) {
        self.map().remove(zone);
    }
}
