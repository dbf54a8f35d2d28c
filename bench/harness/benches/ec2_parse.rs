//! Parse-only time of a DescribeInstances document: the EC2 parser measured
//! without the server. `compare` saves the document moto returns for 2,000
//! instances and points `BENCH_EC2_DOC` at it.

use criterion::{Criterion, criterion_group, criterion_main};

fn describe_instances(c: &mut Criterion) {
    let path = std::env::var("BENCH_EC2_DOC").expect("BENCH_EC2_DOC names the document");
    let doc = std::fs::read_to_string(&path).expect("reading BENCH_EC2_DOC");
    let nodes = cloud::aws::ec2::parse::describe_instances(&doc)
        .expect("the document parses")
        .items
        .len();
    eprintln!("{path}: {} bytes, {nodes} nodes", doc.len());
    c.bench_function("ec2_describe_instances", |b| {
        b.iter(|| cloud::aws::ec2::parse::describe_instances(std::hint::black_box(&doc)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = describe_instances
}
criterion_main!(benches);
