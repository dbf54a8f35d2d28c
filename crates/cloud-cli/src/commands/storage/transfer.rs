//! `cloud storage cp` and `mv`: planning which objects and files go where,
//! then moving them a few at a time.

use std::path::{Path, PathBuf};

use cloud::{
    ByteStream, DownloadOptions, Error, ErrorKind, ListOptions, Object, Result, Storage,
    UploadOptions, byte_stream,
};
use futures::{StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use tokio::io::AsyncReadExt;

use super::local_names::{Policy, relative_path};
use super::partial::{Tidy, write_file};
use super::write_stdout;
use crate::cli::Transfer;
use crate::commands::Context;
use crate::location::Location;
use crate::output::{self, outln};
use crate::progress;

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

/// An object that was not copied because its name cannot be a local path.
#[derive(Debug, Clone)]
struct Refused {
    from: String,
    reason: &'static str,
}

/// What `cp` and `mv` will do.
#[derive(Debug, Default)]
struct Plan {
    jobs: Vec<Job>,
    refused: Vec<Refused>,
    /// Folders to create for folder markers (names ending in `/`).
    folders: Vec<PathBuf>,
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

/// A local file or folder that does not exist is "not found" (exit 3).
fn local_error(path: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::new(
            ErrorKind::NotFound {
                resource: cloud::ResourceKind::File,
                id: path.display().to_string(),
            },
            format!("`{}` does not exist", path.display()),
        )
    } else {
        Error::io(format!("reading {}", path.display()), e)
    }
}

/// Every file under `dir`, with its path relative to `dir` in `/` form.
fn walk(dir: &Path) -> Result<Vec<(PathBuf, String, u64)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current).map_err(|e| local_error(&current, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| local_error(&current, e))?;
            let path = entry.path();
            let meta = entry.metadata().map_err(|e| local_error(&path, e))?;
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

fn remote(storage: &Option<Storage>, provider: &str, container: &str, key: String) -> Result<End> {
    let storage = storage
        .clone()
        .ok_or_else(|| Error::invalid_input(format!("no storage handle for `{provider}`")))?;
    Ok(End::Remote {
        storage,
        provider: provider.to_owned(),
        container: container.to_owned(),
        key,
    })
}

/// Where one item lands: under the destination, named `rel` (a remote
/// name when the source is remote, which is checked before it becomes a
/// local path).
enum Target {
    Job(End),
    Folder(PathBuf),
    Refused(&'static str),
}

struct Destination<'a> {
    location: Location,
    storage: Option<Storage>,
    text: &'a str,
    policy: Policy,
}

impl Destination<'_> {
    fn target(&self, rel: &str, many: bool) -> Result<Target> {
        match &self.location {
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
                remote(&self.storage, provider, container, key).map(Target::Job)
            }
            Location::Remote {
                container: None, ..
            } => Err(Error::invalid_input(format!(
                "`{}` names no container",
                self.text
            ))),
            Location::Local(path) => {
                let into_dir = many || path.is_dir() || self.text.ends_with('/');
                if !into_dir {
                    return Ok(Target::Job(End::Local(path.clone())));
                }
                match relative_path(rel, self.policy) {
                    Ok(Some(relative)) => Ok(Target::Job(End::Local(path.join(relative)))),
                    Ok(None) => Ok(Target::Folder(path.join(rel.trim_end_matches('/')))),
                    Err(unsafe_name) => Ok(Target::Refused(unsafe_name.0)),
                }
            }
            Location::Std if !many => Ok(Target::Job(End::Std)),
            Location::Std => Err(Error::invalid_input(
                "a recursive copy cannot write to standard output",
            )),
        }
    }
}

fn storage_of(ctx: &Context, location: &Location) -> Result<Option<Storage>> {
    match location {
        Location::Remote { provider, .. } => ctx.providers.storage(provider).map(Some),
        _ => Ok(None),
    }
}

