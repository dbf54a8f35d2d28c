//! Drives as volumes: creation (empty or from a snapshot), attaching by
//! rewriting the server's drive list, snapshots, and the waits CloudSigma's
//! background copies need.

use cloud_core::http::Method;
use cloud_core::{CreateVolume, Error, ResourceKind, Result, StorageVolume, VolumeSnapshot};
use serde_json::{Value, json};

use super::CloudSigmaCompute;
use super::parse::{self, GIB};
use crate::PROVIDER;
use cloud_core::http::rest::About;
use cloud_core::poll::{Poll, poll_until};

use super::parse::created;

/// Virtio controllers and units per controller a server's drives may use
/// (`dev_channel` is `controller:unit`).
const CONTROLLERS: u32 = 256;
const UNITS: u32 = 4;

/// Server fields CloudSigma computes: left out when a server is written back.
const READ_ONLY: &[&str] = &[
    "runtime",
    "status",
    "resource_uri",
    "owner",
    "uuid",
    "grantees",
    "permissions",
];

impl CloudSigmaCompute {
    fn drive_url(&self, id: &str) -> cloud_core::Url {
        self.client.url(&["drives", id], &[])
    }

    async fn drive(&self, id: &str) -> Result<Value> {
        self.get(
            self.drive_url(id),
            Some(About::reading(ResourceKind::Volume, id)),
        )
        .await
    }

    /// Waits until a drive being created, cloned or resized is ready.
    pub(super) async fn wait_drive_ready(&self, id: &str) -> Result<Value> {
        poll_until(self.wait, &format!("drive `{id}` to be ready"), || async {
            let drive = self.drive(id).await?;
            let state: parse::State = parse::wire_ref(&drive, "a drive")?;
            match state.status.as_deref().unwrap_or_default() {
                "unmounted" | "mounted" => Ok(Poll::Done(drive)),
                "unavailable" => Err(Error::new(
                    cloud_core::ErrorKind::Provider,
                    format!("drive `{id}` became unavailable"),
                )),
                other => Ok(Poll::Pending(format!("its status is {other}"))),
            }
        })
        .await
        .map_err(|e| e.with_provider(PROVIDER))
    }

    /// Grows drive `id` to `size_gb` and waits for it.
    pub(super) async fn resize_drive(&self, id: &str, size_gb: u64) -> Result<Value> {
        let drive = self.drive(id).await?;
        let body = json!({
            "name": drive.get("name").cloned().unwrap_or(Value::Null),
            "media": drive.get("media").cloned().unwrap_or_else(|| json!("disk")),
            "size": size_gb * GIB,
        });
        self.action(
            &["drives", id],
            "resize",
            Some(&body),
            About::reading(ResourceKind::Volume, id),
        )
        .await?;
        self.wait_drive_ready(id).await
    }

    /// An empty drive, or a clone of a snapshot.
    pub(super) async fn new_drive(&self, request: &CreateVolume) -> Result<StorageVolume> {
        if request.size_gb == 0 {
            return Err(Error::invalid_input(
                "a CloudSigma drive needs at least 1 GB",
            ));
        }
        if let Some(location) = &request.location
            && *location != self.location.id
        {
            return Err(Error::invalid_input(format!(
                "this client serves region `{}`, not `{location}`",
                self.location.id
            )));
        }
        let body = match &request.snapshot {
            Some(snapshot) => {
                self.action(
                    &["snapshots", snapshot],
                    "clone",
                    Some(&json!({"name": request.name, "media": "disk"})),
                    About::reading(ResourceKind::Snapshot, snapshot),
                )
                .await?
            }
            None => {
                let drive =
                    json!({"name": request.name, "size": request.size_gb * GIB, "media": "disk"});
                self.send(
                    Method::POST,
                    self.client.url(&["drives"], &[]),
                    Some(&json!({ "objects": [drive] })),
                    Some(About::reading(ResourceKind::Volume, &request.name)),
                )
                .await?
            }
        };
        let drive = created(body, "drive")?;
        let id = parse::created_uuid(drive, "drive")?;
        let mut drive = self.wait_drive_ready(&id).await?;
        let state: parse::State = parse::wire_ref(&drive, "a drive")?;
        let size = state.size.unwrap_or(0);
        if request.snapshot.is_some() && request.size_gb * GIB > size {
            drive = self.resize_drive(&id, request.size_gb).await?;
        }
        parse::volume(drive, &self.location.id)
    }

