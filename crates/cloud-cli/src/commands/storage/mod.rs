//! `cloud storage ...`: containers and objects.

mod local_names;
mod partial;
mod transfer;
mod uploads;

use std::io::Read;
use std::time::Duration;

use cloud::{
    ByteStream, DownloadOptions, Error, ListEntry, ListOptions, Result, Storage, UrlMethod,
};
use futures::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;

use super::Context;
use crate::cli::{SignMethod, StorageCommand};
use crate::location::{Location, container_of, object_of};
use crate::output::{self, JsonArray, or_dash, outln, size};

pub async fn run(command: StorageCommand, ctx: &Context) -> Result<()> {
    match command {
        StorageCommand::Ls { url, recursive } => {
            ls(ctx, url.as_deref().unwrap_or("local://"), recursive).await
        }
        StorageCommand::Mb { url } => {
            let (provider, container) = container_of(&url)?;
            let created = storage(ctx, &provider)?
                .create_container(&container)
                .await?;
            if ctx.json {
                output::json(&created)
            } else {
                outln!("made {provider}://{container}")
            }
        }
        StorageCommand::Rb { url, force } => {
            let (provider, container) = container_of(&url)?;
            let storage = storage(ctx, &provider)?;
            if force {
                delete_prefix(&storage, &container, "").await?;
                uploads::abort_under(&storage, &container, "").await?;
            }
            storage.delete_container(&container).await?;
            if ctx.json {
                output::json(&serde_json::json!({ "removed": format!("{provider}://{container}") }))
            } else {
                outln!("removed {provider}://{container}")
            }
        }
        StorageCommand::Cp(t) => transfer::copy(ctx, t, false).await,
        StorageCommand::Mv(t) => transfer::copy(ctx, t, true).await,
        StorageCommand::Rm {
            url,
            recursive,
            leave_segments,
        } => rm(ctx, &url, recursive, leave_segments).await,
        StorageCommand::Cat { url } => {
            let (provider, container, key) = object_of(&url)?;
            let download = storage(ctx, &provider)?
                .download(&container, &key, &DownloadOptions::new())
                .await?;
            write_stdout(download.body).await
        }
        StorageCommand::Stat { url } => {
            let (provider, container, key) = object_of(&url)?;
            let object = storage(ctx, &provider)?
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
            output::table(&["field", "value"], &rows)
        }
        StorageCommand::Uploads(command) => uploads::run(command, ctx).await,
        StorageCommand::Clean { targets } => uploads::clean(ctx, &targets),
        StorageCommand::SetTempUrlKey { url, temp_url_key } => {
            set_temp_url_key(ctx, &url, &temp_url_key).await
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
            let signed = storage(ctx, &provider)?
                .signed_url(&container, &key, method, Duration::from_secs(expires))
                .await?;
            if ctx.json {
                output::json(&serde_json::json!({ "url": signed.as_str(), "expires_in": expires }))
            } else {
                outln!("{signed}")
            }
        }
    }
}

