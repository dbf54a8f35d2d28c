//! `cargo xtask bench`: the side-by-side comparison in `bench/`.
//!
//! First the compile cost: the small S3 program of each library
//! (`bench/small/*`) is built clean in release mode, each in its own target
//! dir, one after the other, timed, and stripped. Then the bench clients
//! are built into those same dirs (sharing the build just timed, so the
//! comparison costs one build of each peer, not two). Then it installs the
//! Python peers in a virtualenv, starts s3s-fs (which verifies SigV4),
//! moto, Swift, fake-gcs-server and Azurite on loopback, runs `compare` (which also
//! measures the `cloud` tool's listing memory at 2,000 and 20,000 nodes
//! against a synthetic paging EC2), writes the
//! tables between the markers in `docs/performance.md`, and deletes the
//! data of the run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{cargo, run_command, servers, workspace_root};

const START: &str = "<!-- bench:start -->";
const END: &str = "<!-- bench:end -->";

/// The libraries whose small program is built and measured, `cloud` first.
const LIBRARIES: [&str; 4] = ["cloud", "aws-sdk", "object-store", "opendal"];

/// The bench client packages built after each library's small program, in
/// its target dir (opendal has only its small program).
const CLIENTS: [(&str, &str); 3] = [
    ("cloud", "cloud-bench"),
    ("aws-sdk", "bench-aws-sdk"),
    ("object-store", "bench-object-store"),
];

/// One library's clean release build of its small program.
struct BuildCost {
    library: &'static str,
    seconds: f64,
    crates: usize,
    stripped_bytes: u64,
    /// Compiler seconds per crate (`--timings`), measured for `cloud` only.
    per_crate: Vec<(String, f64)>,
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut build_cost = true;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--no-build-cost" {
            build_cost = false;
            continue;
        }
        let value = rest.next().ok_or(format!("{arg} needs a value"))?;
        let var = match arg.as_str() {
            "--rounds" => "BENCH_ROUNDS",
            "--size-mib" => "BENCH_SIZE_MIB",
            "--list" => "BENCH_LIST_COUNT",
            "--ec2" => "BENCH_EC2_COUNT",
            "--swift-list" => "BENCH_SWIFT_LIST_COUNT",
            "--gcs-size-mib" => "BENCH_GCS_SIZE_MIB",
            "--azure-size-mib" => "BENCH_AZURE_SIZE_MIB",
            _ => {
                return Err(format!(
                    "unknown option {arg}; known: --rounds, --size-mib, --list, --ec2, \
                     --swift-list, --gcs-size-mib, --azure-size-mib, --no-build-cost"
                ));
            }
        };
        vars.push((var.into(), value.clone()));
    }
    let started = Instant::now();
    let target = std::env::var_os("CLOUD_BENCH_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("bench/target"));
    let mut fetch = bench_cargo("fetch");
    fetch.arg("--locked");
    run_command(fetch)?;
    let mut costs = Vec::new();
    for library in LIBRARIES {
        if build_cost {
            costs.push(measure_build(&target, library)?);
        } else {
            let mut build = bench_cargo("build");
            build
                .args(["--release", "--offline", "--locked", "-p"])
                .arg(format!("small-{library}"))
                .env("CARGO_TARGET_DIR", target.join(library));
            run_command(build)?;
        }
    }
    let built = Instant::now();
    for (library, package) in CLIENTS {
        let mut build = bench_cargo("build");
        build
            .args([
                "--release",
                "--offline",
                "--locked",
                "--bins",
                "-p",
                package,
            ])
            .env("CARGO_TARGET_DIR", target.join(library));
        run_command(build)?;
    }
    // The `cloud` tool itself, for the listing-scaling rows.
    let mut cli = cargo();
    cli.args(["build", "--release", "--locked", "-p", "cloud-cli"])
        .env("CARGO_TARGET_DIR", target.join("cli"));
    run_command(cli)?;
    let mut criterion = bench_cargo("bench");
    criterion
        .args(["--offline", "--locked", "--no-run", "-p", "cloud-bench"])
        .env("CARGO_TARGET_DIR", target.join("cloud"));
    run_command(criterion)?;
    eprintln!(
        "xtask: bench clients built in {:.0} s on top of the small programs",
        built.elapsed().as_secs_f64()
    );

    let (cache, _) = servers::folders();
    let python = servers::venv(
        &cache,
        "bench-venv",
        &[
            "apache-libcloud>=3.9,<3.10",
            "boto3",
            "python-swiftclient",
            "openstacksdk",
            "google-cloud-storage",
            "azure-storage-blob",
        ],
    )?
    .join("bin/python");
    let running = servers::start_some(&[
        "s3s-fs".to_owned(),
        "moto".to_owned(),
        "swift".to_owned(),
        "fake-gcs-server".to_owned(),
        "azurite".to_owned(),
    ])?;
    let find = |name: &str| {
        running
            .env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or(format!("the servers did not set {name}"))
    };
    let out = target.join("last-run.md");
    let mut compare = Command::new(target.join("cloud/release/compare"));
    compare
        .env("BENCH_ENDPOINT", find("CLOUD_TEST_S3S_URL")?)
        .env("BENCH_KEY", find("CLOUD_TEST_S3S_KEY")?)
        .env("BENCH_SECRET", find("CLOUD_TEST_S3S_SECRET")?)
        .env("BENCH_BUCKET", "bench")
        .env("BENCH_EC2_ENDPOINT", find("CLOUD_TEST_MOTO_URL")?)
        .env("BENCH_SWIFT_AUTH", find("CLOUD_TEST_SWIFT_URL")?)
        .env("BENCH_GCS_ENDPOINT", find("CLOUD_TEST_FAKE_GCS_URL")?)
        .env("BENCH_AZURE_ENDPOINT", find("CLOUD_TEST_AZURITE_URL")?)
        .env("BENCH_CLOUD_CLI", target.join("cli/release/cloud"))
        .env("BENCH_PYTHON", &python)
        .env("BENCH_PYTHON_DIR", workspace_root().join("bench/python"))
        .env("BENCH_MANIFEST", workspace_root().join("bench/Cargo.toml"))
        .env("BENCH_TARGETS", &target)
        .env("CARGO_TARGET_DIR", target.join("cloud"))
        .env("BENCH_WORK", target.join("work"))
        .env("BENCH_OUT", &out)
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let result = run_command(compare);
    drop(running);
    // The objects and files of a run take gigabytes; keep none of them.
    let _ = std::fs::remove_dir_all(servers::bench_folder());
    let _ = std::fs::remove_dir_all(target.join("work"));
    result?;
    let tables =
        std::fs::read_to_string(&out).map_err(|e| format!("reading {}: {e}", out.display()))?;
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    write_docs(&costs, &tables, minutes)?;
    eprintln!("xtask: the whole comparison took {minutes:.1} minutes");
    Ok(())
}

