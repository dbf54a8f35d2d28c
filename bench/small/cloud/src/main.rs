//! Compile cost: the smallest useful S3 program, written with `cloud`
//! (feature `aws` only). Lists a bucket and puts a file; `cargo xtask
//! bench` times its clean release build, strips it, and runs it once
//! against s3s-fs to show it works.
//!
//! Reads `BENCH_ENDPOINT`, `BENCH_KEY`, `BENCH_SECRET`, `BENCH_BUCKET`;
//! the file to put is the first argument.

use cloud::aws::{AwsBuilder, AwsCredentials};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let file = std::env::args().nth(1).ok_or("usage: small-cloud FILE")?;
    let aws = AwsBuilder::new()
        .credentials(AwsCredentials::new(var("BENCH_KEY"), var("BENCH_SECRET")))
        .region("us-east-1")
        .endpoint(var("BENCH_ENDPOINT"))
        .build()?;
    let storage = cloud::Storage::new(aws.s3()?);
    let bucket = var("BENCH_BUCKET");
    let listed = storage
        .list_objects(&bucket, &cloud::ListOptions::new())
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await?;
    let object = storage
        .upload_file(&bucket, "small/cloud", &file, &cloud::UploadOptions::new())
        .await?;
    println!("listed {listed}, put {} bytes", object.size);
    Ok(())
}
