//! `cargo xtask fuzz`: seeds, builds and runs the targets in `fuzz/`.
//!
//! Seeds come from the recorded fixtures (each response becomes an input in
//! the targets' format: a status byte, then the body), so the fuzzer starts
//! from what real servers answered. Runs use cargo-fuzz, installed on first
//! use; the project's one stable toolchain is asked for libFuzzer's
//! instrumentation with `RUSTC_BOOTSTRAP=1`, as no nightly can be fetched.
//! `run` writes `fuzz/last-run.md`: executions and findings per target.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cloud_testkit::cassette::Cassette;

use crate::workspace_root;

/// Every target, in the order `run` takes them.
const TARGETS: &[&str] = &[
    "aws_ec2",
    "aws_s3",
    "aws_elb",
    "aws_route53",
    "keystone",
    "nova",
    "swift",
    "gandi",
    "cloudsigma",
    "google",
    "google_apis",
    "azure",
    "zone_file",
    "local_names",
];

/// Which target a fixture folder's responses seed; the first match wins.
const SEED_FOLDERS: &[(&str, &str)] = &[
    ("aws/moto/compute", "aws_ec2"),
    ("aws/moto/storage", "aws_s3"),
    ("aws/s3s/storage", "aws_s3"),
    ("aws/moto/loadbalancer", "aws_elb"),
    ("aws/moto/dns", "aws_route53"),
    ("aws/errors/ec2_", "aws_ec2"),
    ("aws/errors/s3_", "aws_s3"),
    ("aws/errors/elb_", "aws_elb"),
    ("aws/errors/route53_", "aws_route53"),
    ("openstack/keystone", "keystone"),
    ("openstack/mimic/compute", "nova"),
    ("openstack/swift", "swift"),
    ("gandi/livedns", "gandi"),
    ("cloudsigma/api", "cloudsigma"),
    ("google/storage", "google"),
    ("google/compute", "google_apis"),
    ("google/lb", "google_apis"),
    ("google/dns", "google_apis"),
    ("azure/azurite", "azure"),
];

/// The statuses the targets map their first byte to (`fuzz/src/lib.rs`).
const STATUSES: [u16; 12] = [200, 200, 200, 201, 202, 204, 400, 403, 404, 409, 412, 503];

/// Seeds larger than this teach the fuzzer little and slow every run.
const MAX_SEED: usize = 64 * 1024;

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("seeds") => seeds().map(|n| eprintln!("xtask: wrote {n} seeds")),
        Some("build") => {
            ensure_cargo_fuzz()?;
            crate::run_command(cargo_fuzz(&["build", "-O", "-s", "none"]))
        }
        Some("run") => {
            let mut seconds = 600u64;
            let mut targets = Vec::new();
            let mut rest = args[1..].iter();
            while let Some(arg) = rest.next() {
                if arg == "--seconds" {
                    seconds = rest
                        .next()
                        .and_then(|s| s.parse().ok())
                        .ok_or("--seconds needs a number")?;
                } else if TARGETS.contains(&arg.as_str()) {
                    targets.push(arg.as_str());
                } else {
                    return Err(format!("unknown fuzz target `{arg}`; one of {TARGETS:?}"));
                }
            }
            if targets.is_empty() {
                targets = TARGETS.to_vec();
            }
            run_targets(&targets, seconds)
        }
        _ => Err("usage: cargo xtask fuzz <seeds | build | run [--seconds N] [TARGET...]>".into()),
    }
}

fn fuzz_dir() -> PathBuf {
    workspace_root().join("fuzz")
}

/// Writes one corpus file per distinct recorded response into
/// `fuzz/corpus/<target>/seed-<hash>`.
fn seeds() -> Result<usize, String> {
    let fixtures = workspace_root().join("fixtures");
    let mut paths = Vec::new();
    crate::fixtures::cassettes(&fixtures, &mut paths)?;
    let mut written = 0;
    for path in paths {
        let relative = path
            .strip_prefix(&fixtures)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        let Some((_, target)) = SEED_FOLDERS.iter().find(|(f, _)| relative.starts_with(f)) else {
            continue;
        };
        let cassette = Cassette::load(&path)?;
        for interaction in &cassette.interactions {
            // OpenStack logins seed the identity target whatever the folder.
            let login = relative.starts_with("openstack/")
                && interaction
                    .request
                    .uri
                    .split('?')
                    .next()
                    .is_some_and(|p| p.ends_with("tokens"));
            let target = if login { "keystone" } else { *target };
            let dir = fuzz_dir().join("corpus").join(target);
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("creating {}: {e}", dir.display()))?;
            let body = interaction.response.body.to_bytes()?;
            if body.len() > MAX_SEED {
                continue;
            }
            let status = STATUSES
                .iter()
                .position(|s| *s == interaction.response.status)
                .unwrap_or(0);
            let mut input = Vec::with_capacity(body.len() + 1);
            input.push(u8::try_from(status).unwrap_or(0));
            input.extend_from_slice(&body);
            let file = dir.join(format!("seed-{:016x}", fnv1a(&input)));
            if !file.exists() {
                std::fs::write(&file, &input)
                    .map_err(|e| format!("writing {}: {e}", file.display()))?;
                written += 1;
            }
        }
    }
    Ok(written)
}

