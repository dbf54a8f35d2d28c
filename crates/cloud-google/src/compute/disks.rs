//! Persistent disks as volumes (zonal, `zone/name` ids) and snapshots
//! (global, by name): created, attached, detached, resized and deleted
//! through operations.

use std::time::{SystemTime, UNIX_EPOCH};

use cloud_core::http::Method;
use cloud_core::http::rest::About;
use cloud_core::{
    CreateVolume, Error, Page, PageRequest, ResourceKind, Result, StorageVolume, VolumeSnapshot,
};
use serde_json::json;

use super::wire::{AggregatedList, Disk, Instance, List, Snapshot, zonal_id};
use super::{GceCompute, check_name};

impl GceCompute {
    pub(crate) async fn disks(&self, page: PageRequest) -> Result<Page<StorageVolume>> {
        let list: AggregatedList = self
            .list_page(
                None,
                &["aggregated", "disks"],
                &page,
                "aggregated disk list",
            )
            .await?;
        let volumes = list
            .items
            .values()
            .flat_map(|scope| scope.disks.iter().map(Disk::volume))
            .collect();
        Ok(Page::new(
            volumes,
            list.next_page_token.filter(|t| !t.is_empty()),
        ))
    }

    async fn disk(&self, id: &str) -> Result<Disk> {
        let (zone, name) = self.zonal("disk", id)?;
        let url = self.url(&["zones", zone, "disks", name], &[]).await?;
        self.get(url, Some(About::reading(ResourceKind::Volume, id)), "disk")
            .await
    }

    pub(crate) async fn insert_disk(&self, request: &CreateVolume) -> Result<StorageVolume> {
        check_name("disk", &request.name)?;
        if request.size_gb == 0 {
            return Err(Error::invalid_input(
                "a Compute Engine disk is at least 1 GB",
            ));
        }
        let zone = match &request.location {
            Some(zone) => zone.as_str(),
            None => self.default_zone()?,
        };
        check_name("zone", zone)?;
        let mut body = json!({"name": request.name, "sizeGb": request.size_gb.to_string()});
        if let Some(snapshot) = &request.snapshot {
            check_name("snapshot", snapshot)?;
            body["sourceSnapshot"] = json!(format!("global/snapshots/{snapshot}"));
        }
        let id = format!("{zone}/{}", request.name);
        let url = self.url(&["zones", zone, "disks"], &[]).await?;
        self.change(
            Method::POST,
            url,
            Some(&body),
            About::creating(ResourceKind::Volume, &id),
        )
        .await?;
        Ok(self.disk(&id).await?.volume())
    }

    /// Attaches disk `volume` to instance `node` (same zone), read-write,
    /// kept when the instance is deleted. A device path (`/dev/sdf`) is
    /// taken as the device name's last part (`sdf`); the disk then shows
    /// in the guest as `/dev/disk/by-id/google-sdf`.
    pub(crate) async fn attach_disk(
        &self,
        volume: &str,
        node: &str,
        device: Option<&str>,
    ) -> Result<()> {
        let (disk_zone, disk_name) = self.zonal("disk", volume)?;
        let (zone, name) = self.zonal("instance", node)?;
        if disk_zone != zone {
            return Err(Error::invalid_input(format!(
                "disk `{volume}` is in zone {disk_zone} and instance `{node}` in {zone}: \
                 Compute Engine attaches disks within one zone"
            )));
        }
        let project = self.shared.project().await?;
        let mut body = json!({
            "source": format!("projects/{project}/zones/{zone}/disks/{disk_name}"),
            "mode": "READ_WRITE",
            "autoDelete": false,
        });
        if let Some(device) = device {
            let device_name = device.rsplit('/').next().unwrap_or(device);
            check_name("device", device_name)?;
            body["deviceName"] = json!(device_name);
        }
        let url = self.url_in(
            &project,
            &["zones", zone, "instances", name, "attachDisk"],
            &[],
        );
        self.change(
            Method::POST,
            url,
            Some(&body),
            About::reading(ResourceKind::Node, node),
        )
        .await
        .map(drop)
    }

