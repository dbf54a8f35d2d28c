//! Runs `cloud` and its peers on the same work against the same servers,
//! alternating the order each round, and prints medians and ratios as
//! Markdown tables (also written to `BENCH_OUT`). Each client runs in its
//! own process (`bench-cloud`, `bench-aws-sdk`, `bench-object-store`, or
//! a Python script), so its peak memory and CPU time are its own.
//! `cargo xtask bench` builds the clients, starts the servers and sets the
//! variables.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use futures::StreamExt;

/// The libraries whose small compile-cost program is run once, to show it
/// works (`bench/small/*`).
const SMALL_PROGRAMS: [&str; 4] = ["cloud", "aws-sdk", "object-store", "opendal"];

/// Bytes per resumable chunk of every Cloud Storage upload in the
/// comparison. fake-gcs-server re-reads all it holds of an object after
/// each chunk, so its work grows with the square of the chunk count: 16 MiB
/// keeps the server's share of the run bounded.
const GCS_CHUNK: u64 = 16 * 1024 * 1024;

/// Swift's tempauth account the local server is set up with.
const SWIFT_USER: &str = "test:tester";
const SWIFT_KEY: &str = "testing";

#[derive(Debug, Clone, Copy, Default)]
struct Run {
    wall: f64,
    cpu: f64,
    rss: f64,
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

/// Runs one client job in its own process.
fn run_client(client: &str, job: &str, object: &str, file: &Path, prefix: &str) -> Run {
    if client == "curl" {
        return run_curl(job, object, file);
    }
    let mut command = match client {
        "libcloud" | "boto3" => python("ec2", client),
        "swiftclient" | "openstacksdk" => {
            let mut command = python("swift", client);
            command.arg(job.trim_start_matches("swift-"));
            command
        }
        "google-cloud-storage" => {
            let mut command = python("gcs", client);
            command.arg(job.trim_start_matches("gcs-"));
            command
        }
        "azure-storage-blob" => {
            let mut command = python("azure_blob", client);
            command.arg(job.trim_start_matches("azure-"));
            command
        }
        _ => {
            let mut command = Command::new(built("bench", client));
            command.arg(job);
            command
        }
    };
    if job == "ec2-list" {
        command.env("BENCH_ENDPOINT", env("BENCH_EC2_ENDPOINT", ""));
    }
    let out = command
        .env("BENCH_OBJECT", object)
        .env("BENCH_FILE", file)
        .env("BENCH_PREFIX", prefix)
        .env("BENCH_SWIFT_USER", SWIFT_USER)
        .env("BENCH_SWIFT_KEY", SWIFT_KEY)
        .env("BENCH_GCS_CHUNK", GCS_CHUNK.to_string())
        .env("AZURITE_BLOB_STORAGE_URL", azurite_origin())
        .output()
        .expect("the client runs");
    let v = json_report(&out, &format!("{client} {job}"));
    Run {
        wall: v["wall_s"].as_f64().unwrap_or(f64::NAN),
        cpu: v["cpu_s"].as_f64().unwrap_or(f64::NAN),
        rss: v["rss_mib"].as_f64().unwrap_or(f64::NAN),
    }
}

/// A program `xtask bench` built: `{BENCH_TARGETS}/{library}/release/{kind}-{library}`
/// (each library has its own target dir).
fn built(kind: &str, library: &str) -> PathBuf {
    PathBuf::from(env("BENCH_TARGETS", "target"))
        .join(library)
        .join("release")
        .join(format!("{kind}-{library}"))
}

/// A Python side of the comparison: `{BENCH_PYTHON_DIR}/{script}.py MODE`.
fn python(script: &str, mode: &str) -> Command {
    let mut command = Command::new(env("BENCH_PYTHON", "python3"));
    command
        .arg(PathBuf::from(env("BENCH_PYTHON_DIR", "python")).join(format!("{script}.py")))
        .arg(mode);
    command
}

/// Runs `python/ec2.py` to completion and returns its JSON line.
fn python_json(args: &[&str]) -> serde_json::Value {
    let out = python("ec2", args[0])
        .args(&args[1..])
        .output()
        .expect("python runs");
    json_report(&out, &format!("ec2.py {args:?}"))
}

/// The JSON line a client prints last; a failed client, or one that printed
/// no report, stops the comparison.
fn json_report(out: &std::process::Output, what: &str) -> serde_json::Value {
    if !out.status.success() {
        panic!("{what} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{what} printed no JSON report ({e}): {text}"))
}

/// The EC2 comparison: `count` instances in moto listed by `cloud`, Python
/// Libcloud and boto3, then the parse-only times of the document moto
/// returns, `cloud`'s measured by criterion.
fn ec2(count: usize, rounds: usize, work: &Path) -> (Vec<Row>, String) {
    let started = Instant::now();
    python_json(&["setup", &count.to_string()]);
    let doc = work.join("describe-instances.xml");
    python_json(&["save", doc.to_str().expect("a UTF-8 path")]);
    eprintln!("started {count} instances in {:?}", started.elapsed());
    let clients = ["cloud", "libcloud", "boto3"];
    let rows = compare(
        &call(
            format!("EC2 list_nodes, {count} instances"),
            "ec2-list",
            &clients,
            "",
        ),
        rounds,
    );
    let libcloud = python_json(&["parse", doc.to_str().expect("a UTF-8 path")]);
    let status = Command::new(env("CARGO", "cargo"))
        .args(["bench", "--offline", "--locked", "--manifest-path"])
        .arg(env("BENCH_MANIFEST", "Cargo.toml"))
        .args([
            "-p",
            "cloud-bench",
            "--bench",
            "ec2_parse",
            "--",
            "--noplot",
        ])
        .env("BENCH_EC2_DOC", &doc)
        .status()
        .expect("cargo bench runs");
    assert!(status.success(), "the criterion benchmark failed");
    let estimates = PathBuf::from(env("CARGO_TARGET_DIR", "target"))
        .join("criterion/ec2_describe_instances/new/estimates.json");
    let estimates: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&estimates).expect("criterion's estimates"))
            .expect("criterion's estimates parse");
    let cloud_s = estimates["median"]["point_estimate"]
        .as_f64()
        .unwrap_or(f64::NAN)
        / 1e9;
    let python_s = libcloud["total_s"].as_f64().unwrap_or(f64::NAN);
    let mib = libcloud["bytes"].as_f64().unwrap_or(f64::NAN) / 1048576.0;
    let parse = format!(
        "| parse-only, DescribeInstances of {count} instances ({mib:.1} MiB) | time (median) | vs `cloud` |\n\
         |---|---:|---:|\n\
         | cloud (criterion) | {:.1} ms | 1x |\n\
         | Python Libcloud 3.9 (XML {:.2} s + nodes {:.2} s) | {:.2} s | {:.0}x slower |\n",
        cloud_s * 1e3,
        libcloud["xml_s"].as_f64().unwrap_or(f64::NAN),
        libcloud["nodes_s"].as_f64().unwrap_or(f64::NAN),
        python_s,
        python_s / cloud_s
    );
    (rows, parse)
}