/// `cargo SUBCOMMAND --manifest-path bench/Cargo.toml`, without a compiler
/// wrapper (a cache would make the timed builds meaningless).
fn bench_cargo(subcommand: &str) -> Command {
    let mut command = cargo();
    command
        .arg(subcommand)
        .arg("--manifest-path")
        .arg(workspace_root().join("bench/Cargo.toml"))
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_BUILD_RUSTC_WRAPPER");
    command
}

/// Builds `library`'s small program clean in release mode in its own target
/// dir, timed, and strips a copy of the binary.
fn measure_build(target: &Path, library: &'static str) -> Result<BuildCost, String> {
    let dir = target.join(library);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("clearing {}: {e}", dir.display()))?;
    }
    let program = format!("small-{library}");
    let mut build = bench_cargo("build");
    build
        .args(["--release", "--offline", "--locked", "-p", &program])
        .env("CARGO_TARGET_DIR", &dir);
    if library == "cloud" {
        // Where the time goes, crate by crate (the report costs nothing
        // measurable to write).
        build.arg("--timings");
    }
    eprintln!("xtask: timing a clean release build of {program}");
    let started = Instant::now();
    let out = build
        .output()
        .map_err(|e| format!("cannot run cargo for {program}: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("building {program} failed:\n{log}"));
    }
    let crates = log
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .count();
    let binary = dir.join("release").join(&program);
    let stripped = dir.join(format!("{program}.stripped"));
    let mut strip = Command::new("strip");
    strip.arg("-o").arg(&stripped).arg(&binary);
    run_command(strip)?;
    let stripped_bytes = std::fs::metadata(&stripped)
        .map_err(|e| format!("reading {}: {e}", stripped.display()))?
        .len();
    eprintln!("xtask: {program}: {seconds:.0} s, {crates} crates, {stripped_bytes} bytes stripped");
    let per_crate = if library == "cloud" {
        crate::timings::per_crate(&dir)?
    } else {
        Vec::new()
    };
    Ok(BuildCost {
        library,
        seconds,
        crates,
        stripped_bytes,
        per_crate,
    })
}

/// The compile-cost table: each library's build and binary, and `cloud`'s
/// as a share of each.
fn build_table(costs: &[BuildCost]) -> String {
    let Some(cloud) = costs.iter().find(|c| c.library == "cloud") else {
        return String::new();
    };
    let mut out = String::from(
        "| small S3 program (list a bucket, put a file) | clean release build | crates compiled | stripped binary | `cloud`'s build time ÷ this | `cloud`'s binary ÷ this |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for c in costs {
        out.push_str(&format!(
            "| {} | {:.0} s | {} | {:.1} MB | {:.2}x | {:.2}x |\n",
            c.library,
            c.seconds,
            c.crates,
            c.stripped_bytes as f64 / 1e6,
            cloud.seconds / c.seconds,
            cloud.stripped_bytes as f64 / c.stripped_bytes as f64
        ));
    }
    out
}

/// Rewrites the part of `docs/performance.md` between the markers.
fn write_docs(costs: &[BuildCost], tables: &str, minutes: f64) -> Result<(), String> {
    let docs = workspace_root().join("docs/performance.md");
    let text =
        std::fs::read_to_string(&docs).map_err(|e| format!("reading {}: {e}", docs.display()))?;
    let (Some(start), Some(end)) = (text.find(START), text.find(END)) else {
        return Err(format!(
            "{} lacks the {START} and {END} markers",
            docs.display()
        ));
    };
    let machine = format!(
        "Measured {} on {} cores, against s3s-fs 0.14.1, moto, Swift, fake-gcs-server and Azurite \
         on loopback; \
         the whole run took {minutes:.0} minutes.\n\n",
        today(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let builds = if costs.is_empty() {
        String::new()
    } else {
        format!("{}\n", build_table(costs))
    };
    let timings = match costs.iter().find(|c| c.library == "cloud") {
        Some(cloud) if !cloud.per_crate.is_empty() => format!(
            "Where `cloud`'s build goes: compiler time per crate from `cargo build \
             --timings` (both cores' time added, so it exceeds the wall-clock build):\n\n{}\n",
            crate::timings::table(&cloud.per_crate, 15)
        ),
        _ => String::new(),
    };
    let updated = format!(
        "{}{START}\n{machine}{builds}{timings}{tables}{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(&docs, updated).map_err(|e| format!("writing {}: {e}", docs.display()))?;
    eprintln!("xtask: wrote the tables into {}", docs.display());
    Ok(())
}

/// Today's date in UTC (`YYYY-MM-DD`), from the system clock.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Howard Hinnant's days-to-civil conversion.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