    /// Deletes a drive (CloudSigma refuses one that is mounted: `Conflict`).
    pub(super) async fn delete_drive(&self, id: &str) -> Result<()> {
        self.send(
            Method::DELETE,
            self.drive_url(id),
            None,
            Some(About::reading(ResourceKind::Volume, id)),
        )
        .await?;
        Ok(())
    }

    /// Writes a server back with `drives` as its drive list.
    async fn put_drives(&self, node: &str, mut server: Value, drives: Vec<Value>) -> Result<()> {
        if let Some(object) = server.as_object_mut() {
            for key in READ_ONLY {
                object.remove(*key);
            }
            object.insert("drives".into(), Value::Array(drives));
        }
        self.send(
            Method::PUT,
            self.client.url(&["servers", node], &[]),
            Some(&server),
            Some(About::reading(ResourceKind::Node, node)),
        )
        .await?;
        Ok(())
    }

    /// Adds the drive to the server's list on the first free virtio
    /// channel (or `device`, given as `controller:unit`).
    pub(super) async fn attach_drive(
        &self,
        volume: &str,
        node: &str,
        device: Option<&str>,
    ) -> Result<()> {
        self.drive(volume).await?;
        let server = self.server(node).await?;
        let mut drives: Vec<Value> = server
            .get("drives")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if drives.iter().any(|d| parse::drive_ref(d) == Some(volume)) {
            return Err(Error::conflict(format!(
                "drive `{volume}` is already attached to `{node}`"
            ))
            .with_provider(PROVIDER));
        }
        let taken: Vec<&str> = drives
            .iter()
            .filter_map(|d| d.get("dev_channel").and_then(Value::as_str))
            .collect();
        // `/dev/sdf`-style names mean nothing here; a `c:u` channel does.
        let wanted = device.filter(|d| {
            d.split_once(':').is_some_and(|(c, u)| {
                c.parse::<u32>().is_ok() && u.parse::<u32>().is_ok_and(|u| u < UNITS)
            })
        });
        let channel = match wanted {
            Some(d) if taken.contains(&d) => {
                return Err(Error::conflict(format!("channel {d} of `{node}` is taken"))
                    .with_provider(PROVIDER));
            }
            Some(d) => d.to_owned(),
            None => (0..CONTROLLERS)
                .flat_map(|c| (0..UNITS).map(move |u| format!("{c}:{u}")))
                .find(|ch| !taken.contains(&ch.as_str()))
                .ok_or_else(|| Error::conflict(format!("`{node}` has no free drive channel")))?,
        };
        drives.push(json!({"boot_order": null, "dev_channel": channel, "device": "virtio", "drive": volume}));
        self.put_drives(node, server, drives).await
    }

    /// Removes the drive from the list of the server it is mounted on.
    pub(super) async fn detach_drive(&self, volume: &str) -> Result<()> {
        let drive = self.drive(volume).await?;
        let state: parse::State = parse::wire_ref(&drive, "a drive")?;
        let node = state
            .mounted_on()
            .ok_or_else(|| {
                Error::conflict(format!("drive `{volume}` is not attached")).with_provider(PROVIDER)
            })?
            .to_owned();
        let server = self.server(&node).await?;
        let drives: Vec<Value> = server
            .get("drives")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|d| parse::drive_ref(d) != Some(volume))
            .cloned()
            .collect();
        self.put_drives(&node, server, drives).await
    }

    /// A snapshot of a drive.
    pub(super) async fn new_snapshot(
        &self,
        volume: &str,
        name: Option<&str>,
    ) -> Result<VolumeSnapshot> {
        let mut snapshot = json!({ "drive": volume });
        if let Some(n) = name {
            snapshot["name"] = json!(n);
        }
        let body = self
            .send(
                Method::POST,
                self.client.url(&["snapshots"], &[]),
                Some(&json!({ "objects": [snapshot] })),
                Some(About::reading(ResourceKind::Volume, volume)),
            )
            .await?;
        parse::snapshot(created(body, "snapshot")?)
    }

    /// Deletes a snapshot.
    pub(super) async fn delete_snapshot(&self, id: &str) -> Result<()> {
        self.send(
            Method::DELETE,
            self.client.url(&["snapshots", id], &[]),
            None,
            Some(About::reading(ResourceKind::Snapshot, id)),
        )
        .await?;
        Ok(())
    }
}