/// The listing-scaling rows: the `cloud` CLI's `compute ls` (table and
/// `--json`) over 2,000, 20,000 and 100,000 instances from a synthetic EC2 that
/// pages as asked (`python/ec2_pages.py`), peak RSS as the CLI's `--stats`
/// reports it. Memory must stay flat: the listing is a stream of pages of
/// 1,000, the table prints as it comes and JSON spools past 8 MiB.
fn listing_scaling(cli: &Path, rounds: usize) -> String {
    let counts = [2_000usize, 20_000, 100_000];
    let mut out = String::from(
        "| `cloud compute ls` (CLI) on EC2, pages of 1,000 | 2,000 nodes: peak RSS, wall | 20,000 nodes | 100,000 nodes | flat? (20,000 ≤ 2,000 + 8 MiB, 100,000 ≤ 1.1 × 20,000) |\n\
         |---|---:|---:|---:|:-:|\n",
    );
    for json in [false, true] {
        let mut cells = Vec::new();
        for count in counts {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut server = python("ec2_pages", &port.to_string())
                .arg(count.to_string())
                .spawn()
                .expect("the synthetic EC2 starts");
            let ready = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    ready.elapsed().as_secs() < 30,
                    "the synthetic EC2 never listened"
                );
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let mut runs = Vec::new();
            for _ in 0..rounds {
                let mut command = Command::new(cli);
                command
                    .args(["--stats", "--provider", "aws", "--region", "us-east-1"])
                    .args(["--key", "AKIABENCHSCALING0001", "--secret", "bench"])
                    .arg("--endpoint")
                    .arg(format!("http://127.0.0.1:{port}"))
                    .args(["compute", "ls"])
                    .env("CLOUD_HOME", env("BENCH_WORK", "/tmp/cloud-bench"))
                    .env("AWS_EC2_METADATA_DISABLED", "true");
                if json {
                    command.arg("--json");
                }
                let output = command.output().expect("the cloud CLI runs");
                assert!(
                    output.status.success(),
                    "cloud compute ls failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let lines = output.stdout.split(|b| *b == b'\n').count();
                assert!(lines > count, "{count} nodes listed as {lines} lines");
                runs.push(cli_stats(&String::from_utf8_lossy(&output.stderr)));
            }
            let _ = server.kill();
            let _ = server.wait();
            cells.push(Run {
                wall: median(runs.iter().map(|r| r.wall).collect()),
                cpu: f64::NAN,
                rss: median(runs.iter().map(|r| r.rss).collect()),
            });
        }
        // The first pages grow the allocator's per-thread arenas to their
        // working size; after that, memory must not follow the listing.
        let flat = cells[1].rss <= cells[0].rss + 8.0 && cells[2].rss <= 1.1 * cells[1].rss;
        out.push_str(&format!(
            "| {} | {:.0} MiB, {:.2} s | {:.0} MiB, {:.2} s | {:.0} MiB, {:.2} s | {} |\n",
            if json { "`--json`" } else { "table" },
            cells[0].rss,
            cells[0].wall,
            cells[1].rss,
            cells[1].wall,
            cells[2].rss,
            cells[2].wall,
            if flat { "met" } else { "missed" }
        ));
    }
    out
}