async fn plan(ctx: &Context, transfer: &Transfer) -> Result<Plan> {
    let source = Location::parse(&transfer.source)?;
    let dest_location = Location::parse(&transfer.destination)?;
    let providers: Vec<&str> = [&source, &dest_location]
        .into_iter()
        .filter_map(|l| match l {
            Location::Remote { provider, .. } => Some(provider.as_str()),
            _ => None,
        })
        .collect();
    ctx.providers.settings.check_flag_options(&providers)?;
    let source_storage = storage_of(ctx, &source)?;
    let dest = Destination {
        storage: storage_of(ctx, &dest_location)?,
        location: dest_location,
        text: &transfer.destination,
        policy: if transfer.sanitize_names {
            Policy::Sanitise
        } else {
            Policy::Refuse
        },
    };
    let mut plan = Plan::default();
    let add = |plan: &mut Plan, from: End, from_name: String, target: Target, size| match target {
        Target::Job(to) => plan.jobs.push(Job { from, to, size }),
        Target::Folder(dir) => plan.folders.push(dir),
        Target::Refused(reason) => plan.refused.push(Refused {
            from: from_name,
            reason,
        }),
    };
    match &source {
        Location::Std => {
            let target = dest.target("stdin", false)?;
            add(&mut plan, End::Std, "-".into(), target, None);
        }
        Location::Local(path) => {
            let meta = std::fs::metadata(path).map_err(|e| local_error(path, e))?;
            if meta.is_dir() {
                if !transfer.recursive {
                    return Err(Error::invalid_input(format!(
                        "`{}` is a folder: use --recursive",
                        path.display()
                    )));
                }
                for (file, rel, len) in walk(path)? {
                    let name = file.display().to_string();
                    let target = dest.target(&rel, true)?;
                    add(&mut plan, End::Local(file), name, target, Some(len));
                }
            } else {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let target = dest.target(&name, false)?;
                let from = End::Local(path.clone());
                add(
                    &mut plan,
                    from,
                    path.display().to_string(),
                    target,
                    Some(meta.len()),
                );
            }
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
                let prefix = if key.is_empty() || key.ends_with('/') {
                    key.clone()
                } else {
                    format!("{key}/")
                };
                let mut options = ListOptions::new();
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
                    let from = remote(&source_storage, provider, container, object.name.clone())?;
                    let name = format!("{provider}://{container}/{}", object.name);
                    let target = dest.target(&rel, true)?;
                    add(&mut plan, from, name, target, Some(object.size));
                }
            } else {
                if key.is_empty() || key.ends_with('/') {
                    return Err(Error::invalid_input(format!(
                        "`{}` is a prefix: use --recursive",
                        transfer.source
                    )));
                }
                let from = remote(&source_storage, provider, container, key.clone())?;
                let target = dest.target(basename(key), false)?;
                add(&mut plan, from, transfer.source.clone(), target, None);
            }
        }
    }
    Ok(plan)
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

/// What the command line sets on every upload.
struct UploadSettings {
    content_type: Option<String>,
    metadata: Vec<(String, String)>,
    part_size: Option<u64>,
    multipart_threshold: Option<u64>,
}

impl UploadSettings {
    fn of(transfer: &Transfer) -> Self {
        UploadSettings {
            content_type: transfer.content_type.clone(),
            metadata: transfer.metadata.clone(),
            part_size: transfer.part_size,
            multipart_threshold: transfer.multipart_threshold,
        }
    }

    /// Whether the upload must carry something a server-side copy would not.
    fn changes_attributes(&self) -> bool {
        self.content_type.is_some() || !self.metadata.is_empty()
    }

    /// Options for an upload to `key`: the flags, else what the source had,
    /// else a content type guessed from the key.
    fn options(&self, key: &str, length: Option<u64>, source: Option<&Object>) -> UploadOptions {
        let mut options = UploadOptions::new();
        if let Some(len) = length {
            options = options.content_length(len);
        }
        let content_type = self
            .content_type
            .as_deref()
            .or_else(|| source.and_then(|o| o.content_type.as_deref()))
            .or_else(|| cloud::storage::guess_content_type(key));
        if let Some(ct) = content_type {
            options = options.content_type(ct);
        }
        if let Some(object) = source {
            for (k, v) in &object.metadata {
                options = options.metadata(k, v);
            }
        }
        for (k, v) in &self.metadata {
            options = options.metadata(k, v);
        }
        if let Some(size) = self.part_size {
            options = options.part_size(size);
        }
        if let Some(threshold) = self.multipart_threshold {
            options = options.multipart_threshold(threshold);
        }
        options
    }
}

