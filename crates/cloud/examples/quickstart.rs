//! The tour, on the embedded providers (no account needed): create two
//! nodes and wait for them, upload a folder to local storage and list it,
//! build a DNS zone and export it as a BIND zone file.
//!
//! ```text
//! cargo run -p cloud --example quickstart            # data goes to a temp folder
//! cargo run -p cloud --example quickstart -- DIR     # upload DIR instead of crates/cloud/src
//! ```

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use cloud::{
    CreateNode, CreateZone, ListOptions, ProviderConfig, RecordSpec, RecordType, Registry,
    UploadOptions,
};
use futures::TryStreamExt;

#[tokio::main]
async fn main() {
    support::exit_on_error(run().await);
}

async fn run() -> cloud::Result<()> {
    let args = support::parse()?;
    let registry = Registry::new();
    println!(
        "providers compiled in: {}",
        registry.names().collect::<Vec<_>>().join(", ")
    );

    // Compute: two nodes from the first size and image.
    let compute = registry.compute(
        "memory",
        &ProviderConfig::new().option("transition_delay_ms", "300"),
    )?;
    let size = compute.list_sizes().await?.remove(0);
    let image = compute.list_images_vec().await?.remove(0);
    let mut ids = Vec::new();
    for name in ["web-1", "web-2"] {
        let node = compute
            .create_node(&CreateNode::new(name, &size.id, &image.id))
            .await?;
        println!(
            "compute: created {} ({}) on {} / {}: {}",
            node.name, node.id, size.name, image.name, node.state
        );
        ids.push(node.id);
    }
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    for node in compute
        .wait_until_running(&id_refs, Duration::from_secs(30), Duration::from_millis(50))
        .await?
    {
        println!(
            "compute: {} is {} at {}",
            node.name, node.state, node.public_ips[0]
        );
    }

    // Storage: a folder into the local provider.
    let root = std::env::temp_dir().join(format!("cloud-quickstart-{}", std::process::id()));
    let storage = registry.storage(
        "local",
        &ProviderConfig::new().endpoint(root.display().to_string()),
    )?;
    storage.create_container("site").await?;
    let source = args
        .positional
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut uploaded = 0;
    for file in files(&source)? {
        let name = file
            .strip_prefix(&source)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        storage
            .upload_file("site", &name, &file, &UploadOptions::new())
            .await?;
        uploaded += 1;
    }
    println!(
        "storage: uploaded {uploaded} files from {} to {}",
        source.display(),
        root.display()
    );
    let entries: Vec<_> = storage
        .list_objects("site", &ListOptions::new())
        .try_collect()
        .await?;
    for entry in entries {
        if let Some(object) = entry.as_object() {
            println!(
                "storage: {:<40} {:>8} bytes  {}  {}",
                object.name,
                object.size,
                object.content_type.as_deref().unwrap_or("-"),
                object.etag.as_deref().unwrap_or("-")
            );
        }
    }

    // DNS: a zone with a few records, exported as a BIND zone file.
    let dns = registry.dns("memory", &ProviderConfig::new())?;
    let zone = dns
        .create_zone(&CreateZone::new("example.com").ttl(3600))
        .await?;
    let records = [
        RecordSpec::new("", RecordType::A, "192.0.2.10").ttl(300),
        RecordSpec::new("www", RecordType::CNAME, "example.com.").ttl(300),
        RecordSpec::new("", RecordType::MX, "10 mail.example.com."),
        RecordSpec::new("", RecordType::TXT, "v=spf1 mx -all"),
    ];
    for record in &records {
        dns.create_record(&zone.id, record).await?;
    }
    println!(
        "dns: zone {} exported:\n{}",
        zone.domain,
        dns.export_zone(&zone.id).await?
    );

    std::fs::remove_dir_all(&root)
        .map_err(|e| cloud::Error::io("removing the quickstart folder", e))?;
    Ok(())
}

/// Every file under `dir`, sorted.
fn files(dir: &Path) -> cloud::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| cloud::Error::io(format!("reading {}", dir.display()), e))?;
    for entry in entries {
        let path = entry
            .map_err(|e| cloud::Error::io("reading a folder", e))?
            .path();
        if path.is_dir() {
            out.extend(files(&path)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
