//! The `cloud` bench client: one job per run (`bench-cloud JOB`), in its
//! own process so its peak memory and CPU time are its own. The harness
//! sets the job's settings in the environment (see `cloud_bench_support`).

use cloud_bench_support::{CONCURRENCY, PART, Result, Settings, unsized_stream};
use futures::{StreamExt, TryStreamExt};

#[tokio::main]
async fn main() {
    cloud_bench_support::run_job("cloud", |s, job| async move { cloud_job(&s, &job).await }).await;
}

async fn cloud_job(s: &Settings, job: &str) -> Result<()> {
    if let Some(job) = job.strip_prefix("swift-") {
        return storage_job(&swift()?, s, job).await;
    }
    if let Some(job) = job.strip_prefix("gcs-") {
        return storage_job(&gcs()?, s, job).await;
    }
    if let Some(job) = job.strip_prefix("azure-") {
        return storage_job(&azure()?, s, job).await;
    }
    use cloud::aws::{AwsBuilder, AwsCredentials, MultipartConfig};
    let multipart = MultipartConfig {
        threshold: if job == "put" { u64::MAX } else { PART as u64 },
        part_size: PART as u64,
        concurrency: CONCURRENCY,
    };
    let aws = AwsBuilder::new()
        .credentials(AwsCredentials::new(s.key.clone(), s.secret.clone()))
        .region("us-east-1")
        .endpoint(s.endpoint.clone())
        .multipart(multipart)?
        .build()?;
    if job == "ec2-list" {
        let compute = cloud::Compute::new(aws.ec2()?);
        let nodes = compute.list_nodes_vec().await?;
        eprintln!("listed {}", nodes.len());
        return Ok(());
    }
    storage_job(&cloud::Storage::new(aws.s3()?), s, job).await
}

/// Swift on the local server (tempauth), uploads above one segment going
/// up as a Static Large Object of 8 MiB segments, 4 at a time.
fn swift() -> Result<cloud::Storage> {
    use cloud::openstack::{Auth, OpenStackBuilder, SloConfig};
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let openstack = OpenStackBuilder::openstack()
        .auth(Auth::V1 {
            url: var("BENCH_SWIFT_AUTH").parse()?,
            user: var("BENCH_SWIFT_USER"),
            key: var("BENCH_SWIFT_KEY").into(),
        })
        .allow_http(true)
        .slo(SloConfig {
            threshold: PART as u64,
            segment_size: PART as u64,
            concurrency: CONCURRENCY,
        })?
        .build()?;
    Ok(cloud::Storage::new(openstack.swift()))
}

/// Cloud Storage on fake-gcs-server (no credentials), uploads above one
/// chunk going up as a resumable upload in chunks of `BENCH_GCS_CHUNK`
/// bytes.
fn gcs() -> Result<cloud::Storage> {
    use cloud::google::{GcsUploadConfig, GoogleBuilder};
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let chunk: u64 = var("BENCH_GCS_CHUNK").parse()?;
    let google = GoogleBuilder::new()
        .endpoint(var("BENCH_GCS_ENDPOINT"))
        .anonymous()
        .project("bench")
        .upload_config(GcsUploadConfig::new(chunk, chunk))
        .build()?;
    Ok(cloud::Storage::new(google.storage()))
}

/// Blob Storage on Azurite (its development account, SharedKey), uploads
/// above one block staged in blocks of 8 MiB, 4 at a time.
fn azure() -> Result<cloud::Storage> {
    use cloud::azure::{AzureBuilder, BlockUploadConfig, StorageCredentials};
    let endpoint = std::env::var("BENCH_AZURE_ENDPOINT").unwrap_or_default();
    let azure = AzureBuilder::new()
        .credentials(StorageCredentials::shared_key(
            cloud::azure::DEVELOPMENT_ACCOUNT,
            cloud::azure::DEVELOPMENT_KEY,
        ))
        .blob_endpoint(endpoint)
        .upload_config(BlockUploadConfig::new(
            PART as u64,
            PART as u64,
            CONCURRENCY,
        ))
        .build()?;
    Ok(cloud::Storage::new(azure.blob_storage()))
}

/// One storage job, the same whichever service is behind `storage`.
async fn storage_job(storage: &cloud::Storage, s: &Settings, job: &str) -> Result<()> {
    let options = cloud::UploadOptions::new();
    match job {
        "put" | "multipart-file" => {
            storage
                .upload_file(&s.bucket, &s.object, &s.file, &options)
                .await?;
        }
        "multipart-stream" => {
            let stream = unsized_stream(s.file.clone())
                .map_err(|e| cloud::Error::io("reading the source", e))
                .boxed();
            storage
                .upload(&s.bucket, &s.object, stream, &options)
                .await?;
        }
        "get" => {
            storage.download_file(&s.bucket, &s.object, &s.file).await?;
        }
        "list" => {
            let listing = cloud::ListOptions::new()
                .prefix(s.prefix.clone())
                .page_size(1000);
            let n = storage
                .list_objects(&s.bucket, &listing)
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                .await?;
            eprintln!("listed {n}");
        }
        other => return Err(format!("unknown job {other}").into()),
    }
    Ok(())
}
