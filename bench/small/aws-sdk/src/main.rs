//! Compile cost: the same program as `small-cloud` (list a bucket, put a
//! file), written with aws-sdk-s3 and aws-config.

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let file = std::env::args().nth(1).ok_or("usage: small-aws-sdk FILE")?;
    let shared = aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(Credentials::new(
            var("BENCH_KEY"),
            var("BENCH_SECRET"),
            None,
            None,
            "small",
        ))
        .region(Region::new("us-east-1"))
        .endpoint_url(var("BENCH_ENDPOINT"))
        .load()
        .await;
    let config = aws_sdk_s3::config::Builder::from(&shared)
        .force_path_style(true)
        .build();
    let client = aws_sdk_s3::Client::from_conf(config);
    let bucket = var("BENCH_BUCKET");
    let mut pages = client
        .list_objects_v2()
        .bucket(&bucket)
        .into_paginator()
        .send();
    let mut listed = 0;
    while let Some(page) = pages.next().await {
        listed += page?.contents().len();
    }
    let body = ByteStream::from_path(&file).await?;
    let size = body.size_hint().0;
    client
        .put_object()
        .bucket(&bucket)
        .key("small/aws-sdk")
        .body(body)
        .send()
        .await?;
    println!("listed {listed}, put {size} bytes");
    Ok(())
}
