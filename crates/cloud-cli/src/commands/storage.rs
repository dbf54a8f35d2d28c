//! `cloud storage ...`: containers and objects.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cloud::{
    ByteStream, DownloadOptions, Error, ErrorKind, ListEntry, ListOptions, Object, Result, Storage,
    UploadOptions, UrlMethod, byte_stream,
};
use futures::{StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Context;
use crate::cli::{SignMethod, StorageCommand, Transfer};
use crate::location::{Location, container_of, object_of};
use crate::output::{self, or_dash, size};
use crate::progress;

pub async fn run(command: StorageCommand, ctx: &Context) -> Result<()> {
    match command {
        StorageCommand::Ls { url, recursive } => {
            ls(ctx, url.as_deref().unwrap_or("local://"), recursive).await
        }
        StorageCommand::Mb { url } => {
            let (provider, container) = container_of(&url)?;
            let created = ctx
                .providers
                .storage(&provider)?
                .create_container(&container)
                .await?;
            if ctx.json {
                output::json(&created)
            } else {
                println!("made {provider}://{container}");
                Ok(())
            }
        }
        StorageCommand::Rb { url, force } => {
            let (provider, container) = container_of(&url)?;
            let storage = ctx.providers.storage(&provider)?;
            if force {
                delete_prefix(&storage, &container, "").await?;
            }
            storage.delete_container(&container).await?;
            if !ctx.json {
                println!("removed {provider}://{container}");
            }
            Ok(())
        }
        StorageCommand::Cp(transfer) => copy(ctx, transfer, false).await,
        StorageCommand::Mv(transfer) => copy(ctx, transfer, true).await,
        StorageCommand::Rm { url, recursive } => rm(ctx, &url, recursive).await,
        StorageCommand::Cat { url } => {
            let (provider, container, key) = object_of(&url)?;
            let storage = ctx.providers.storage(&provider)?;
            let download = storage
                .download(&container, &key, &DownloadOptions::new())
                .await?;
            write_stdout(download.body).await
        }
        StorageCommand::Stat { url } => {
            let (provider, container, key) = object_of(&url)?;
            let object = ctx
                .providers
                .storage(&provider)?
                .get_object(&container, &key)
                .await?;
            if ctx.json {
                return output::json(&object);
            }
            let mut rows = vec![
                vec![
                    "name".into(),
                    format!("{provider}://{container}/{}", object.name),
                ],
                vec![
                    "size".into(),
                    format!("{} ({})", object.size, size(object.size)),
                ],
                vec!["etag".into(), or_dash(object.etag.as_ref())],
                vec!["content type".into(), or_dash(object.content_type.as_ref())],
                vec![
                    "last modified".into(),
                    or_dash(object.last_modified.map(cloud::time::format_rfc3339)),
                ],
            ];
            for (k, v) in &object.metadata {
                rows.push(vec![format!("metadata {k}"), v.clone()]);
            }
            output::table(&["field", "value"], &rows);
            Ok(())
        }
        StorageCommand::Sign {
            url,
            method,
            expires,
        } => {
            let (provider, container, key) = object_of(&url)?;
            let method = match method {
                SignMethod::Get => UrlMethod::Get,
                SignMethod::Put => UrlMethod::Put,
            };
            let signed = ctx
                .providers
                .storage(&provider)?
                .signed_url(&container, &key, method, Duration::from_secs(expires))
                .await?;
            if ctx.json {
                output::json(&serde_json::json!({ "url": signed.as_str(), "expires_in": expires }))
            } else {
                println!("{signed}");
                Ok(())
            }
        }
    }
}

async fn ls(ctx: &Context, url: &str, recursive: bool) -> Result<()> {
    let Location::Remote {
        provider,
        container,
        key,
    } = Location::parse(url)?
    else {
        return Err(Error::invalid_input(format!(
            "`{url}` is not a storage URL: expected PROVIDER://[container/prefix]"
        )));
    };
    let storage = ctx.providers.storage(&provider)?;
    let Some(container) = container else {
        let containers = storage.list_containers_vec().await?;
        if ctx.json {
            return output::json(&containers);
        }
        let rows: Vec<Vec<String>> = containers
            .iter()
            .map(|c| {
                vec![
                    format!("{provider}://{}", c.name),
                    or_dash(c.created_at.map(cloud::time::format_rfc3339)),
                ]
            })
            .collect();
        output::table(&["container", "created"], &rows);
        return Ok(());
    };
    let mut options = ListOptions::new();
    if !key.is_empty() {
        options = options.prefix(key.clone());
    }
    if !recursive {
        options = options.delimiter("/");
    }
    let mut entries = storage.list_objects(&container, &options);
    if ctx.json {
        // Streamed as a JSON array, so huge listings never sit in memory.
        let mut first = true;
        println!("[");
        while let Some(entry) = entries.next().await {
            let entry = entry?;
            let text =
                serde_json::to_string(&entry).map_err(|e| Error::invalid_input(e.to_string()))?;
            println!("{}  {text}", if first { "" } else { "," });
            first = false;
        }
        println!("]");
        return Ok(());
    }
    while let Some(entry) = entries.next().await {
        match entry? {
            ListEntry::Object(o) => println!(
                "{:>10}  {:<24}  {provider}://{container}/{}",
                size(o.size),
                or_dash(o.last_modified.map(cloud::time::format_rfc3339)),
                o.name
            ),
            ListEntry::Prefix { prefix } => println!(
                "{:>10}  {:<24}  {provider}://{container}/{prefix}",
                "DIR", ""
            ),
            other => println!("{other:?}"),
        }
    }
    Ok(())
}

/// Deletes every object under `prefix`, eight at a time.
async fn delete_prefix(storage: &Storage, container: &str, prefix: &str) -> Result<usize> {
    let mut options = ListOptions::new();
    if !prefix.is_empty() {
        options = options.prefix(prefix);
    }
    let names = storage
        .list_objects(container, &options)
        .try_filter_map(|e| async move { Ok(e.as_object().map(|o| o.name.clone())) });
    names
        .map_ok(|name| async move { storage.delete_object(container, &name).await })
        .try_buffer_unordered(8)
        .try_fold(0usize, |n, ()| async move { Ok(n + 1) })
        .await
}

async fn rm(ctx: &Context, url: &str, recursive: bool) -> Result<()> {
    let Location::Remote {
        provider,
        container: Some(container),
        key,
    } = Location::parse(url)?
    else {
        return Err(Error::invalid_input(format!(
            "`{url}` does not name objects: expected PROVIDER://container/key"
        )));
    };
    let storage = ctx.providers.storage(&provider)?;
    if recursive {
        let n = delete_prefix(&storage, &container, &key).await?;
        if !ctx.json {
            println!("removed {n} object(s) under {provider}://{container}/{key}");
        }
        return Ok(());
    }
    if key.is_empty() || key.ends_with('/') {
        return Err(Error::invalid_input(format!(
            "`{url}` is a prefix: use --recursive to remove everything under it"
        )));
    }
    storage.delete_object(&container, &key).await?;
    if !ctx.json {
        println!("removed {provider}://{container}/{key}");
    }
    Ok(())
}

async fn write_stdout(mut body: ByteStream) -> Result<()> {
    let mut out = tokio::io::stdout();
    while let Some(chunk) = body.next().await {
        out.write_all(&chunk?)
            .await
            .map_err(|e| Error::io("writing to standard output", e))?;
    }
    out.flush()
        .await
        .map_err(|e| Error::io("writing to standard output", e))
}

/// One side of a transfer.
#[derive(Debug, Clone)]
enum End {
    Remote {
        storage: Storage,
        provider: String,
        container: String,
        key: String,
    },
    Local(PathBuf),
    Std,
}

impl End {
    fn describe(&self) -> String {
        match self {
            End::Remote {
                provider,
                container,
                key,
                ..
            } => format!("{provider}://{container}/{key}"),
            End::Local(p) => p.display().to_string(),
            End::Std => "-".into(),
        }
    }
}

/// One file or object to move.
#[derive(Debug, Clone)]
struct Job {
    from: End,
    to: End,
    size: Option<u64>,
}

fn basename(text: &str) -> &str {
    text.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(text)
}

fn join_key(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        format!("{prefix}{rest}")
    } else {
        format!("{prefix}/{rest}")
    }
}

