//! Compile cost: the same program as `small-cloud` (list a bucket, put a
//! file), written with object_store (feature `aws`). Its one-shot `put`
//! takes the body in memory, so the file is read first.

use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let file = std::env::args()
        .nth(1)
        .ok_or("usage: small-object-store FILE")?;
    let store = AmazonS3Builder::new()
        .with_endpoint(var("BENCH_ENDPOINT"))
        .with_allow_http(true)
        .with_bucket_name(var("BENCH_BUCKET"))
        .with_access_key_id(var("BENCH_KEY"))
        .with_secret_access_key(var("BENCH_SECRET"))
        .with_region("us-east-1")
        .build()?;
    let listed = store
        .list(None)
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await?;
    let data = tokio::fs::read(&file).await?;
    let size = data.len();
    store
        .put(&Path::from("small/object-store"), data.into())
        .await?;
    println!("listed {listed}, put {size} bytes");
    Ok(())
}
