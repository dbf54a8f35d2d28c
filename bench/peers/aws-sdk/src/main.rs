//! The aws-sdk-s3 bench client: one job per run (`bench-aws-sdk JOB`), in
//! its own process so its peak memory and CPU time are its own. Multipart
//! is done by hand (aws-sdk-s3 has no upload manager): 8 MiB parts, 4 in
//! flight, as `cloud` and object_store do. It uses tokio alone, not
//! `futures`: adding `futures` would change the features of the
//! `futures-util` aws-sdk-s3 was built with for the compile-cost program and
//! rebuild the whole SDK.

use std::sync::Arc;

use cloud_bench_support::{CONCURRENCY, PART, Result, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main]
async fn main() {
    cloud_bench_support::run_job("aws-sdk", |s, job| async move { sdk_job(&s, &job).await }).await;
}

fn sdk_client(s: &Settings) -> aws_sdk_s3::Client {
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
    let client = sdk_client(s);
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
            // At most CONCURRENCY parts in flight; a part of a stream is
            // read only when a slot is free.
            let mut in_flight = tokio::task::JoinSet::new();
            let mut parts = Vec::new();
            let mut source = if job == "multipart-stream" {
                Some(tokio::fs::File::open(&s.file).await?)
            } else {
                None
            };
            let len = tokio::fs::metadata(&s.file).await?.len();
            let mut number = 0i32;
            loop {
                if in_flight.len() >= CONCURRENCY
                    && let Some(done) = in_flight.join_next().await
                {
                    parts.push(done??);
                }
                let offset = number as u64 * PART as u64;
                let body = match source.as_mut() {
                    // A stream of unknown length: fill an 8 MiB buffer.
                    Some(file) => {
                        let part = read_part(file).await?;
                        if part.is_empty() {
                            break;
                        }
                        ByteStream::from(part)
                    }
                    None if offset >= len => break,
                    None => {
                        ByteStream::read_from()
                            .path(&s.file)
                            .offset(offset)
                            .length(Length::UpTo(PART as u64))
                            .build()
                            .await?
                    }
                };
                number += 1;
                let (client, id) = (client.clone(), id.clone());
                let (bucket, key) = (s.bucket.clone(), s.object.clone());
                in_flight.spawn(async move {
                    sdk_part(&client, &bucket, &key, &id, number, body).await
                });
            }
            while let Some(done) = in_flight.join_next().await {
                parts.push(done??);
            }
            parts.sort_by_key(|p| p.part_number());
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

/// Up to one part of `file`, read as from a pipe: empty at the end.
async fn read_part(file: &mut tokio::fs::File) -> std::io::Result<Vec<u8>> {
    let mut part = Vec::with_capacity(PART);
    while part.len() < PART {
        let read = (&mut *file)
            .take((PART - part.len()) as u64)
            .read_to_end(&mut part)
            .await?;
        if read == 0 {
            break;
        }
    }
    Ok(part)
}