/// Every file under `dir`, with its path relative to `dir` in `/` form.
fn walk(dir: &Path) -> Result<Vec<(PathBuf, String, u64)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| Error::io(format!("reading {}", current.display()), e))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::io(format!("reading {}", current.display()), e))?;
            let path = entry.path();
            let meta = entry
                .metadata()
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((path, rel, meta.len()));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

async fn end_of(ctx: &Context, text: &str) -> Result<(Location, Option<Storage>)> {
    let location = Location::parse(text)?;
    let storage = match &location {
        Location::Remote { provider, .. } => Some(ctx.providers.storage(provider)?),
        _ => None,
    };
    Ok((location, storage))
}

async fn plan(ctx: &Context, transfer: &Transfer) -> Result<Vec<Job>> {
    let (source, source_storage) = end_of(ctx, &transfer.source).await?;
    let (dest, dest_storage) = end_of(ctx, &transfer.destination).await?;
    let remote_end =
        |storage: &Option<Storage>, provider: &str, container: &str, key: String| -> Result<End> {
            let storage = storage.clone().ok_or_else(|| {
                Error::invalid_input(format!("no storage handle for `{provider}`"))
            })?;
            Ok(End::Remote {
                storage,
                provider: provider.to_owned(),
                container: container.to_owned(),
                key,
            })
        };
    // Where one source item named `name` (relative path `rel` when recursive) lands.
    let target = |rel: &str, many: bool| -> Result<End> {
        match &dest {
            Location::Remote {
                provider,
                container: Some(container),
                key,
            } => {
                let key = if many || key.is_empty() || key.ends_with('/') {
                    join_key(key, rel)
                } else {
                    key.clone()
                };
                remote_end(&dest_storage, provider, container, key)
            }
            Location::Remote {
                container: None, ..
            } => Err(Error::invalid_input(format!(
                "`{}` names no container",
                transfer.destination
            ))),
            Location::Local(path) => {
                let into_dir = many || path.is_dir() || transfer.destination.ends_with('/');
                Ok(End::Local(if into_dir {
                    path.join(rel)
                } else {
                    path.clone()
                }))
            }
            Location::Std if !many => Ok(End::Std),
            Location::Std => Err(Error::invalid_input(
                "a recursive copy cannot write to standard output",
            )),
        }
    };
    let mut jobs = Vec::new();
    match &source {
        Location::Std => jobs.push(Job {
            from: End::Std,
            to: target("stdin", false)?,
            size: None,
        }),
        Location::Local(path) if path.is_dir() => {
            if !transfer.recursive {
                return Err(Error::invalid_input(format!(
                    "`{}` is a folder: use --recursive",
                    path.display()
                )));
            }
            for (file, rel, len) in walk(path)? {
                jobs.push(Job {
                    from: End::Local(file),
                    to: target(&rel, true)?,
                    size: Some(len),
                });
            }
        }
        Location::Local(path) => {
            let meta = std::fs::metadata(path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            jobs.push(Job {
                from: End::Local(path.clone()),
                to: target(&name, false)?,
                size: Some(meta.len()),
            });
        }
        Location::Remote {
            container: None, ..
        } => {
            return Err(Error::invalid_input(format!(
                "`{}` names no container",
                transfer.source
            )));
        }
        Location::Remote {
            provider,
            container: Some(container),
            key,
        } => {
            let storage = source_storage.clone().ok_or_else(|| {
                Error::invalid_input(format!("no storage handle for `{provider}`"))
            })?;
            if transfer.recursive {
                let mut options = ListOptions::new();
                let prefix = if key.is_empty() || key.ends_with('/') {
                    key.clone()
                } else {
                    format!("{key}/")
                };
                if !prefix.is_empty() {
                    options = options.prefix(prefix.clone());
                }
                let objects: Vec<Object> = storage
                    .list_objects(container, &options)
                    .try_filter_map(|e| async move { Ok(e.as_object().cloned()) })
                    .try_collect()
                    .await?;
                for object in objects {
                    let rel = object.name[prefix.len()..].to_owned();
                    jobs.push(Job {
                        from: remote_end(
                            &source_storage,
                            provider,
                            container,
                            object.name.clone(),
                        )?,
                        to: target(&rel, true)?,
                        size: Some(object.size),
                    });
                }
            } else {
                if key.is_empty() || key.ends_with('/') {
                    return Err(Error::invalid_input(format!(
                        "`{}` is a prefix: use --recursive",
                        transfer.source
                    )));
                }
                jobs.push(Job {
                    from: remote_end(&source_storage, provider, container, key.clone())?,
                    to: target(basename(key), false)?,
                    size: None,
                });
            }
        }
    }
    Ok(jobs)
}

fn counted(stream: ByteStream, bar: ProgressBar) -> ByteStream {
    stream
        .inspect(move |chunk| {
            if let Ok(c) = chunk {
                bar.inc(c.len() as u64);
            }
        })
        .boxed()
}

fn stdin_stream() -> ByteStream {
    futures::stream::try_unfold(tokio::io::stdin(), |mut input| async move {
        let mut buf = bytes::BytesMut::with_capacity(256 * 1024);
        let n = input
            .read_buf(&mut buf)
            .await
            .map_err(|e| Error::io("reading standard input", e))?;
        Ok((n > 0).then(|| (buf.freeze(), input)))
    })
    .boxed()
}

async fn write_file(mut body: ByteStream, path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.cloud-partial-{}",
        cloud::unique::unique_token()
    ));
    let result = async {
        let mut file = tokio::fs::File::create(&temp)
            .await
            .map_err(|e| Error::io(format!("creating {}", temp.display()), e))?;
        while let Some(chunk) = body.next().await {
            file.write_all(&chunk?)
                .await
                .map_err(|e| Error::io(format!("writing {}", temp.display()), e))?;
        }
        file.sync_all()
            .await
            .map_err(|e| Error::io(format!("syncing {}", temp.display()), e))?;
        tokio::fs::rename(&temp, path)
            .await
            .map_err(|e| Error::io(format!("renaming into {}", path.display()), e))
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&temp).await;
    }
    result
}

