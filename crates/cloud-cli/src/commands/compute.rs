//! `cloud compute ...`: nodes, what they are made from, and what attaches
//! to them (volumes, snapshots, key pairs).

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use cloud::{
    Compute, CreateNode, CreateVolume, Error, KeyPair, Node, Result, StorageVolume, VolumeSnapshot,
};
use futures::TryStreamExt;

use super::Context;
use crate::cli::{ComputeCommand, KeyPairCommand, NewNode, SnapshotCommand, VolumeCommand};
use crate::output::{self, or_dash, outln, size};
use crate::progress;

const NODE_HEADERS: &[&str] = &[
    "id",
    "name",
    "state",
    "public ip",
    "private ip",
    "size",
    "image",
];

fn node_row(n: &Node) -> Vec<String> {
    vec![
        n.id.clone(),
        n.name.clone(),
        n.state.to_string(),
        or_dash(n.public_ips.first()),
        or_dash(n.private_ips.first()),
        or_dash(n.size.as_ref()),
        or_dash(n.image.as_ref()),
    ]
}

fn print_nodes(ctx: &Context, nodes: &[Node]) -> Result<()> {
    if ctx.json {
        return output::json(nodes);
    }
    let rows: Vec<Vec<String>> = nodes.iter().map(node_row).collect();
    output::table(NODE_HEADERS, &rows)
}

/// One resource as field/value rows (its `extra` included), or one JSON object.
pub fn print_one<T: serde::Serialize>(ctx: &Context, value: &T) -> Result<()> {
    if ctx.json {
        return output::json(value);
    }
    let serde_json::Value::Object(fields) =
        serde_json::to_value(value).map_err(|e| Error::invalid_input(e.to_string()))?
    else {
        return output::json(value);
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "-".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut rows = Vec::new();
    for (key, value) in &fields {
        match value {
            serde_json::Value::Object(extra) if key == "extra" => {
                for (k, v) in extra {
                    rows.push(vec![format!("extra {k}"), text(v)]);
                }
            }
            other => rows.push(vec![key.clone(), text(other)]),
        }
    }
    output::table(&["field", "value"], &rows)
}

/// The create request for `compute create` and `compute deploy`.
fn node_request(node: NewNode) -> CreateNode {
    let mut request = CreateNode::new(node.name, node.size, node.image);
    if let Some(l) = node.location {
        request = request.location(l);
    }
    if let Some(k) = node.key_pair {
        request = request.key_pair(k);
    }
    for (k, v) in node.tags {
        request = request.tag(k, v);
    }
    request
}

async fn wait(
    ctx: &Context,
    compute: &Compute,
    ids: &[String],
    timeout: Duration,
) -> Result<Vec<Node>> {
    let spinner = progress::spinner(
        ctx.progress,
        &format!("waiting for {} node(s) to run", ids.len()),
    );
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let result = compute
        .wait_until_running(&refs, timeout, Duration::from_millis(500))
        .await;
    spinner.finish_and_clear();
    result
}

pub async fn run(command: ComputeCommand, ctx: &Context) -> Result<()> {
    let compute = ctx.providers.compute()?;
    match command {
        ComputeCommand::Ls => {
            output::listing(ctx.json, NODE_HEADERS, compute.list_nodes(), node_row).await
        }
        ComputeCommand::Show { id } => print_one(ctx, &compute.get_node(&id).await?),
        ComputeCommand::Sizes => {
            let sizes = compute.list_sizes().await?;
            if ctx.json {
                return output::json(&sizes);
            }
            let rows: Vec<Vec<String>> = sizes
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        or_dash(s.vcpus),
                        size(s.ram_mib * 1024 * 1024),
                        format!("{} GB", s.disk_gb),
                        or_dash(s.price_per_hour.map(|p| format!("${p:.4}/h"))),
                    ]
                })
                .collect();
            output::table(&["id", "vcpus", "ram", "disk", "price"], &rows)
        }
        ComputeCommand::Images => {
            output::listing(ctx.json, &["id", "name"], compute.list_images(), |i| {
                vec![i.id.clone(), i.name.clone()]
            })
            .await
        }
        ComputeCommand::Locations => {
            let locations = compute.list_locations().await?;
            if ctx.json {
                return output::json(&locations);
            }
            let rows: Vec<Vec<String>> = locations
                .iter()
                .map(|l| vec![l.id.clone(), l.name.clone(), or_dash(l.country.as_ref())])
                .collect();
            output::table(&["id", "name", "country"], &rows)
        }
        ComputeCommand::Create {
            node,
            wait: wait_for_it,
            wait_timeout,
        } => {
            let mut node = compute.create_node(&node_request(node)).await?;
            if wait_for_it {
                node = wait(ctx, &compute, std::slice::from_ref(&node.id), wait_timeout)
                    .await?
                    .remove(0);
            }
            print_nodes(ctx, &[node])
        }
        ComputeCommand::Destroy { ids } => {
            each(ctx, &ids, "destroyed", |id| compute.destroy_node(id)).await
        }
        ComputeCommand::Reboot { ids } => {
            each(ctx, &ids, "rebooting", |id| compute.reboot_node(id)).await
        }
        ComputeCommand::Start { ids } => {
            each(ctx, &ids, "starting", |id| compute.start_node(id)).await
        }
        ComputeCommand::Stop { ids } => {
            each(ctx, &ids, "stopping", |id| compute.stop_node(id)).await
        }
        ComputeCommand::Wait { ids, wait_timeout } => {
            let nodes = wait(ctx, &compute, &ids, wait_timeout).await?;
            print_nodes(ctx, &nodes)
        }
        #[cfg(feature = "deploy")]
        ComputeCommand::Deploy {
            node,
            destroy_on_failure,
            wait_timeout,
            steps,
        } => {
            let request = node_request(node);
            super::deploy::deploy(
                ctx,
                &compute,
                &request,
                destroy_on_failure,
                wait_timeout,
                *steps,
            )
            .await
        }
        #[cfg(feature = "deploy")]
        ComputeCommand::Run {
            id,
            wait_timeout,
            steps,
        } => super::deploy::run_on(ctx, &compute, &id, wait_timeout, *steps).await,
        ComputeCommand::Volumes(command) => volumes(ctx, &compute, command).await,
        ComputeCommand::Snapshots(command) => snapshots(ctx, &compute, command).await,
        ComputeCommand::KeyPairs(command) => key_pairs(ctx, &compute, command).await,
    }
}