/// A stable 64-bit hash for seed file names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let found = crate::cargo()
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Ok(());
    }
    let mut install = crate::cargo();
    install.args(["install", "cargo-fuzz", "--locked"]);
    crate::run_command(install)
}

/// `cargo fuzz ARGS` in `fuzz/`, on the stable toolchain.
fn cargo_fuzz(args: &[&str]) -> Command {
    let mut command = crate::cargo();
    command
        .arg("fuzz")
        .args(args)
        .current_dir(fuzz_dir())
        .env("RUSTC_BOOTSTRAP", "1")
        // The fuzz build has its own target dir: its flags differ from the
        // workspace's, and sharing would rebuild both every time.
        .env(
            "CARGO_TARGET_DIR",
            std::env::var_os("CLOUD_FUZZ_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| fuzz_dir().join("target")),
        );
    command
}

/// What one run found.
struct Outcome {
    executions: u64,
    seconds: u64,
    corpus: usize,
    crashed: bool,
}

fn run_targets(targets: &[&str], seconds: u64) -> Result<(), String> {
    ensure_cargo_fuzz()?;
    seeds()?;
    let mut outcomes = BTreeMap::new();
    for target in targets {
        let corpus = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| e.to_string())?;
        let max_time = format!("-max_total_time={seconds}");
        let mut command = cargo_fuzz(&[
            "run",
            "-O",
            // Every crate fuzzed forbids unsafe code: the address sanitizer
            // would find nothing safe Rust can do and cost ten times the
            // executions. Panics, overflows and hangs are what is sought.
            "-s",
            "none",
            target,
            &corpus.to_string_lossy(),
            "--",
            &max_time,
            "-max_len=65536",
            "-timeout=10",
            "-print_final_stats=1",
        ]);
        command.current_dir(fuzz_dir());
        eprintln!("xtask: fuzzing {target} for {seconds} s");
        let output = command
            .output()
            .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
        let log = String::from_utf8_lossy(&output.stderr);
        let log_file = fuzz_dir().join(format!("target-{target}.log"));
        let _ = std::fs::write(&log_file, log.as_bytes());
        let executions = log
            .lines()
            .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let crashed = !output.status.success();
        if !crashed {
            // Keep only the inputs that add coverage: the committed corpus
            // stays small enough to replay in CI.
            let mut minimise = cargo_fuzz(&["cmin", "-O", "-s", "none", target]);
            minimise.arg(&corpus);
            let _ = minimise.output();
        }
        let corpus_files = std::fs::read_dir(&corpus).map_or(0, |d| d.count());
        eprintln!(
            "xtask: {target}: {executions} executions, corpus {corpus_files}, {}",
            if crashed { "CRASHED" } else { "no crash" }
        );
        outcomes.insert(
            *target,
            Outcome {
                executions,
                seconds,
                corpus: corpus_files,
                crashed,
            },
        );
    }
    write_report(&outcomes)?;
    match outcomes.iter().find(|(_, o)| o.crashed) {
        Some((target, _)) => Err(format!(
            "{target} crashed; see fuzz/target-{target}.log and fuzz/artifacts/{target}/"
        )),
        None => Ok(()),
    }
}

/// Updates `fuzz/last-run.md`, keeping the rows of targets not run now
/// (so targets can be run in parallel batches).
fn write_report(outcomes: &BTreeMap<&str, Outcome>) -> Result<(), String> {
    let path: &Path = &fuzz_dir().join("last-run.md");
    let mut rows: BTreeMap<String, String> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let name = l.strip_prefix("| ")?.split(' ').next()?;
            TARGETS
                .contains(&name)
                .then(|| (name.to_owned(), l.to_owned()))
        })
        .collect();
    for (target, o) in outcomes {
        rows.insert(
            (*target).to_owned(),
            format!(
                "| {target} | {} | {} | {} | {} |",
                o.seconds,
                o.executions,
                o.corpus,
                if o.crashed { "crashed" } else { "no crash" }
            ),
        );
    }
    let mut text = String::from(
        "| target | seconds | executions | corpus files | result |\n|---|---:|---:|---:|---|\n",
    );
    for row in rows.values() {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}