async fn run_job(job: &Job, content_type: Option<&str>, bar: ProgressBar) -> Result<()> {
    match (&job.from, &job.to) {
        (
            End::Remote {
                storage: a,
                provider: pa,
                container: ca,
                key: ka,
            },
            End::Remote {
                storage: b,
                provider: pb,
                container: cb,
                key: kb,
            },
        ) if pa == pb && a.capabilities().contains(cloud::Capability::CopyObject) => {
            // Same provider: copy on the server, no bytes through here.
            let _ = b;
            let copied = a.copy_object(ca, ka, cb, kb).await?;
            bar.inc(copied.size);
            Ok(())
        }
        (
            End::Remote {
                storage,
                container,
                key,
                ..
            },
            to,
        ) => {
            let download = storage
                .download(container, key, &DownloadOptions::new())
                .await?;
            let object = download.object.clone();
            let body = counted(download.body, bar);
            match to {
                End::Local(path) => write_file(body, path).await,
                End::Std => write_stdout(body).await,
                End::Remote {
                    storage: dest,
                    container: dc,
                    key: dk,
                    ..
                } => {
                    // Provider to provider: streamed, never stored here.
                    let mut options = UploadOptions::new().content_length(object.size);
                    if let Some(ct) = content_type.or(object.content_type.as_deref()) {
                        options = options.content_type(ct);
                    }
                    for (k, v) in &object.metadata {
                        options = options.metadata(k, v);
                    }
                    dest.upload(dc, dk, body, &options).await.map(drop)
                }
            }
        }
        (
            End::Local(path),
            End::Remote {
                storage,
                container,
                key,
                ..
            },
        ) => {
            let (stream, len) = byte_stream::open_file(path).await?;
            let mut options = UploadOptions::new().content_length(len);
            if let Some(ct) = content_type.or_else(|| cloud::storage::guess_content_type(key)) {
                options = options.content_type(ct);
            }
            storage
                .upload(container, key, counted(stream, bar), &options)
                .await
                .map(drop)
        }
        (
            End::Std,
            End::Remote {
                storage,
                container,
                key,
                ..
            },
        ) => {
            let mut options = UploadOptions::new();
            if let Some(ct) = content_type {
                options = options.content_type(ct);
            }
            storage
                .upload(container, key, counted(stdin_stream(), bar), &options)
                .await
                .map(drop)
        }
        (from, to) => Err(Error::invalid_input(format!(
            "copying {} to {} involves no object store; use your shell's cp",
            from.describe(),
            to.describe()
        ))),
    }
}

