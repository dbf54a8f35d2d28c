//! Compile cost: the same program as `small-cloud` (list a bucket, put a
//! file), written with Apache OpenDAL (feature `services-s3`). Its `write`
//! takes the body in memory, so the file is read first.

use opendal::Operator;
use opendal::services::S3;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let file = std::env::args().nth(1).ok_or("usage: small-opendal FILE")?;
    let service = S3::default()
        .endpoint(&var("BENCH_ENDPOINT"))
        .bucket(&var("BENCH_BUCKET"))
        .region("us-east-1")
        .access_key_id(&var("BENCH_KEY"))
        .secret_access_key(&var("BENCH_SECRET"));
    let op = Operator::new(service)?.finish();
    let listed = op
        .list_with("")
        .recursive(true)
        .await?
        .into_iter()
        .filter(|entry| entry.metadata().is_file())
        .count();
    let data = tokio::fs::read(&file).await?;
    let size = data.len();
    op.write("small/opendal", data).await?;
    println!("listed {listed}, put {size} bytes");
    Ok(())
}