/// The CLI's `--stats` line: `stats: 1.32 s, peak RSS 25 MiB`.
fn cli_stats(stderr: &str) -> Run {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("stats: "))
        .unwrap_or_else(|| panic!("no --stats line in: {stderr}"));
    let number = |after: &str| -> f64 {
        line.split(after)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.trim_end_matches(',').parse().ok())
            .unwrap_or(f64::NAN)
    };
    Run {
        wall: number("stats: "),
        cpu: f64::NAN,
        rss: number("peak RSS "),
    }
}

/// curl's single PUT or GET with its own SigV4: the loopback ceiling.
fn run_curl(job: &str, object: &str, file: &Path) -> Run {
    let url = format!(
        "{}/{}/{object}",
        env("BENCH_ENDPOINT", ""),
        env("BENCH_BUCKET", "")
    );
    let user = format!("{}:{}", env("BENCH_KEY", ""), env("BENCH_SECRET", ""));
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "--fail",
        "--aws-sigv4",
        "aws:amz:us-east-1:s3",
        "--user",
        &user,
    ])
    .args(["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]);
    match job {
        "put" => cmd.arg("-T").arg(file).arg(&url),
        _ => cmd.arg("-o").arg(file).arg(&url),
    };
    let started = Instant::now();
    let out = cmd.output().expect("curl runs");
    if !out.status.success() {
        panic!(
            "curl {job} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Run {
        wall: started.elapsed().as_secs_f64(),
        cpu: f64::NAN,
        rss: f64::NAN,
    }
}

/// A file of `mib` MiB of incompressible bytes.
fn make_file(path: &Path, mib: usize) {
    use std::io::Write;
    if std::fs::metadata(path).is_ok_and(|m| m.len() == (mib as u64) << 20) {
        return;
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for chunk in block.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        out.write_all(&block).expect("write");
    }
}

struct Row {
    task: String,
    client: String,
    runs: Vec<Run>,
    bytes: Option<u64>,
}

impl Row {
    fn wall(&self) -> f64 {
        median(self.runs.iter().map(|r| r.wall).collect())
    }
    fn cpu(&self) -> f64 {
        median(self.runs.iter().map(|r| r.cpu).collect())
    }
    fn rss(&self) -> f64 {
        self.runs.iter().map(|r| r.rss).fold(f64::NAN, f64::max)
    }
}

/// One task of the comparison: the job each client does, the file it reads
/// or writes, the listing prefix, and the bytes it moves (for MiB/s).
struct Task<'a> {
    title: String,
    job: &'static str,
    clients: &'a [&'a str],
    file: &'a dyn Fn(&str) -> PathBuf,
    prefix: &'a str,
    bytes: Option<u64>,
}

