//! The LiveDNS extras: zone snapshots, automatic snapshots and the
//! domain's name servers. LiveDNS has no call to restore a snapshot; a
//! snapshot's records can be written back with `import_zone` or record by
//! record.

use cloud_core::http::Method;
use cloud_core::{Error, ResourceKind, Result};
use serde_json::{Value, json};

use super::GandiDns;
use super::parse::{self, Snapshot};
use crate::PROVIDER;
use cloud_core::http::rest::About;

impl GandiDns {
    /// The snapshots of zone `zone` (without their records; read one with
    /// [`ex_get_snapshot`](Self::ex_get_snapshot) for those).
    pub async fn ex_list_snapshots(&self, zone: &str) -> Result<Vec<Snapshot>> {
        let url = self.client.url(&["domains", zone, "snapshots"], &[]);
        let answer = self
            .client
            .get(url, Some(About::reading(ResourceKind::Zone, zone)))
            .await?;
        parse::snapshots(answer.body, zone)
    }

    /// One snapshot of `zone`, with the records it holds.
    pub async fn ex_get_snapshot(&self, zone: &str, id: &str) -> Result<Snapshot> {
        let url = self.client.url(&["domains", zone, "snapshots", id], &[]);
        let answer = self
            .client
            .get(url, Some(About::reading(ResourceKind::Snapshot, id)))
            .await?;
        parse::snapshot(answer.body, zone)
    }

    /// Takes a snapshot of `zone` now, named `name` if given; returns it
    /// with its records.
    pub async fn ex_create_snapshot(&self, zone: &str, name: Option<&str>) -> Result<Snapshot> {
        let url = self.client.url(&["domains", zone, "snapshots"], &[]);
        let body = match name {
            Some(n) => json!({ "name": n }),
            None => json!({}),
        };
        let answer = self
            .client
            .send(
                Method::POST,
                url,
                Some(&body),
                Some(About::reading(ResourceKind::Zone, zone)),
            )
            .await?;
        // The new id is in the body (`id`, or `uuid` in older answers) or
        // at the end of the `Location` header.
        let id = ["id", "uuid"]
            .iter()
            .find_map(|k| {
                answer
                    .body
                    .get(*k)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| {
                answer
                    .headers
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            })
            .ok_or_else(|| {
                Error::malformed(
                    PROVIDER,
                    "LiveDNS: a new snapshot without an id or Location",
                )
            })?;
        self.ex_get_snapshot(zone, &id).await
    }

    /// Deletes snapshot `id` of `zone`.
    pub async fn ex_delete_snapshot(&self, zone: &str, id: &str) -> Result<()> {
        let url = self.client.url(&["domains", zone, "snapshots", id], &[]);
        self.client
            .send(
                Method::DELETE,
                url,
                None,
                Some(About::reading(ResourceKind::Snapshot, id)),
            )
            .await?;
        Ok(())
    }

    /// Turns LiveDNS's automatic snapshots (taken before each change) on or
    /// off for `zone`.
    pub async fn ex_set_automatic_snapshots(&self, zone: &str, on: bool) -> Result<()> {
        let url = self.client.url(&["domains", zone], &[]);
        self.client
            .send(
                Method::PATCH,
                url,
                Some(&json!({ "automatic_snapshots": on })),
                Some(About::reading(ResourceKind::Zone, zone)),
            )
            .await?;
        Ok(())
    }

    /// The name servers LiveDNS serves `zone` from (to set at the registrar).
    pub async fn ex_nameservers(&self, zone: &str) -> Result<Vec<String>> {
        let url = self.client.url(&["domains", zone, "nameservers"], &[]);
        let answer = self
            .client
            .get(url, Some(About::reading(ResourceKind::Zone, zone)))
            .await?;
        parse::nameservers(answer.body)
    }
}