fn print_volumes(ctx: &Context, volumes: &[StorageVolume]) -> Result<()> {
    if ctx.json {
        return output::json(volumes);
    }
    let rows: Vec<Vec<String>> = volumes
        .iter()
        .map(|v| {
            vec![
                v.id.clone(),
                v.name.clone(),
                format!("{} GB", v.size_gb),
                v.state.to_string(),
                or_dash(v.attached_to.as_ref()),
                or_dash(v.location.as_ref()),
            ]
        })
        .collect();
    output::table(
        &["id", "name", "size", "state", "attached to", "location"],
        &rows,
    )
}

async fn volumes(ctx: &Context, compute: &Compute, command: VolumeCommand) -> Result<()> {
    match command {
        VolumeCommand::Ls => print_volumes(ctx, &compute.list_volumes_vec().await?),
        VolumeCommand::Create {
            name,
            size,
            location,
            snapshot,
        } => {
            let mut request = CreateVolume::new(name, u64::from(size));
            if let Some(l) = location {
                request = request.location(l);
            }
            if let Some(s) = snapshot {
                request = request.from_snapshot(s);
            }
            print_volumes(ctx, &[compute.create_volume(&request).await?])
        }
        VolumeCommand::Destroy { id } => {
            compute.destroy_volume(&id).await?;
            done(ctx, "destroyed", &id)
        }
        VolumeCommand::Attach {
            volume,
            node,
            device,
        } => {
            compute
                .attach_volume(&volume, &node, device.as_deref())
                .await?;
            done(ctx, "attached", &format!("{volume} to {node}"))
        }
        VolumeCommand::Detach { volume } => {
            compute.detach_volume(&volume).await?;
            done(ctx, "detached", &volume)
        }
    }
}

fn print_snapshots(ctx: &Context, snapshots: &[VolumeSnapshot]) -> Result<()> {
    if ctx.json {
        return output::json(snapshots);
    }
    let rows: Vec<Vec<String>> = snapshots
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                or_dash(s.name.as_ref()),
                or_dash(s.volume_id.as_ref()),
                format!("{} GB", s.size_gb),
                s.state.to_string(),
            ]
        })
        .collect();
    output::table(&["id", "name", "volume", "size", "state"], &rows)
}

async fn snapshots(ctx: &Context, compute: &Compute, command: SnapshotCommand) -> Result<()> {
    match command {
        SnapshotCommand::Ls => {
            let all: Vec<VolumeSnapshot> = compute.list_snapshots().try_collect().await?;
            print_snapshots(ctx, &all)
        }
        SnapshotCommand::Create { volume, name } => {
            let snapshot = compute.create_snapshot(&volume, name.as_deref()).await?;
            print_snapshots(ctx, &[snapshot])
        }
        SnapshotCommand::Destroy { id } => {
            compute.destroy_snapshot(&id).await?;
            done(ctx, "destroyed", &id)
        }
    }
}