async fn remove_source(job: &Job) -> Result<()> {
    match &job.from {
        End::Remote {
            storage,
            container,
            key,
            ..
        } => storage.delete_object(container, key).await,
        End::Local(path) => tokio::fs::remove_file(path)
            .await
            .map_err(|e| Error::io(format!("removing {}", path.display()), e)),
        End::Std => Ok(()),
    }
}

async fn copy(ctx: &Context, transfer: Transfer, remove: bool) -> Result<()> {
    if transfer.concurrency == 0 {
        return Err(Error::invalid_input("--concurrency must be at least 1"));
    }
    let jobs = plan(ctx, &transfer).await?;
    if jobs.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound {
                resource: cloud::ResourceKind::Object,
                id: transfer.source.clone(),
            },
            format!("nothing to copy under `{}`", transfer.source),
        ));
    }
    let total: Option<u64> = jobs.iter().map(|j| j.size).sum();
    let to_stdout = jobs.iter().any(|j| matches!(j.to, End::Std));
    let bar = progress::bytes(
        ctx.progress && !to_stdout,
        total,
        if remove { "moving" } else { "copying" },
    );
    let content_type = transfer.content_type.as_deref();
    let count = jobs.len();
    let results: Vec<(Job, Result<()>)> = futures::stream::iter(jobs)
        .map(|job| {
            let bar = bar.clone();
            async move {
                let mut result = run_job(&job, content_type, bar).await;
                if remove && result.is_ok() {
                    result = remove_source(&job).await;
                }
                (job, result)
            }
        })
        .buffer_unordered(transfer.concurrency)
        .collect()
        .await;
    bar.finish_and_clear();
    let failures: Vec<&(Job, Result<()>)> = results.iter().filter(|(_, r)| r.is_err()).collect();
    if ctx.json {
        let report: Vec<serde_json::Value> = results
            .iter()
            .map(|(job, r)| {
                serde_json::json!({
                    "from": job.from.describe(),
                    "to": job.to.describe(),
                    "ok": r.is_ok(),
                    "error": r.as_ref().err().map(ToString::to_string),
                })
            })
            .collect();
        output::json(&report)?;
    } else if !to_stdout {
        for (job, result) in &results {
            if result.is_ok() {
                println!(
                    "{} {} -> {}",
                    if remove { "moved" } else { "copied" },
                    job.from.describe(),
                    job.to.describe()
                );
            }
        }
    }
    match failures.len() {
        0 => Ok(()),
        1 if count == 1 => results.into_iter().try_for_each(|(_, r)| r),
        n => {
            for (job, result) in &failures {
                if let Err(e) = result {
                    eprintln!("failed: {}: {e}", job.from.describe());
                }
            }
            Err(Error::new(
                ErrorKind::Provider,
                format!("{n} of {count} transfers failed"),
            ))
        }
    }
}
