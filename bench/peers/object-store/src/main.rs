//! The object_store bench client: one job per run (`bench-object-store
//! JOB`), in its own process so its peak memory and CPU time are its own.

use cloud_bench_support::{CONCURRENCY, PART, Result, Settings, unsized_stream};
use futures::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;

#[tokio::main]
async fn main() {
    cloud_bench_support::run_job("object-store", |s, job| async move {
        object_store_job(&s, &job).await
    })
    .await;
}

async fn object_store_job(s: &Settings, job: &str) -> Result<()> {
    use object_store::aws::AmazonS3Builder;
    if let Some(job) = job.strip_prefix("gcs-") {
        return store_job(&gcs(s)?, s, job).await;
    }
    if let Some(job) = job.strip_prefix("azure-") {
        return store_job(&azure(s)?, s, job).await;
    }
    let store = AmazonS3Builder::new()
        .with_endpoint(&s.endpoint)
        .with_allow_http(true)
        .with_bucket_name(&s.bucket)
        .with_access_key_id(&s.key)
        .with_secret_access_key(&s.secret)
        .with_region("us-east-1")
        .build()?;
    store_job(&store, s, job).await
}

/// Cloud Storage on fake-gcs-server, as object_store's own tests reach it:
/// a service-account document naming the server and turning OAuth off.
fn gcs(s: &Settings) -> Result<object_store::gcp::GoogleCloudStorage> {
    let endpoint = std::env::var("BENCH_GCS_ENDPOINT").unwrap_or_default();
    let account = format!(
        r#"{{"gcs_base_url": "{endpoint}", "disable_oauth": true, "client_email": "", "private_key": "", "private_key_id": ""}}"#
    );
    Ok(object_store::gcp::GoogleCloudStorageBuilder::new()
        .with_bucket_name(&s.bucket)
        .with_service_account_key(account)
        .with_client_options(object_store::ClientOptions::new().with_allow_http(true))
        .build()?)
}

/// Blob Storage on Azurite, as object_store's own tests reach it: its
/// emulator mode (the development account and key), at the address in
/// `AZURITE_BLOB_STORAGE_URL`, which the harness sets.
fn azure(s: &Settings) -> Result<object_store::azure::MicrosoftAzure> {
    Ok(object_store::azure::MicrosoftAzureBuilder::new()
        .with_use_emulator(true)
        .with_container_name(&s.bucket)
        .with_client_options(object_store::ClientOptions::new().with_allow_http(true))
        .build()?)
}

/// One job, the same whichever service is behind `store`.
async fn store_job(store: &impl object_store::ObjectStore, s: &Settings, job: &str) -> Result<()> {
    use object_store::WriteMultipart;
    use object_store::path::Path;
    let path = Path::from(s.object.as_str());
    match job {
        "multipart-file" | "multipart-stream" => {
            let upload = store.put_multipart(&path).await?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
            let mut source = Box::pin(unsized_stream(s.file.clone()));
            while let Some(chunk) = source.next().await {
                writer.wait_for_capacity(CONCURRENCY).await?;
                writer.write(&chunk?);
            }
            writer.finish().await?;
        }
        "get" => {
            let mut body = store.get(&path).await?.into_stream();
            let mut file = tokio::fs::File::create(&s.file).await?;
            while let Some(chunk) = body.next().await {
                file.write_all(&chunk?).await?;
            }
            file.flush().await?;
            // The same durability as `cloud`'s download_file, which syncs
            // the file before renaming it into place.
            file.sync_all().await?;
        }
        "list" => {
            let prefix = Path::from(s.prefix.trim_end_matches('/'));
            let n = store
                .list(Some(&prefix))
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                .await?;
            eprintln!("listed {n}");
        }
        other => return Err(format!("unknown job {other}").into()),
    }
    Ok(())
}
