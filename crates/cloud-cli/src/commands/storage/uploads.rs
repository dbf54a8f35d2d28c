//! What interrupted transfers leave behind, and removing it: unfinished
//! uploads on the provider (`storage uploads`), temporary files here
//! (`storage clean`).

use std::time::{Duration, SystemTime};

use cloud::{Capability, Error, PendingUpload, Result, Storage};
use futures::TryStreamExt;

use super::partial::clean_tree;
use super::storage;
use crate::cli::UploadsCommand;
use crate::commands::Context;
use crate::location::Location;
use crate::output::{self, or_dash, outln, size};

/// The provider, container and prefix of `PROVIDER://container[/prefix]`.
fn container_prefix(url: &str) -> Result<(String, String, String)> {
    match Location::parse(url)? {
        Location::Remote {
            provider,
            container: Some(container),
            key,
        } => Ok((provider, container, key)),
        _ => Err(Error::invalid_input(format!(
            "`{url}` names no container: expected PROVIDER://container[/prefix]"
        ))),
    }
}

/// The storage of `url` and the unfinished uploads under it.
struct Listed {
    provider: String,
    container: String,
    storage: Storage,
    uploads: Vec<PendingUpload>,
}

async fn listed(ctx: &Context, url: &str) -> Result<Listed> {
    let (provider, container, prefix) = container_prefix(url)?;
    let storage = storage(ctx, &provider)?;
    let uploads = storage
        .list_uploads(&container, &prefix)
        .try_collect()
        .await?;
    Ok(Listed {
        provider,
        container,
        storage,
        uploads,
    })
}

pub async fn run(command: UploadsCommand, ctx: &Context) -> Result<()> {
    match command {
        UploadsCommand::Ls { url } => {
            let Listed {
                provider,
                container,
                uploads,
                ..
            } = listed(ctx, &url).await?;
            if ctx.json {
                return output::json(&uploads);
            }
            let rows: Vec<Vec<String>> = uploads
                .iter()
                .map(|u| {
                    vec![
                        format!("{provider}://{container}/{}", u.name),
                        u.id.clone(),
                        or_dash(u.started.map(cloud::time::format_rfc3339)),
                        or_dash(u.bytes.map(size)),
                    ]
                })
                .collect();
            output::table(&["object", "upload id", "started", "stored"], &rows)
        }
        UploadsCommand::Abort {
            url,
            older_than,
            id,
        } => {
            let Listed {
                provider,
                container,
                storage,
                uploads,
            } = listed(ctx, &url).await?;
            let chosen: Vec<&PendingUpload> = uploads
                .iter()
                .filter(|u| id.as_deref().is_none_or(|id| u.id == id))
                .filter(|u| older_than.is_none_or(|age| old_enough(u, age)))
                .collect();
            if let Some(id) = &id
                && chosen.is_empty()
            {
                return Err(Error::not_found(cloud::ResourceKind::Upload, id.as_str())
                    .with_provider(provider));
            }
            for upload in &chosen {
                storage.abort_upload(&container, upload).await?;
                if !ctx.json {
                    outln!(
                        "aborted {provider}://{container}/{} ({})",
                        upload.name,
                        upload.id
                    )?;
                }
            }
            if ctx.json {
                return output::json(&chosen);
            }
            let kept = uploads.len() - chosen.len();
            if kept > 0 {
                outln!("left {kept} upload(s) younger than the limit or not matching")?;
            }
            Ok(())
        }
    }
}

/// Whether `upload` began at least `age` ago; one whose start is unknown
/// is never old enough (it may be running).
fn old_enough(upload: &PendingUpload, age: Duration) -> bool {
    upload
        .started
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|elapsed| elapsed >= age)
}

/// Aborts every unfinished upload under `prefix`, where the provider can
/// list them; returns how many.
pub async fn abort_under(storage: &Storage, container: &str, prefix: &str) -> Result<usize> {
    let caps = storage.capabilities();
    if !caps.contains(Capability::ListUploads) || !caps.contains(Capability::AbortUpload) {
        return Ok(0);
    }
    let listed: Result<Vec<PendingUpload>> =
        storage.list_uploads(container, prefix).try_collect().await;
    let uploads = match listed {
        Ok(u) => u,
        // A server that cannot list them (s3s-fs) has none to show.
        Err(e) if e.is_unsupported() => return Ok(0),
        Err(e) => return Err(e),
    };
    for upload in &uploads {
        storage.abort_upload(container, upload).await?;
    }
    Ok(uploads.len())
}

/// `storage clean`: abandoned temporary files of the embedded store and of
/// downloads into the folders named.
pub fn clean(ctx: &Context, targets: &[String]) -> Result<()> {
    let targets: Vec<String> = if targets.is_empty() {
        vec!["local://".to_owned()]
    } else {
        targets.to_vec()
    };
    let mut report = Vec::new();
    for target in &targets {
        let removed = match Location::parse(target)? {
            Location::Remote { provider, .. } => match ctx.providers.local_store(&provider)? {
                Some(store) => store.ex_clean_temporary_files()?,
                None => {
                    return Err(Error::invalid_input(format!(
                        "`{target}`: only local:// and folders hold temporary files here; \
                         for unfinished uploads on a provider use `cloud storage uploads abort`"
                    )));
                }
            },
            Location::Local(path) => clean_tree(&path)?,
            Location::Std => {
                return Err(Error::invalid_input("`-` is not a folder"));
            }
        };
        report.push((target.clone(), removed));
    }
    if ctx.json {
        let list: Vec<serde_json::Value> = report
            .iter()
            .map(|(t, n)| serde_json::json!({ "target": t, "removed": n }))
            .collect();
        return output::json(&list);
    }
    for (target, removed) in report {
        outln!("removed {removed} abandoned temporary file(s) from {target}")?;
    }
    Ok(())
}