async fn run_job(
    job: &Job,
    settings: &UploadSettings,
    bar: ProgressBar,
    tidy: &Tidy,
) -> Result<()> {
    match (&job.from, &job.to) {
        (
            End::Remote {
                storage: a,
                provider: pa,
                container: ca,
                key: ka,
            },
            End::Remote {
                provider: pb,
                container: cb,
                key: kb,
                ..
            },
        ) if pa == pb
            && a.capabilities().contains(cloud::Capability::CopyObject)
            && !settings.changes_attributes() =>
        {
            // Same provider: copy on the server, no bytes through here.
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
                End::Local(path) => write_file(body, path, tidy).await,
                End::Std => write_stdout(body).await,
                End::Remote {
                    storage: dest,
                    container: dc,
                    key: dk,
                    ..
                } => {
                    // Provider to provider: streamed, never stored here.
                    let options = settings.options(dk, Some(object.size), Some(&object));
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
            let (stream, len) = byte_stream::open_file(path)
                .await
                .map_err(|e| match e.kind() {
                    ErrorKind::Io if !path.exists() => {
                        local_error(path, std::io::Error::from(std::io::ErrorKind::NotFound))
                    }
                    _ => e,
                })?;
            let options = settings.options(key, Some(len), None);
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
            let options = settings.options(key, None, None);
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

pub async fn copy(ctx: &Context, transfer: Transfer, remove: bool) -> Result<()> {
    if transfer.concurrency == 0 {
        return Err(Error::invalid_input("--concurrency must be at least 1"));
    }
    let plan = plan(ctx, &transfer).await?;
    if plan.jobs.is_empty() && plan.refused.is_empty() && plan.folders.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound {
                resource: cloud::ResourceKind::Object,
                id: transfer.source.clone(),
            },
            format!("nothing to copy under `{}`", transfer.source),
        ));
    }
    for folder in &plan.folders {
        tokio::fs::create_dir_all(folder)
            .await
            .map_err(|e| Error::io(format!("creating {}", folder.display()), e))?;
    }
    let total: Option<u64> = plan.jobs.iter().map(|j| j.size).sum();
    let to_stdout = plan.jobs.iter().any(|j| matches!(j.to, End::Std));
    let bar = progress::bytes(
        ctx.progress && !to_stdout,
        total,
        if remove { "moving" } else { "copying" },
    );
    let settings = UploadSettings::of(&transfer);
    let tidy = Tidy::default();
    let count = plan.jobs.len();
    let results: Vec<(Job, Result<()>)> = futures::stream::iter(plan.jobs)
        .map(|job| {
            let bar = bar.clone();
            let settings = &settings;
            let tidy = &tidy;
            async move {
                let mut result = run_job(&job, settings, bar, tidy).await;
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
    // A closed standard output ends the command at once, quietly.
    if results
        .iter()
        .any(|(_, r)| r.as_ref().is_err_and(output::is_closed_stdout))
    {
        return results.into_iter().try_for_each(|(_, r)| r);
    }
    let failures: Vec<&(Job, Result<()>)> = results.iter().filter(|(_, r)| r.is_err()).collect();
    for refused in &plan.refused {
        eprintln!(
            "refused: {}: {} (use --sanitize-names to download it under a safe name)",
            refused.from, refused.reason
        );
    }
    if ctx.json {
        let mut report: Vec<serde_json::Value> = results
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
        report.extend(plan.refused.iter().map(|r| {
            serde_json::json!({ "from": r.from, "to": null, "ok": false, "error": format!("refused: {}", r.reason) })
        }));
        output::json(&report)?;
    } else if !to_stdout {
        for (job, result) in &results {
            if result.is_ok() {
                outln!(
                    "{} {} -> {}",
                    if remove { "moved" } else { "copied" },
                    job.from.describe(),
                    job.to.describe()
                )?;
            }
        }
    }
    let refused = plan.refused.len();
    match (failures.len(), refused) {
        (0, 0) => Ok(()),
        (1, 0) if count == 1 => results.into_iter().try_for_each(|(_, r)| r),
        (n, refused) => {
            for (job, result) in &failures {
                if let Err(e) = result {
                    eprintln!("failed: {}: {e}", job.from.describe());
                }
            }
            let all = count + refused;
            let mut parts = Vec::new();
            if n > 0 {
                parts.push(format!("{n} failed"));
            }
            if refused > 0 {
                parts.push(format!("{refused} refused as unsafe local names"));
            }
            let kind = if n == 0 {
                ErrorKind::InvalidInput
            } else {
                ErrorKind::Provider
            };
            Err(Error::new(
                kind,
                format!("{} of {all} transfers did not happen", parts.join(", ")),
            ))
        }
    }
}
