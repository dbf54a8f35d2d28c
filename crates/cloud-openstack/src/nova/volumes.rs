//! Cinder volumes and snapshots, attached to servers through Nova.

use cloud_core::{
    CreateVolume, Page, PageRequest, ResourceKind, Result, StorageVolume, VolumeSnapshot,
};
use serde_json::{Map, json};

use super::{PAGE_SIZE, parse};
use crate::json::{list, one};
use crate::service::Service;
use cloud_core::http::rest::About;

pub(super) async fn list_volumes(
    cinder: &Service,
    page: PageRequest,
) -> Result<Page<StorageVolume>> {
    let query = page.marker_query(PAGE_SIZE, PAGE_SIZE);
    let body = cinder
        .get_query(&["volumes", "detail"], &query.pairs(), None)
        .await?;
    let volumes: Vec<StorageVolume> = list::<parse::WireVolume>(cinder, body, "volumes")?
        .into_iter()
        .map(parse::WireVolume::volume)
        .collect();
    let next = query.next(&volumes, |v| &v.id);
    Ok(Page::new(volumes, next))
}

pub(super) async fn create_volume(
    cinder: &Service,
    request: &CreateVolume,
    zone: Option<String>,
) -> Result<StorageVolume> {
    let mut volume = Map::new();
    volume.insert("size".into(), json!(request.size_gb));
    volume.insert("name".into(), json!(request.name));
    if let Some(zone) = zone {
        volume.insert("availability_zone".into(), json!(zone));
    }
    if let Some(snapshot) = &request.snapshot {
        volume.insert("snapshot_id".into(), json!(snapshot));
    }
    let answer = cinder
        .post(&["volumes"], &json!({ "volume": volume }), None)
        .await?;
    Ok(one::<parse::WireVolume>(cinder, answer.body, "volume")?.volume())
}

pub(super) async fn destroy_volume(cinder: &Service, id: &str) -> Result<()> {
    cinder
        .delete(
            &["volumes", id],
            Some(About::reading(ResourceKind::Volume, id)),
        )
        .await?;
    Ok(())
}

pub(super) async fn attach(
    nova: &Service,
    volume: &str,
    node: &str,
    device: Option<&str>,
) -> Result<()> {
    let mut attachment = Map::new();
    attachment.insert("volumeId".into(), json!(volume));
    if let Some(device) = device {
        attachment.insert("device".into(), json!(device));
    }
    nova.post(
        &["servers", node, "os-volume_attachments"],
        &json!({ "volumeAttachment": attachment }),
        Some(About::reading(ResourceKind::Node, node)),
    )
    .await?;
    Ok(())
}

/// Detaches from whichever server the volume is attached to (Cinder says).
pub(super) async fn detach(nova: &Service, cinder: &Service, volume: &str) -> Result<()> {
    let body = cinder
        .get(
            &["volumes", volume],
            Some(About::reading(ResourceKind::Volume, volume)),
        )
        .await?;
    let servers = one::<parse::WireVolume>(cinder, body, "volume")?.attached_servers()?;
    if servers.is_empty() {
        return Err(cloud_core::Error::invalid_input(format!(
            "volume `{volume}` is not attached"
        )));
    }
    for server in servers {
        nova.delete(
            &["servers", &server, "os-volume_attachments", volume],
            Some(About::reading(ResourceKind::Volume, volume)),
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn list_snapshots(
    cinder: &Service,
    page: PageRequest,
) -> Result<Page<VolumeSnapshot>> {
    let query = page.marker_query(PAGE_SIZE, PAGE_SIZE);
    let body = cinder
        .get_query(&["snapshots", "detail"], &query.pairs(), None)
        .await?;
    let snapshots: Vec<VolumeSnapshot> = list::<parse::WireSnapshot>(cinder, body, "snapshots")?
        .into_iter()
        .map(parse::WireSnapshot::snapshot)
        .collect();
    let next = query.next(&snapshots, |s| &s.id);
    Ok(Page::new(snapshots, next))
}

pub(super) async fn create_snapshot(
    cinder: &Service,
    volume: &str,
    name: Option<&str>,
) -> Result<VolumeSnapshot> {
    let mut snapshot = Map::new();
    snapshot.insert("volume_id".into(), json!(volume));
    if let Some(name) = name {
        snapshot.insert("name".into(), json!(name));
    }
    let answer = cinder
        .post(
            &["snapshots"],
            &json!({ "snapshot": snapshot }),
            Some(About::reading(ResourceKind::Volume, volume)),
        )
        .await?;
    Ok(one::<parse::WireSnapshot>(cinder, answer.body, "snapshot")?.snapshot())
}

pub(super) async fn destroy_snapshot(cinder: &Service, id: &str) -> Result<()> {
    cinder
        .delete(
            &["snapshots", id],
            Some(About::reading(ResourceKind::Snapshot, id)),
        )
        .await?;
    Ok(())
}