/// A task that moves `bytes` between `file` and the server.
fn transfer<'a>(
    title: &str,
    job: &'static str,
    clients: &'a [&'a str],
    file: &'a dyn Fn(&str) -> PathBuf,
    bytes: u64,
) -> Task<'a> {
    Task {
        title: title.to_owned(),
        job,
        clients,
        file,
        prefix: "",
        bytes: Some(bytes),
    }
}

/// A task that moves no file: a listing of `prefix`, or an EC2 call.
fn call<'a>(title: String, job: &'static str, clients: &'a [&'a str], prefix: &'a str) -> Task<'a> {
    Task {
        title,
        job,
        clients,
        file: &|_| PathBuf::new(),
        prefix,
        bytes: None,
    }
}

/// Runs each of `task`'s clients for `rounds` rounds, rotating who goes first.
fn compare(task: &Task, rounds: usize) -> Vec<Row> {
    let Task {
        title,
        job,
        clients,
        file,
        prefix,
        bytes,
    } = task;
    let (job, prefix, bytes) = (*job, *prefix, *bytes);
    let mut rows: Vec<Row> = clients
        .iter()
        .map(|c| Row {
            task: title.clone(),
            client: (*c).to_owned(),
            runs: Vec::new(),
            bytes,
        })
        .collect();
    for round in 0..rounds {
        for i in 0..clients.len() {
            let index = (i + round) % clients.len();
            let client = clients[index];
            let object = match job {
                "get" | "swift-get" | "gcs-get" | "azure-get" => "bench/source".to_owned(),
                // openstacksdk skips an upload when the object already
                // holds the file's checksums, so each round of a Swift
                // upload writes a name of its own.
                "swift-put" => format!("bench/{job}/{client}/{}", round + 1),
                _ => format!("bench/{job}/{client}"),
            };
            let run = run_client(client, job, &object, &file(client), prefix);
            eprintln!("{title} {client} round {}: {run:?}", round + 1);
            rows[index].runs.push(run);
        }
    }
    rows
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| task | client | wall (median) | MiB/s | CPU s (median) | peak RSS MiB | wall vs best peer |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    let tasks: Vec<&str> = {
        let mut t: Vec<&str> = rows.iter().map(|r| r.task.as_str()).collect();
        t.dedup();
        t
    };
    for task in tasks {
        let group: Vec<&Row> = rows.iter().filter(|r| r.task == task).collect();
        let best_peer = group
            .iter()
            .filter(|r| r.client != "cloud" && r.client != "curl")
            .map(|r| r.wall())
            .fold(f64::INFINITY, f64::min);
        for r in group {
            let rate = r
                .bytes
                .map(|b| format!("{:.0}", b as f64 / 1048576.0 / r.wall()))
                .unwrap_or_else(|| "–".into());
            let ratio = if best_peer.is_finite() {
                format!("{:.2}x", r.wall() / best_peer)
            } else {
                "–".into()
            };
            let num = |v: f64, digits: usize| {
                if v.is_nan() {
                    "–".to_owned()
                } else {
                    format!("{v:.digits$}")
                }
            };
            out.push_str(&format!(
                "| {} | {} | {:.2} s | {} | {} | {} | {} |\n",
                r.task,
                r.client,
                r.wall(),
                rate,
                num(r.cpu(), 2),
                num(r.rss(), 1),
                ratio
            ));
        }
    }
    out
}

