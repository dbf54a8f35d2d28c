//! One client doing one job, in its own process so its peak memory and CPU
//! time are its own: `bench-client CLIENT JOB`. Settings come from the
//! environment the harness sets (`BENCH_ENDPOINT`, `BENCH_KEY`,
//! `BENCH_SECRET`, `BENCH_BUCKET`, `BENCH_OBJECT`, `BENCH_FILE`,
//! `BENCH_PREFIX`). Prints one JSON line: wall and CPU seconds, peak RSS.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PART: usize = 8 * 1024 * 1024;
const CONCURRENCY: usize = 4;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Settings {
    endpoint: String,
    key: String,
    secret: String,
    bucket: String,
    object: String,
    file: PathBuf,
    prefix: String,
}

fn settings() -> Settings {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    Settings {
        endpoint: var("BENCH_ENDPOINT"),
        key: var("BENCH_KEY"),
        secret: var("BENCH_SECRET"),
        bucket: var("BENCH_BUCKET"),
        object: var("BENCH_OBJECT"),
        file: PathBuf::from(var("BENCH_FILE")),
        prefix: var("BENCH_PREFIX"),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (client, job) = match args.as_slice() {
        [c, j] => (c.as_str(), j.as_str()),
        _ => {
            eprintln!("usage: bench-client cloud|aws-sdk|object-store JOB");
            std::process::exit(2);
        }
    };
    let s = settings();
    let started = Instant::now();
    let result = match client {
        "cloud" => cloud_job(&s, job).await,
        "aws-sdk" => sdk_job(&s, job).await,
        "object-store" => object_store_job(&s, job).await,
        other => Err(format!("unknown client {other}").into()),
    };
    match result {
        Ok(()) => println!("{}", cloud_bench::report(started.elapsed())),
        Err(e) => {
            eprintln!("{client} {job}: {e}");
            std::process::exit(1);
        }
    }
}

/// The file as a stream that cannot seek and has no known length: what a
/// pipe or a generated body looks like to a client.
fn unsized_stream(path: PathBuf) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> {
    futures::stream::unfold(None, move |file: Option<tokio::fs::File>| {
        let path = path.clone();
        async move {
            let mut file = match file {
                Some(f) => f,
                None => match tokio::fs::File::open(&path).await {
                    Ok(f) => f,
                    Err(e) => return Some((Err(e), None)),
                },
            };
            let mut buf = bytes::BytesMut::with_capacity(256 * 1024);
            match file.read_buf(&mut buf).await {
                Ok(0) => None,
                Ok(_) => Some((Ok(buf.freeze()), Some(file))),
                Err(e) => Some((Err(e), None)),
            }
        }
    })
}

async fn cloud_job(s: &Settings, job: &str) -> Result<()> {
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
    let storage = cloud::Storage::new(aws.s3()?);
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

async fn sdk_client(s: &Settings) -> aws_sdk_s3::Client {
    let credentials = aws_sdk_s3::config::Credentials::new(&s.key, &s.secret, None, None, "bench");
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .credentials_provider(credentials)
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(&s.endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

async fn sdk_job(s: &Settings, job: &str) -> Result<()> {
    use aws_sdk_s3::primitives::{ByteStream, Length};
    use aws_sdk_s3::types::CompletedMultipartUpload;
    let client = sdk_client(s).await;
    match job {
        "put" => {
            let body = ByteStream::from_path(&s.file).await?;
            client
                .put_object()
                .bucket(&s.bucket)
                .key(&s.object)
                .body(body)
                .send()
                .await?;
        }
        "multipart-file" | "multipart-stream" => {
            let upload = client
                .create_multipart_upload()
                .bucket(&s.bucket)
                .key(&s.object)
                .send()
                .await?;
            let id = upload.upload_id().unwrap_or_default().to_owned();
            let client = Arc::new(client);
            let parts: Vec<aws_sdk_s3::types::CompletedPart> = if job == "multipart-file" {
                let len = tokio::fs::metadata(&s.file).await?.len();
                let count = len.div_ceil(PART as u64);
                futures::stream::iter(0..count)
                    .map(|i| {
                        let (client, id, file) = (client.clone(), id.clone(), s.file.clone());
                        let (bucket, key) = (s.bucket.clone(), s.object.clone());
                        async move {
                            let offset = i * PART as u64;
                            let body = ByteStream::read_from()
                                .path(file)
                                .offset(offset)
                                .length(Length::UpTo(PART as u64))
                                .build()
                                .await?;
                            sdk_part(&client, &bucket, &key, &id, i as i32 + 1, body).await
                        }
                    })
                    .buffered(CONCURRENCY)
                    .try_collect()
                    .await?
            } else {
                // A stream of unknown length: fill 8 MiB buffers in turn,
                // at most CONCURRENCY of them in flight.
                let buffers = part_buffers(s.file.clone());
                buffers
                    .enumerate()
                    .map(|(i, data)| {
                        let (client, id) = (client.clone(), id.clone());
                        let (bucket, key) = (s.bucket.clone(), s.object.clone());
                        async move {
                            let body = ByteStream::from(data?);
                            sdk_part(&client, &bucket, &key, &id, i as i32 + 1, body).await
                        }
                    })
                    .buffered(CONCURRENCY)
                    .try_collect()
                    .await?
            };
            client
                .complete_multipart_upload()
                .bucket(&s.bucket)
                .key(&s.object)
                .upload_id(id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                )
                .send()
                .await?;
        }
        "get" => {
            let object = client
                .get_object()
                .bucket(&s.bucket)
                .key(&s.object)
                .send()
                .await?;
            let mut reader = object.body.into_async_read();
            let mut file = tokio::fs::File::create(&s.file).await?;
            tokio::io::copy(&mut reader, &mut file).await?;
            file.flush().await?;
            // The same durability as `cloud`'s download_file, which syncs
            // the file before renaming it into place.
            file.sync_all().await?;
        }
        "list" => {
            let mut pages = client
                .list_objects_v2()
                .bucket(&s.bucket)
                .prefix(&s.prefix)
                .max_keys(1000)
                .into_paginator()
                .send();
            let mut n = 0;
            while let Some(page) = pages.next().await {
                n += page?.contents().len();
            }
            eprintln!("listed {n}");
        }
        other => return Err(format!("unknown job {other}").into()),
    }
    Ok(())
}

/// Uploads part `number` with aws-sdk-s3.
async fn sdk_part(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    id: &str,
    number: i32,
    body: aws_sdk_s3::primitives::ByteStream,
) -> Result<aws_sdk_s3::types::CompletedPart> {
    let part = client
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .part_number(number)
        .body(body)
        .send()
        .await?;
    Ok(aws_sdk_s3::types::CompletedPart::builder()
        .part_number(number)
        .set_e_tag(part.e_tag().map(str::to_owned))
        .build())
}

/// `path` read as an unsized stream and cut into 8 MiB parts, lazily.
fn part_buffers(path: PathBuf) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> {
    let source = Box::pin(unsized_stream(path));
    futures::stream::unfold(Some(source), |state| async move {
        let mut source = state?;
        let mut part = bytes::BytesMut::with_capacity(PART);
        while part.len() < PART {
            match source.next().await {
                Some(Ok(chunk)) => part.extend_from_slice(&chunk),
                Some(Err(e)) => return Some((Err(e), None)),
                None if part.is_empty() => return None,
                None => return Some((Ok(part.freeze()), None)),
            }
        }
        Some((Ok(part.freeze()), Some(source)))
    })
}

async fn object_store_job(s: &Settings, job: &str) -> Result<()> {
    use object_store::aws::AmazonS3Builder;
    use object_store::path::Path;
    use object_store::{ObjectStore, WriteMultipart};
    let store = AmazonS3Builder::new()
        .with_endpoint(&s.endpoint)
        .with_allow_http(true)
        .with_bucket_name(&s.bucket)
        .with_access_key_id(&s.key)
        .with_secret_access_key(&s.secret)
        .with_region("us-east-1")
        .build()?;
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