/// The storage of `provider`, after checking the `-o` options against it.
fn storage(ctx: &Context, provider: &str) -> Result<Storage> {
    ctx.providers.settings.check_flag_options(&[provider])?;
    ctx.providers.storage(provider)
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
    let storage = storage(ctx, &provider)?;
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
        return output::table(&["container", "created"], &rows);
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
        // Printed once whole: a failure half-way leaves stdout empty.
        let mut array = JsonArray::new();
        while let Some(entry) = entries.next().await {
            array.push(&entry?)?;
        }
        return array.finish();
    }
    while let Some(entry) = entries.next().await {
        match entry? {
            ListEntry::Object(o) => outln!(
                "{:>10}  {:<24}  {provider}://{container}/{}",
                size(o.size),
                or_dash(o.last_modified.map(cloud::time::format_rfc3339)),
                o.name
            )?,
            ListEntry::Prefix { prefix } => outln!(
                "{:>10}  {:<24}  {provider}://{container}/{prefix}",
                "DIR",
                ""
            )?,
            other => outln!("{other:?}")?,
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

async fn rm(ctx: &Context, url: &str, recursive: bool, leave_segments: bool) -> Result<()> {
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
    if leave_segments {
        return rm_leaving_segments(ctx, &provider, &container, &key, recursive).await;
    }
    let storage = storage(ctx, &provider)?;
    if recursive {
        let n = delete_prefix(&storage, &container, &key).await?;
        let aborted = uploads::abort_under(&storage, &container, &key).await?;
        if ctx.json {
            return output::json(&serde_json::json!({ "removed": n, "uploads_aborted": aborted }));
        }
        outln!("removed {n} object(s) under {provider}://{container}/{key}")?;
        if aborted > 0 {
            outln!("aborted {aborted} unfinished upload(s) under it")?;
        }
        return Ok(());
    }
    if key.is_empty() || key.ends_with('/') {
        return Err(Error::invalid_input(format!(
            "`{url}` is a prefix: use --recursive to remove everything under it"
        )));
    }
    storage.delete_object(&container, &key).await?;
    if ctx.json {
        output::json(&serde_json::json!({ "removed": 1 }))
    } else {
        outln!("removed {provider}://{container}/{key}")
    }
}

/// `rm --leave-segments`: Swift only.
#[cfg(any(feature = "openstack", feature = "rackspace"))]
async fn rm_leaving_segments(
    ctx: &Context,
    provider: &str,
    container: &str,
    key: &str,
    recursive: bool,
) -> Result<()> {
    let swift = ctx.providers.swift(provider)?;
    let names: Vec<String> = if recursive {
        let storage = Storage::new(swift.clone());
        storage
            .list_objects_vec(container, (!key.is_empty()).then_some(key))
            .await?
            .into_iter()
            .map(|o| o.name)
            .collect()
    } else {
        vec![key.to_owned()]
    };
    for name in &names {
        swift
            .ex_delete_object_leave_segments(container, name)
            .await?;
    }
    if ctx.json {
        return output::json(&serde_json::json!({ "removed": names.len() }));
    }
    outln!(
        "removed {} object(s) under {provider}://{container}/{key}, leaving their segments",
        names.len()
    )
}

#[cfg(not(any(feature = "openstack", feature = "rackspace")))]
async fn rm_leaving_segments(
    ctx: &Context,
    provider: &str,
    _container: &str,
    _key: &str,
    _recursive: bool,
) -> Result<()> {
    ctx.providers.swift(provider).map(drop)
}

/// `set-temp-url-key`: Swift only; the key comes from the argument or stdin.
async fn set_temp_url_key(ctx: &Context, url: &str, key: &str) -> Result<()> {
    let provider = match Location::parse(url)? {
        Location::Remote {
            provider,
            container: None,
            ..
        } => provider,
        _ => {
            return Err(Error::invalid_input(format!(
                "`{url}` is not an account URL: expected PROVIDER://"
            )));
        }
    };
    let key = if key == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::io("reading standard input", e))?;
        text.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        key.to_owned()
    };
    if key.is_empty() {
        return Err(Error::invalid_input(
            "the temporary-URL key must not be empty",
        ));
    }
    set_key(ctx, &provider, &key).await?;
    if ctx.json {
        output::json(&serde_json::json!({ "temp_url_key": "set", "provider": provider }))
    } else {
        outln!("set the temporary-URL key of {provider}://")
    }
}

#[cfg(any(feature = "openstack", feature = "rackspace"))]
async fn set_key(ctx: &Context, provider: &str, key: &str) -> Result<()> {
    ctx.providers
        .swift(provider)?
        .ex_set_temp_url_key(key)
        .await
}

#[cfg(not(any(feature = "openstack", feature = "rackspace")))]
async fn set_key(ctx: &Context, provider: &str, _key: &str) -> Result<()> {
    ctx.providers.swift(provider).map(drop)
}

/// Streams `body` to standard output.
async fn write_stdout(mut body: ByteStream) -> Result<()> {
    let mut out = tokio::io::stdout();
    while let Some(chunk) = body.next().await {
        out.write_all(&chunk?).await.map_err(output::stdout_error)?;
    }
    out.flush().await.map_err(output::stdout_error)
}