    /// Detaches disk `volume` from the instance using it (found from the
    /// disk's users, its device name from the instance).
    pub(crate) async fn detach_disk(&self, volume: &str) -> Result<()> {
        let disk = self.disk(volume).await?;
        let Some(user) = disk.users.first() else {
            return Err(Error::conflict(format!("disk `{volume}` is not attached")));
        };
        let node = zonal_id(user);
        let (zone, name) = self.zonal("instance", &node)?;
        let url = self.url(&["zones", zone, "instances", name], &[]).await?;
        let about = About::reading(ResourceKind::Node, &node);
        let instance: Instance = self.get(url, Some(about), "instance").await?;
        let wanted = format!(
            "zones/{}/disks/{}",
            super::wire::last_segment(&disk.zone),
            disk.name
        );
        let device = instance
            .disks
            .iter()
            .find(|d| d.source.as_deref().is_some_and(|s| s.ends_with(&wanted)))
            .and_then(|d| d.device_name.clone())
            .ok_or_else(|| {
                Error::conflict(format!(
                    "disk `{volume}` is not attached to `{node}` any more"
                ))
            })?;
        let url = self
            .url(
                &["zones", zone, "instances", name, "detachDisk"],
                &[("deviceName", &device)],
            )
            .await?;
        self.change(Method::POST, url, None, about).await.map(drop)
    }

    pub(crate) async fn delete_disk(&self, volume: &str) -> Result<()> {
        let (zone, name) = self.zonal("disk", volume)?;
        let about = About::reading(ResourceKind::Volume, volume);
        self.delete(&["zones", zone, "disks", name], about).await
    }

    /// Grows disk `volume` to `size_gb` (an extra: Compute Engine disks
    /// only grow; the file system inside is grown by the guest).
    pub async fn ex_resize_volume(&self, volume: &str, size_gb: u64) -> Result<StorageVolume> {
        let (zone, name) = self.zonal("disk", volume)?;
        let url = self
            .url(&["zones", zone, "disks", name, "resize"], &[])
            .await?;
        let body = json!({"sizeGb": size_gb.to_string()});
        self.change(
            Method::POST,
            url,
            Some(&body),
            About::reading(ResourceKind::Volume, volume),
        )
        .await?;
        Ok(self.disk(volume).await?.volume())
    }

    pub(crate) async fn snapshots(&self, page: PageRequest) -> Result<Page<VolumeSnapshot>> {
        let list: List<Snapshot> = self
            .list_page(None, &["global", "snapshots"], &page, "snapshot list")
            .await?;
        Ok(Page::new(
            list.items.iter().map(Snapshot::snapshot).collect(),
            list.next_page_token.filter(|t| !t.is_empty()),
        ))
    }

    /// Snapshots disk `volume` as `name` (default: the disk's name and the
    /// time, as snapshot names are global).
    pub(crate) async fn snapshot_disk(
        &self,
        volume: &str,
        name: Option<&str>,
    ) -> Result<VolumeSnapshot> {
        let (zone, disk) = self.zonal("disk", volume)?;
        let name = match name {
            Some(name) => name.to_owned(),
            None => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let stem: String = disk.chars().take(50).collect();
                format!("{}-{now}", stem.trim_end_matches('-'))
            }
        };
        check_name("snapshot", &name)?;
        let url = self
            .url(&["zones", zone, "disks", disk, "createSnapshot"], &[])
            .await?;
        let body = json!({"name": name});
        self.change(
            Method::POST,
            url,
            Some(&body),
            About::reading(ResourceKind::Volume, volume),
        )
        .await?;
        let url = self.url(&["global", "snapshots", &name], &[]).await?;
        let about = About::reading(ResourceKind::Snapshot, &name);
        let snapshot: Snapshot = self.get(url, Some(about), "snapshot").await?;
        Ok(snapshot.snapshot())
    }

    pub(crate) async fn delete_snapshot(&self, id: &str) -> Result<()> {
        check_name("snapshot", id)?;
        let about = About::reading(ResourceKind::Snapshot, id);
        self.delete(&["global", "snapshots", id], about).await
    }
}