/// The bucket the small compile-cost programs list and put into.
const SMALL_BUCKET: &str = "bench-small";

/// Creates the buckets and fills the S3 server.
async fn prepare(bucket: &str, list_count: usize, list_prefix: &str, source: &Path) {
    use cloud::aws::{AwsBuilder, AwsCredentials};
    let aws = AwsBuilder::new()
        .credentials(AwsCredentials::new(
            env("BENCH_KEY", ""),
            env("BENCH_SECRET", ""),
        ))
        .region("us-east-1")
        .endpoint(env("BENCH_ENDPOINT", ""))
        .build()
        .expect("client");
    let storage = cloud::Storage::new(aws.s3().expect("s3"));
    if let Err(e) = storage.create_container(bucket).await
        && !matches!(e.kind(), cloud::ErrorKind::AlreadyExists { .. })
    {
        panic!("creating {bucket}: {e}");
    }
    if let Err(e) = storage.create_container(SMALL_BUCKET).await
        && !matches!(e.kind(), cloud::ErrorKind::AlreadyExists { .. })
    {
        panic!("creating {SMALL_BUCKET}: {e}");
    }
    fill(&storage, bucket, list_count, list_prefix, source).await;
}

/// Uploads the download source and `list_count` one-byte objects under
/// `list_prefix` (those not there yet) into `container`.
async fn fill(
    storage: &cloud::Storage,
    bucket: &str,
    list_count: usize,
    list_prefix: &str,
    source: &Path,
) {
    storage
        .upload_file(bucket, "bench/source", source, &cloud::UploadOptions::new())
        .await
        .expect("uploading the download source");
    let existing = storage
        .list_objects_vec(bucket, Some(list_prefix))
        .await
        .map_or(0, |v| v.len());
    if existing < list_count {
        let started = Instant::now();
        futures::stream::iter(existing..list_count)
            .map(|i| {
                let storage = storage.clone();
                async move {
                    storage
                        .upload_bytes(
                            bucket,
                            &format!("{list_prefix}{i:06}"),
                            &b"x"[..],
                            &cloud::UploadOptions::new(),
                        )
                        .await
                        .expect("a listing object");
                }
            })
            .buffer_unordered(32)
            .collect::<Vec<()>>()
            .await;
        eprintln!(
            "wrote {} listing objects in {:?}",
            list_count - existing,
            started.elapsed()
        );
    }
}