fn print_key_pairs(ctx: &Context, keys: &[KeyPair]) -> Result<()> {
    if ctx.json {
        return output::json(keys);
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| vec![k.name.clone(), or_dash(k.fingerprint.as_ref())])
        .collect();
    output::table(&["name", "fingerprint"], &rows)
}

/// Creates `path` as a new, empty file only its owner can read: before
/// the provider makes a key pair, so a missing folder, a read-only folder
/// or an existing file fails the command while nothing exists yet.
fn create_key_file(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            Error::already_exists(cloud::ResourceKind::File, path.display().to_string())
        }
        _ => Error::io(
            format!("cannot create {} for the private key", path.display()),
            e,
        ),
    })
}

/// Writes the private key into the file [`create_key_file`] made.
fn write_private_key(mut file: std::fs::File, path: &Path, key: &cloud::Secret) -> Result<()> {
    file.write_all(key.expose().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// A key pair the provider made but whose private key could not be kept:
/// deleted again, so nothing unusable is left, or named if that fails.
async fn undo_key_pair(compute: &Compute, name: &str, failure: Error) -> Error {
    let message = failure.message().to_owned();
    match compute.delete_key_pair(name).await {
        Ok(()) => failure.with_message(format!(
            "{message}; the new key pair `{name}` was deleted again at the provider"
        )),
        Err(e) => failure.with_message(format!(
            "{message}; the new key pair `{name}` is left at the provider without its \
             private key (deleting it failed: {e}): delete it with \
             `cloud compute key-pairs destroy {name}`"
        )),
    }
}

async fn key_pairs(ctx: &Context, compute: &Compute, command: KeyPairCommand) -> Result<()> {
    match command {
        KeyPairCommand::Ls => {
            let all: Vec<KeyPair> = compute.list_key_pairs().try_collect().await?;
            print_key_pairs(ctx, &all)
        }
        KeyPairCommand::Show { name } => print_one(ctx, &compute.get_key_pair(&name).await?),
        KeyPairCommand::Create { name, output } => {
            let file = create_key_file(&output)?;
            let key = match compute.create_key_pair(&name).await {
                Ok(key) => key,
                Err(e) => {
                    let _ = std::fs::remove_file(&output);
                    return Err(e);
                }
            };
            let written = match &key.private_key {
                Some(private) => write_private_key(file, &output, private),
                None => Err(Error::malformed(
                    compute.provider(),
                    "the provider created the key pair but returned no private key",
                )),
            };
            if let Err(e) = written {
                let _ = std::fs::remove_file(&output);
                return Err(undo_key_pair(compute, &name, e).await);
            }
            if !ctx.json {
                eprintln!("private key written to {} (mode 0600)", output.display());
            }
            print_key_pairs(ctx, &[key])
        }
        KeyPairCommand::Import { name, file } => {
            let text = read_text(&file)?;
            print_key_pairs(ctx, &[compute.import_key_pair(&name, text.trim()).await?])
        }
        KeyPairCommand::Destroy { name } => {
            compute.delete_key_pair(&name).await?;
            done(ctx, "deleted", &name)
        }
    }
}

/// A text file's content, or standard input's for `-`: missing is "not
/// found" (exit 3), not UTF-8 is invalid input (exit 6).
pub fn read_text(file: &str) -> Result<String> {
    let bytes = if file == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("reading standard input", e))?;
        bytes
    } else {
        std::fs::read(file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::not_found(cloud::ResourceKind::File, file)
            } else {
                Error::io(format!("reading {file}"), e)
            }
        })?
    };
    String::from_utf8(bytes).map_err(|e| {
        Error::invalid_input(format!(
            "`{file}` is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Reports a change without output of its own.
fn done(ctx: &Context, verb: &str, what: &str) -> Result<()> {
    if ctx.json {
        output::json(&serde_json::json!({ verb: what }))
    } else {
        outln!("{verb} {what}")
    }
}

/// Applies `action` to each id in turn, stopping at the first failure.
async fn each<'a, F, Fut>(ctx: &Context, ids: &'a [String], verb: &str, action: F) -> Result<()>
where
    F: Fn(&'a str) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    for id in ids {
        action(id).await?;
        if !ctx.json {
            outln!("{verb} {id}")?;
        }
    }
    if ctx.json {
        output::json(&serde_json::json!({ "ids": ids }))?;
    }
    Ok(())
}
