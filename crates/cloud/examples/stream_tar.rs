//! Stream the output of `tar czf - DIR` into an object, without a temporary
//! file (the second flow of the original Libcloud talk).
//!
//! ```text
//! cargo run -p cloud --example stream_tar -- DIR                 # local provider in a temp folder
//! cargo run -p cloud --example stream_tar -- DIR --provider NAME [credentials...]
//! ```

#[path = "support/mod.rs"]
mod support;

use std::process::Stdio;

use cloud::{Error, ErrorKind, Registry, UploadOptions, byte_stream};
use futures::StreamExt;
use tokio::io::AsyncReadExt;

#[tokio::main]
async fn main() {
    support::exit_on_error(run().await);
}

async fn run() -> cloud::Result<()> {
    let args = support::parse()?;
    let dir = args
        .positional
        .first()
        .cloned()
        .unwrap_or_else(|| ".".into());
    let (provider, config) = match args.provider.as_deref() {
        Some(p) => (p.to_owned(), args.config.clone()),
        None => {
            let folder =
                std::env::temp_dir().join(format!("cloud-stream-tar-{}", std::process::id()));
            println!("using the local provider in {}", folder.display());
            (
                "local".to_owned(),
                args.config.clone().endpoint(folder.display().to_string()),
            )
        }
    };
    let storage = Registry::new().storage(&provider, &config)?;
    match storage.create_container("backups").await {
        Ok(_) => {}
        Err(e) if matches!(e.kind(), ErrorKind::AlreadyExists { .. }) => {}
        Err(e) => return Err(e),
    }

    let mut tar = tokio::process::Command::new("tar")
        .args(["czf", "-", &dir])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io("starting tar", e))?;
    let stdout = tar
        .stdout
        .take()
        .ok_or_else(|| Error::invalid_input("tar has no stdout"))?;
    // Read tar's output in 64 KiB chunks as it is produced.
    let chunks = futures::stream::try_unfold(stdout, |mut out| async move {
        let mut buf = vec![0u8; 64 * 1024];
        let n = out.read(&mut buf).await?;
        buf.truncate(n);
        Ok::<_, std::io::Error>((n > 0).then_some((buf, out)))
    });
    let options = UploadOptions::new().content_type("application/gzip");
    let upload = storage.upload(
        "backups",
        "archive.tar.gz",
        byte_stream::from_stream(chunks),
        &options,
    );
    let (object, status) = tokio::join!(upload, tar.wait());
    let status = status.map_err(|e| Error::io("waiting for tar", e))?;
    if !status.success() {
        // The upload may have completed with a truncated archive: remove it.
        let _ = storage.delete_object("backups", "archive.tar.gz").await;
        return Err(Error::new(ErrorKind::Io, format!("tar failed: {status}")));
    }
    let object = object?;
    println!(
        "uploaded {}/{} to {provider}: {} bytes, etag {}",
        object.container,
        object.name,
        object.size,
        object.etag.as_deref().unwrap_or("-")
    );
    let listed = storage
        .list_objects("backups", &Default::default())
        .count()
        .await;
    println!("the container now holds {listed} object(s)");
    Ok(())
}