/// Runs each library's small compile-cost program once against s3s-fs:
/// what was built and timed is a program that works.
fn run_small_programs(work: &Path) {
    let file = work.join("small.txt");
    std::fs::write(&file, "a small file\n".repeat(1000)).expect("writing the small file");
    for library in SMALL_PROGRAMS {
        let program = built("small", library);
        let out = Command::new(&program)
            .arg(&file)
            .env("BENCH_BUCKET", SMALL_BUCKET)
            .output()
            .unwrap_or_else(|e| panic!("{} does not run: {e}", program.display()));
        if !out.status.success() {
            panic!(
                "small-{library} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        eprintln!(
            "small-{library}: {}",
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
}

/// The Swift comparison: `cloud` against python-swiftclient and
/// openstacksdk on the local Swift (tempauth): upload from a file in
/// 8 MiB segments (a Static Large Object), download into a file, listing.
async fn swift(
    rounds: usize,
    mib: usize,
    list_count: usize,
    source: &Path,
    work: &Path,
) -> Vec<Row> {
    use cloud::openstack::{Auth, OpenStackBuilder};
    let auth = env("BENCH_SWIFT_AUTH", "");
    let openstack = OpenStackBuilder::openstack()
        .auth(Auth::V1 {
            url: auth.parse().expect("BENCH_SWIFT_AUTH is a URL"),
            user: SWIFT_USER.into(),
            key: SWIFT_KEY.into(),
        })
        .allow_http(true)
        .build()
        .expect("the Swift client");
    let storage = cloud::Storage::new(openstack.swift());
    let bucket = env("BENCH_BUCKET", "bench");
    if let Err(e) = storage.create_container(&bucket).await
        && !matches!(e.kind(), cloud::ErrorKind::AlreadyExists { .. })
    {
        panic!("creating the Swift container {bucket}: {e}");
    }
    let list_prefix = "list/";
    fill(&storage, &bucket, list_count, list_prefix, source).await;
    let clients = ["cloud", "swiftclient", "openstacksdk"];
    let bytes = (mib as u64) << 20;
    let src = |_: &str| source.to_path_buf();
    let dst = |client: &str| work.join(format!("swift-download-{client}.bin"));
    let mut rows = Vec::new();
    for task in [
        transfer(
            "Swift upload, 8 MiB segments",
            "swift-put",
            &clients,
            &src,
            bytes,
        ),
        transfer("Swift download", "swift-get", &clients, &dst, bytes),
        call(
            format!("Swift list {list_count} objects"),
            "swift-list",
            &clients,
            list_prefix,
        ),
    ] {
        rows.extend(compare(&task, rounds));
    }
    for client in clients {
        let _ = std::fs::remove_file(dst(client));
    }
    rows
}

/// The Cloud Storage comparison on fake-gcs-server: `cloud` against the
/// `google-cloud-storage` Python client and object_store's `gcp` store.
/// Uploads are resumable, from a file and from a stream of unknown size, in
/// [`GCS_CHUNK`] chunks; object_store is left out of them, as it uploads
/// large objects through the XML API's multipart uploads, which
/// fake-gcs-server does not implement (object_store's own tests skip them
/// there too).
async fn gcs(rounds: usize, mib: usize, list_count: usize, work: &Path) -> Vec<Row> {
    use cloud::google::GoogleBuilder;
    let google = GoogleBuilder::new()
        .endpoint(env("BENCH_GCS_ENDPOINT", ""))
        .anonymous()
        .project("bench")
        .build()
        .expect("the Cloud Storage client");
    let storage = cloud::Storage::new(google.storage());
    let bucket = env("BENCH_BUCKET", "bench");
    if let Err(e) = storage.create_container(&bucket).await
        && !matches!(e.kind(), cloud::ErrorKind::AlreadyExists { .. })
    {
        panic!("creating the bucket {bucket}: {e}");
    }
    let source = work.join("gcs-source.bin");
    make_file(&source, mib);
    let list_prefix = "list/";
    fill(&storage, &bucket, list_count, list_prefix, &source).await;
    let bytes = (mib as u64) << 20;
    let src = |_: &str| source.clone();
    let dst = |client: &str| work.join(format!("gcs-download-{client}.bin"));
    let uploaders = ["cloud", "google-cloud-storage"];
    let readers = ["cloud", "object-store", "google-cloud-storage"];
    let mut rows = Vec::new();
    for task in [
        transfer(
            "GCS upload, resumable from a file",
            "gcs-multipart-file",
            &uploaders,
            &src,
            bytes,
        ),
        transfer(
            "GCS upload, resumable from a stream",
            "gcs-multipart-stream",
            &uploaders,
            &src,
            bytes,
        ),
        transfer("GCS download", "gcs-get", &readers, &dst, bytes),
        call(
            format!("GCS list {list_count} objects"),
            "gcs-list",
            &readers,
            list_prefix,
        ),
    ] {
        rows.extend(compare(&task, rounds));
    }
    for client in readers {
        let _ = std::fs::remove_file(dst(client));
    }
    let _ = std::fs::remove_file(&source);
    rows
}

/// `http://host:port` of `BENCH_AZURE_ENDPOINT` (which ends with the
/// account): where object_store's emulator mode finds Azurite.
fn azurite_origin() -> String {
    let endpoint = env("BENCH_AZURE_ENDPOINT", "");
    let after_scheme = endpoint.find("://").map_or(0, |i| i + 3);
    match endpoint[after_scheme..].find('/') {
        Some(i) => endpoint[..after_scheme + i].to_owned(),
        None => endpoint,
    }
}

/// The Blob Storage comparison on Azurite: `cloud` against object_store's
/// `azure` store and the `azure-storage-blob` Python client. Uploads are
/// staged in 8 MiB blocks, four at a time, from a file and from a stream
/// of unknown size.
async fn azure(rounds: usize, mib: usize, list_count: usize, work: &Path) -> Vec<Row> {
    use cloud::azure::{AzureBuilder, StorageCredentials};
    let azure = AzureBuilder::new()
        .credentials(StorageCredentials::shared_key(
            cloud::azure::DEVELOPMENT_ACCOUNT,
            cloud::azure::DEVELOPMENT_KEY,
        ))
        .blob_endpoint(env("BENCH_AZURE_ENDPOINT", ""))
        .build()
        .expect("the Blob Storage client");
    let storage = cloud::Storage::new(azure.blob_storage());
    let bucket = env("BENCH_BUCKET", "bench");
    if let Err(e) = storage.create_container(&bucket).await
        && !matches!(e.kind(), cloud::ErrorKind::AlreadyExists { .. })
    {
        panic!("creating the container {bucket}: {e}");
    }
    let source = work.join("azure-source.bin");
    make_file(&source, mib);
    let list_prefix = "list/";
    fill(&storage, &bucket, list_count, list_prefix, &source).await;
    let bytes = (mib as u64) << 20;
    let src = |_: &str| source.clone();
    let dst = |client: &str| work.join(format!("azure-download-{client}.bin"));
    let clients = ["cloud", "object-store", "azure-storage-blob"];
    let mut rows = Vec::new();
    for task in [
        transfer(
            "Azure upload, blocks from a file",
            "azure-multipart-file",
            &clients,
            &src,
            bytes,
        ),
        transfer(
            "Azure upload, blocks from a stream",
            "azure-multipart-stream",
            &clients,
            &src,
            bytes,
        ),
        transfer("Azure download", "azure-get", &clients, &dst, bytes),
        call(
            format!("Azure list {list_count} blobs"),
            "azure-list",
            &clients,
            list_prefix,
        ),
    ] {
        rows.extend(compare(&task, rounds));
    }
    for client in clients {
        let _ = std::fs::remove_file(dst(client));
    }
    let _ = std::fs::remove_file(&source);
    rows
}

#[tokio::main]
async fn main() {
    let rounds: usize = env("BENCH_ROUNDS", "3").parse().expect("BENCH_ROUNDS");
    let mib: usize = env("BENCH_SIZE_MIB", "1024")
        .parse()
        .expect("BENCH_SIZE_MIB");
    let list_count: usize = env("BENCH_LIST_COUNT", "20000")
        .parse()
        .expect("BENCH_LIST_COUNT");
    let bucket = env("BENCH_BUCKET", "bench");
    let work = PathBuf::from(env("BENCH_WORK", "/tmp/cloud-bench"));
    std::fs::create_dir_all(&work).expect("work dir");
    let source = work.join("source.bin");
    make_file(&source, mib);
    let list_prefix = "list/";
    prepare(&bucket, list_count, list_prefix, &source).await;
    run_small_programs(&work);
    let bytes = (mib as u64) << 20;
    let src = |_: &str| source.clone();
    let dst = |client: &str| work.join(format!("download-{client}.bin"));
    let started = Instant::now();
    let rust = ["cloud", "aws-sdk", "object-store"];
    let mut rows = Vec::new();
    for task in [
        transfer(
            "upload, single PUT",
            "put",
            &["cloud", "aws-sdk", "curl"],
            &src,
            bytes,
        ),
        transfer(
            "upload, multipart from a file",
            "multipart-file",
            &rust,
            &src,
            bytes,
        ),
        transfer(
            "upload, multipart from a stream",
            "multipart-stream",
            &rust,
            &src,
            bytes,
        ),
        transfer(
            "download",
            "get",
            &["cloud", "aws-sdk", "object-store", "curl"],
            &dst,
            bytes,
        ),
        call(
            format!("list {list_count} objects"),
            "list",
            &rust,
            list_prefix,
        ),
    ] {
        rows.extend(compare(&task, rounds));
    }
    for client in ["cloud", "aws-sdk", "object-store", "curl"] {
        let _ = std::fs::remove_file(dst(client));
    }
    let mut parse = String::new();
    if std::env::var_os("BENCH_EC2_ENDPOINT").is_some() {
        let count: usize = env("BENCH_EC2_COUNT", "2000")
            .parse()
            .expect("BENCH_EC2_COUNT");
        let (ec2_rows, parse_table) = ec2(count, rounds, &work);
        rows.extend(ec2_rows);
        parse = parse_table;
    }
    if std::env::var_os("BENCH_SWIFT_AUTH").is_some() {
        // The local Swift (Python, SQLite container databases) writes
        // about 140 objects a second: 20,000 would take the run past its
        // 30 minutes, so Swift lists 5,000 unless told otherwise.
        let count: usize = env("BENCH_SWIFT_LIST_COUNT", "5000")
            .parse()
            .expect("BENCH_SWIFT_LIST_COUNT");
        rows.extend(swift(rounds, mib, count, &source, &work).await);
    }
    if std::env::var_os("BENCH_GCS_ENDPOINT").is_some() {
        // fake-gcs-server's work per resumable upload grows with the
        // square of its size (see GCS_CHUNK), so Cloud Storage moves 256 MiB
        // unless told otherwise.
        let mib: usize = env("BENCH_GCS_SIZE_MIB", "256")
            .parse()
            .expect("BENCH_GCS_SIZE_MIB");
        rows.extend(gcs(rounds, mib, list_count, &work).await);
    }
    if std::env::var_os("BENCH_AZURE_ENDPOINT").is_some() {
        // Azurite holds every blob in memory (capped at 4 GiB by the
        // xtask) and frees an overwritten blob's data only at its own later
        // clean-up: at 256 MiB the cap was reached after 14 uploads. Blob
        // Storage moves 64 MiB unless told otherwise.
        let mib: usize = env("BENCH_AZURE_SIZE_MIB", "64")
            .parse()
            .expect("BENCH_AZURE_SIZE_MIB");
        rows.extend(azure(rounds, mib, list_count, &work).await);
    }
    let scaling = match std::env::var_os("BENCH_CLOUD_CLI") {
        Some(cli) => listing_scaling(Path::new(&cli), rounds),
        None => String::new(),
    };
    let text = format!("{}\n{parse}\n{scaling}", table(&rows));
    println!("{text}");
    eprintln!("compared in {:?}", started.elapsed());
    if let Ok(out) = std::env::var("BENCH_OUT") {
        std::fs::write(out, &text).expect("writing BENCH_OUT");
    }
}
